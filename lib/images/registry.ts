// What a registry holds under a tag, asked of the registry's own HTTP API (Docker Registry v2,
// which ECR speaks too): the manifest's digest and the image config's digest, which is the
// local image's id when the two are the same image. Basic auth (ECR, htpasswd), or a bearer
// token fetched from the realm the registry names.
import { createHash } from 'node:crypto'
import { CheckFailed } from '../core/errors.js'
import { isLoopbackRegistry } from './naming.js'

const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ')

export interface Credentials {
  username: string
  password: string
}

export interface RemoteImage {
  /** sha256:... of the manifest (what `docker push` prints, and what a task can pin). */
  digest: string
  /** sha256:... of the image config (the local image id), when the tag is one image rather than an index. */
  configDigest?: string
  mediaType: string
}

/** https, except for loopback registries, which docker talks to in plain HTTP. Pure. */
export const registryUrl = (registry: string): string => `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`

/** The parameters of a WWW-Authenticate: Bearer challenge. Pure. */
export function bearerChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined
  const params: Record<string, string> = {}
  for (const m of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]] = m[2]
  return params
}

/** The manifest under a tag, or undefined when the registry has none. */
export async function remoteImage(
  registry: string,
  repository: string,
  tag: string,
  credentials: Credentials | undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<RemoteImage | undefined> {
  const url = `${registryUrl(registry)}/v2/${repository}/manifests/${encodeURIComponent(tag)}`
  const basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined
  const get = (authorization?: string) =>
    fetchImpl(url, { headers: { accept: ACCEPT, ...(authorization ? { authorization } : {}) }, signal: AbortSignal.timeout(15000) })
  let response = await get(basic)
  if (response.status === 401) {
    const challenge = bearerChallenge(response.headers.get('www-authenticate'))
    if (challenge?.realm) {
      const tokenUrl = new URL(challenge.realm)
      if (challenge.service) tokenUrl.searchParams.set('service', challenge.service)
      tokenUrl.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`)
      const tokenResponse = await fetchImpl(tokenUrl, { headers: basic ? { authorization: basic } : {}, signal: AbortSignal.timeout(15000) })
      if (tokenResponse.ok) {
        const body = (await tokenResponse.json()) as { token?: string; access_token?: string }
        const token = body.token ?? body.access_token
        if (token) response = await get(`Bearer ${token}`)
      }
    }
  }
  if (response.status === 404) return undefined
  if (response.status === 401 || response.status === 403) {
    throw new CheckFailed(`${registry} refused to show ${repository}:${tag} (HTTP ${response.status}): check the login (./scripts/ecr/login)`)
  }
  if (!response.ok) throw new CheckFailed(`${registry} answered HTTP ${response.status} for ${repository}:${tag}`)
  const text = await response.text()
  const mediaType = response.headers.get('content-type') ?? ''
  const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(text).digest('hex')}`
  let configDigest: string | undefined
  try {
    configDigest = (JSON.parse(text) as { config?: { digest?: string } }).config?.digest
  } catch {
    // not JSON: treat as unknown
  }
  return { digest, mediaType, ...(configDigest ? { configDigest } : {}) }
}
