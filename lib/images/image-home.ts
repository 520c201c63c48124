// Where a service's images live, and what that place holds under a tag: the one answer that
// image/push, verify and deploy share. The truth is the registry the image was pushed to:
// ECR_REGISTRY when set, else the account's ECR. An ECR host is asked through the ECR API
// (DescribeImages, BatchGetImage: the manifest digest a task pulls); any other registry (a
// local one standing in for ECR while AWS is an emulator) through its own Registry v2 API,
// never through the emulator's ECR: that one never saw the push, and moto's "digest" is the
// sha256 of the joined layer digests, which the real registry would not serve.
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import type { StepContext } from '../steps/step.js'
import { ecrRegistry } from '../aws/arns.js'
import { awsErrorIs } from '../aws/clients.js'
import { registryFromEnv } from '../aws/registry.js'
import type { Env } from '../config/env.js'
import { CheckFailed } from '../core/errors.js'
import { registerSecret } from '../core/redact.js'
import { decodeAuthorizationToken, registryRegion } from '../ops/ecr-login.js'
import { remoteBlobJson, remoteImage, registryTimeoutMs, type Credentials } from './registry.js'

export interface ImageHome {
  /** host[:port] */
  registry: string
  /** 'ecr': asked through the ECR API; 'registry': through the registry's own v2 API. */
  kind: 'ecr' | 'registry'
}

/** Where images live: ECR_REGISTRY when set, else the account's ECR. Pure. */
export function imageHome(env: Env, accountId: string, region: string): ImageHome {
  const registry = registryFromEnv(env) ?? ecrRegistry(accountId, region)
  return { registry, kind: registryRegion(registry) ? 'ecr' : 'registry' }
}

/** How to reach the home: an ECR client, and the registry's credentials (ECR's token) when asked. */
export interface HomeAccess {
  env: Env
  ecr(): ECRClient
  credentials(): Promise<Credentials>
}

/** ECR's GetAuthorizationToken as registry credentials, registered as secrets. */
export async function ecrCredentials(ecr: ECRClient): Promise<Credentials> {
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken
  if (!token) throw new CheckFailed('ECR returned no authorization token')
  registerSecret(token)
  const credentials = decodeAuthorizationToken(token)
  registerSecret(credentials.password)
  return credentials
}

/** Access through one ECR client (a run's context): the token comes from the same ECR. */
export function ecrAccess(env: Env, ecr: ECRClient): HomeAccess {
  let credentials: Promise<Credentials> | undefined
  return { env, ecr: () => ecr, credentials: () => (credentials ??= ecrCredentials(ecr)) }
}

export interface StoredImage {
  /** sha256:... of the manifest: what a task pins and pulls. */
  digest: string
  /** The manifest and its media type, when asked for. */
  manifest?: string
  mediaType?: string
}

export type Lookup = { found: true; image: StoredImage } | { found: false; why: 'no repository' | 'no image' }

/** What the home holds under a tag or digest. */
export async function lookUpImage(
  home: ImageHome,
  repository: string,
  id: { tag: string } | { digest: string },
  access: HomeAccess,
  options: { manifest?: boolean; registryId?: string } = {},
): Promise<Lookup> {
  const reference = 'digest' in id ? id.digest : id.tag
  if (home.kind === 'registry') {
    const remote = await remoteImage(home.registry, repository, reference, await access.credentials(), { timeoutMs: registryTimeoutMs(access.env) })
    if (!remote) return { found: false, why: 'no image' }
    return { found: true, image: { digest: remote.digest, manifest: remote.manifest, mediaType: remote.mediaType } }
  }
  const ecr = access.ecr()
  const imageId = 'digest' in id ? { imageDigest: id.digest } : { imageTag: id.tag }
  const registryId = options.registryId ? { registryId: options.registryId } : {}
  let digest: string | undefined
  try {
    digest = (await ecr.send(new DescribeImagesCommand({ ...registryId, repositoryName: repository, imageIds: [imageId] }))).imageDetails?.[0]?.imageDigest
  } catch (error) {
    if (awsErrorIs(error, 'RepositoryNotFoundException')) return { found: false, why: 'no repository' }
    if (awsErrorIs(error, 'ImageNotFoundException')) return { found: false, why: 'no image' }
    throw error
  }
  if (!digest) return { found: false, why: 'no image' }
  if (!options.manifest) return { found: true, image: { digest } }
  const got = await ecr.send(new BatchGetImageCommand({ ...registryId, repositoryName: repository, imageIds: [imageId], acceptedMediaTypes: MANIFEST_TYPES }))
  const image = got.images?.[0]
  return { found: true, image: { digest, ...(image?.imageManifest ? { manifest: image.imageManifest } : {}), ...(image?.imageManifestMediaType ? { mediaType: image.imageManifestMediaType } : {}) } }
}

export const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
]

/** An image config blob from a plain registry (an ECR home gives it through GetDownloadUrlForLayer instead). */
export async function registryConfig(home: ImageHome, repository: string, digest: string, access: HomeAccess): Promise<{ os?: string; architecture?: string; variant?: string }> {
  return (await remoteBlobJson(home.registry, repository, digest, await access.credentials(), { timeoutMs: registryTimeoutMs(access.env) })) as { os?: string; architecture?: string; variant?: string }
}

/** The digest the home holds for repository:tag (what deploy pins), or a CheckFailed saying what to do. */
export async function imageDigest(home: ImageHome, repository: string, tag: string, access: HomeAccess): Promise<string> {
  const looked = await lookUpImage(home, repository, { tag }, access)
  if (looked.found) return looked.image.digest
  const where = home.kind === 'ecr' ? 'ECR' : `the registry ${home.registry} (ECR_REGISTRY)`
  if (looked.why === 'no repository') {
    throw new CheckFailed(`${where} has no repository ${repository}: run ./scripts/ecr/create-repositories, then build and push the image`)
  }
  throw new CheckFailed(`no image ${repository}:${tag} in ${where}: build and push it first (./scripts/image/build, ./scripts/image/push), or pick another with --tag`)
}

/** The home and its access for a run's context (deploy's and verify's): its env, account, region and ECR client. */
export function contextHome(ctx: Pick<StepContext, 'env' | 'accountId' | 'region' | 'client'>): { home: ImageHome; access: HomeAccess } {
  return { home: imageHome(ctx.env, ctx.accountId, ctx.region), access: ecrAccess(ctx.env, ctx.client(ECRClient, 'ECR')) }
}
