// What a registry holds under a tag, asked of the registry's own HTTP API (Docker Registry v2,
// which ECR speaks too): the manifest's digest and the image config's digest, which is the
// local image's id when the two are the same image. Basic auth (ECR, htpasswd), or a bearer
// token fetched from the realm the registry names.
import { createHash } from 'node:crypto'
import { secondsVariable, type Env } from '../config/env.js'
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
  /** The manifest itself, as the registry sent it. */
  manifest: string
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

/** Seconds a registry has to answer one request (REGISTRY_TIMEOUT, default 15). Pure. */
export function registryTimeoutMs(env: Env): number {
  return Math.round(secondsVariable(env, 'REGISTRY_TIMEOUT', 15, 3600) * 1000)
}

export const REGISTRY_TIMEOUT_HELP = { name: 'REGISTRY_TIMEOUT', description: 'seconds a registry has to answer one request (default 15)' } as const

/** Why a request to a registry got no answer, in one line naming the registry: refused, timed out, or unreachable. Pure. */
export function registryUnreachable(registry: string, error: unknown, timeoutMs: number): CheckFailed {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } }
  const code = e.cause?.code ?? e.code
  const fix = 'check ECR_REGISTRY and that the registry is up'
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new CheckFailed(`the registry ${registry} timed out: no answer in ${timeoutMs / 1000} s; ${fix} (raise REGISTRY_TIMEOUT if it is just slow)`)
  }
  if (code === 'ECONNREFUSED') return new CheckFailed(`the registry ${registry} refused the connection (nothing listens there): ${fix}`)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CheckFailed(`the registry ${registry} has no address (DNS: ${code}): ${fix}`)
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return new CheckFailed(`the registry ${registry} closed the connection (${code}): ${fix}`)
  return new CheckFailed(`cannot reach the registry ${registry} (${code ?? (error as Error).message}): ${fix}`)
}

interface RegistryAccess {
  credentials: Credentials | undefined
  timeoutMs: number
  fetchImpl?: typeof fetch
}

/**
 * GET a registry path, with Basic auth, or the bearer token from the realm the registry names
 * on a 401. A registry that does not answer is a CheckFailed naming it (refused, timed out).
 */
async function registryGet(registry: string, repository: string, path: string, accept: string, access: RegistryAccess): Promise<Response> {
  const fetchImpl = access.fetchImpl ?? fetch
  const url = `${registryUrl(registry)}/v2/${repository}/${path}`
  const { credentials, timeoutMs } = access
  const basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined
  const call = (target: string | URL, headers: Record<string, string>) =>
    fetchImpl(target, { headers, signal: AbortSignal.timeout(timeoutMs) }).catch((error: unknown) => {
      throw registryUnreachable(registry, error, timeoutMs)
    })
  const get = (authorization?: string) => call(url, { accept, ...(authorization ? { authorization } : {}) })
  let response = await get(basic)
  if (response.status === 401) {
    const challenge = bearerChallenge(response.headers.get('www-authenticate'))
    if (challenge?.realm) {
      const tokenUrl = new URL(challenge.realm)
      if (challenge.service) tokenUrl.searchParams.set('service', challenge.service)
      tokenUrl.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`)
      const tokenResponse = await call(tokenUrl, basic ? { authorization: basic } : {})
      if (tokenResponse.ok) {
        const body = (await tokenResponse.json()) as { token?: string; access_token?: string }
        const token = body.token ?? body.access_token
        if (token) response = await get(`Bearer ${token}`)
      }
    }
  }
  return response
}

/** The manifest under a tag (or digest), or undefined when the registry has none. */
export async function remoteImage(
  registry: string,
  repository: string,
  reference: string,
  credentials: Credentials | undefined,
  options: { timeoutMs?: number; fetchImpl?: typeof fetch } = {},
): Promise<RemoteImage | undefined> {
  const access = { credentials, timeoutMs: options.timeoutMs ?? 15000, ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}) }
  const response = await registryGet(registry, repository, `manifests/${encodeURIComponent(reference)}`, ACCEPT, access)
  if (response.status === 404) return undefined
  if (response.status === 401 || response.status === 403) {
    throw new CheckFailed(`${registry} refused to show ${repository}:${reference} (HTTP ${response.status}): check the login (./scripts/ecr/login)`)
  }
  if (!response.ok) throw new CheckFailed(`${registry} answered HTTP ${response.status} for ${repository}:${reference}`)
  const text = await response.text()
  const mediaType = response.headers.get('content-type') ?? ''
  const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(text).digest('hex')}`
  let configDigest: string | undefined
  try {
    configDigest = (JSON.parse(text) as { config?: { digest?: string } }).config?.digest
  } catch {
    // not JSON: treat as unknown
  }
  return { digest, mediaType, manifest: text, ...(configDigest ? { configDigest } : {}) }
}

/** A blob (an image config) as JSON, from the registry's own API. */
export async function remoteBlobJson(
  registry: string,
  repository: string,
  digest: string,
  credentials: Credentials | undefined,
  options: { timeoutMs?: number } = {},
): Promise<unknown> {
  const response = await registryGet(registry, repository, `blobs/${digest}`, 'application/json, */*', { credentials, timeoutMs: options.timeoutMs ?? 15000 })
  if (!response.ok) throw new CheckFailed(`${registry} answered HTTP ${response.status} for the blob ${digest} of ${repository}`)
  return response.json()
}
