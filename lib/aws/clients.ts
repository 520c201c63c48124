// One factory for every AWS SDK v3 client: region (AWS_REGION or AWS_DEFAULT_REGION),
// endpoint (AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL, so a local emulator can
// stand in for every service), and retries (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE).
import { get, type Env } from '../config/env.js'
import { ConfigError } from '../core/errors.js'

// Node 20 is what Gitpod and this kit run on; the SDK's end-of-support notice on every
// start would only bury the kit's own output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/** The per-service suffix of AWS_ENDPOINT_URL_<SERVICE>, as the SDKs spell it. */
export type ServiceKey = 'ECS' | 'ECR' | 'SSM' | 'IAM' | 'EC2' | 'CLOUDWATCH_LOGS' | 'STS' | 'PRICING' | 'CLOUDTRAIL' | 'CONFIG_SERVICE'

export interface ClientConfig {
  region: string
  endpoint?: string
  /** Only when the given environment holds keys; otherwise the SDK's own chain (profiles, SSO, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  maxAttempts: number
  retryMode: 'standard' | 'adaptive'
}

/** The endpoint override for a service, if any. Pure. */
export function endpointFor(env: Env, service: ServiceKey): string | undefined {
  const url = get(env, `AWS_ENDPOINT_URL_${service}`) ?? get(env, 'AWS_ENDPOINT_URL')
  if (url !== undefined) {
    try {
      new URL(url)
    } catch {
      throw new ConfigError(`AWS_ENDPOINT_URL${url === get(env, 'AWS_ENDPOINT_URL') ? '' : `_${service}`} is not a URL: "${url}"`)
    }
  }
  return url
}

/** Client settings from the environment. Pure. */
export function clientConfig(env: Env, service: ServiceKey, region: string): ClientConfig {
  const attempts = Number(get(env, 'AWS_MAX_ATTEMPTS') ?? 5)
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new ConfigError(`AWS_MAX_ATTEMPTS must be a whole number of at least 1, got "${get(env, 'AWS_MAX_ATTEMPTS')}"`)
  }
  const mode = get(env, 'AWS_RETRY_MODE') ?? 'standard'
  if (mode !== 'standard' && mode !== 'adaptive') {
    throw new ConfigError(`AWS_RETRY_MODE must be "standard" or "adaptive", got "${mode}"`)
  }
  const endpoint = endpointFor(env, service)
  const accessKeyId = get(env, 'AWS_ACCESS_KEY_ID')
  const secretAccessKey = get(env, 'AWS_SECRET_ACCESS_KEY')
  const sessionToken = get(env, 'AWS_SESSION_TOKEN')
  // The SDK reads keys from process.env only; an explicit environment (the demo's) must carry its own.
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } : undefined
  return {
    region,
    maxAttempts: attempts,
    retryMode: mode,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  }
}

/**
 * Whether an SDK error is the named one (by its name, or its Code for EC2's query errors),
 * and, when given, its message matches. Pure.
 */
export function awsErrorIs(error: unknown, name: string | RegExp, message?: RegExp): boolean {
  const e = (error ?? {}) as { name?: string; Code?: string; message?: string }
  const id = e.Code ?? e.name ?? ''
  const named = typeof name === 'string' ? id === name || e.name === name : name.test(id) || name.test(e.name ?? '')
  return named && (message === undefined || message.test(String(e.message ?? '')))
}
