// One factory for every AWS SDK v3 client: region (AWS_REGION or AWS_DEFAULT_REGION),
// endpoint (AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL, so a local emulator can
// stand in for every service), retries (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE), and timeouts
// (AWS_CONNECT_TIMEOUT, AWS_REQUEST_TIMEOUT: lib/aws/timeouts.ts), so a dead endpoint ends a run
// instead of hanging it.
import { Readable } from 'node:stream'
import type { NodeHttpHandler } from '@smithy/node-http-handler'
import { get, type Env } from '../config/env.js'
import { ConfigError } from '../core/errors.js'
import { timeoutsFrom, type Timeouts } from './timeouts.js'

/** The per-service suffix of AWS_ENDPOINT_URL_<SERVICE>, as the SDKs spell it. */
export type ServiceKey =
  | 'ECS'
  | 'ECR'
  | 'SSM'
  | 'IAM'
  | 'EC2'
  | 'CLOUDWATCH_LOGS'
  | 'STS'
  | 'PRICING'
  | 'CLOUDTRAIL'
  | 'CONFIG_SERVICE'
  | 'ELASTIC_LOAD_BALANCING_V2'
  | 'ACM'
  | 'ROUTE_53'
  | 'SERVICEDISCOVERY'
  | 'CLOUDWATCH'
  | 'APPLICATION_AUTO_SCALING'

export interface ClientConfig {
  region: string
  endpoint?: string
  /** Only when the given environment holds keys; otherwise the SDK's own chain (profiles, SSO, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  maxAttempts: number
  retryMode: 'standard' | 'adaptive'
  /** Node's HTTP handler with the kit's timeouts, refusing answers that are not the AWS API. */
  requestHandler: AwsHttpHandler
}

/** An answer that did not come from an AWS API (an HTML page, a proxy's error page, garbage). */
export class NotAwsApiError extends Error {
  readonly $metadata: { httpStatusCode: number }
  constructor(
    readonly endpoint: string,
    /** e.g. "ECS RegisterTaskDefinition" */
    readonly call: string,
    readonly region: string | undefined,
    readonly status: number,
    readonly what: string,
  ) {
    super(`${endpoint} answered ${call} with HTTP ${status} and ${what}, not an AWS API response`)
    this.name = 'NotAwsApiError'
    // A 5xx page (a load balancer's 503) is retried like any 5xx; anything else is not.
    this.$metadata = { httpStatusCode: status }
  }
}

/** What a response body is, as far as telling the AWS API from anything else goes. Pure. */
export function sniffBody(body: string): 'aws' | 'an HTML page' | 'a body that is neither JSON nor XML' {
  const text = body.trimStart()
  if (text === '') return 'aws'
  if (/^<(!doctype\s+html|html|head|body|title|h1|p)\b/i.test(text)) return 'an HTML page'
  // AWS answers JSON (json protocols) or XML (query protocols); nothing else.
  if (text.startsWith('{') || text.startsWith('[') || /^<(\?xml|[A-Za-z])/.test(text)) return 'aws'
  return 'a body that is neither JSON nor XML'
}

/** "ECS RegisterTaskDefinition": the service from the signature's scope, the action from the target or the query. Pure. */
export function describeCall(headers: Record<string, string | undefined>, body: unknown): { call: string; region?: string } {
  const header = (name: string) => headers[name] ?? headers[name.toLowerCase()] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
  const scope = /Credential=[^/]+\/[^/]+\/([^/]+)\/([^/]+)\//.exec(String(header('authorization') ?? ''))
  const target = header('x-amz-target')?.split('.').pop()
  const action = target ?? (typeof body === 'string' ? new URLSearchParams(body).get('Action') ?? undefined : undefined)
  const service = scope?.[2]?.toUpperCase() ?? 'AWS'
  return { call: action ? `${service} ${action}` : service, ...(scope?.[1] ? { region: scope[1] } : {}) }
}

/** Read a whole response body, or fail with a TimeoutError (retried by the SDK) when it takes longer than ms. */
function readBody(stream: Readable, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      stream.destroy()
      reject(Object.assign(new Error(`the answer's body did not arrive within ${ms / 1000}s`), { name: 'TimeoutError', code: 'ETIMEDOUT' }))
    }, ms)
    stream.on('data', (c: Buffer) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)))
    stream.once('end', () => (clearTimeout(timer), resolve(Buffer.concat(chunks))))
    stream.once('error', (e) => (clearTimeout(timer), reject(e)))
  })
}

type Handle = NodeHttpHandler['handle']
type Answer = Awaited<ReturnType<Handle>>

/**
 * Node's HTTP handler with connect and request timeouts (the SDK sets none: a silent endpoint
 * would hang a run forever). The request timeout covers the whole answer, body included, and an
 * answer that is not the AWS API's (an HTML page, garbage) fails as NotAwsApiError naming the
 * endpoint, instead of a parser error or an empty result read as "no such thing".
 * Node's handler is loaded on the first request: every script's start-up path (the error
 * boundary) reaches this file, and flask/health-check must not pay for the SDK's HTTP stack.
 */
export class AwsHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' }
  private node?: Promise<NodeHttpHandler>
  /** Settings the SDK hands over (its logger) before the first request. */
  private readonly updates: Array<[never, never]> = []

  constructor(readonly timeouts: Timeouts) {}

  /** What Node's handler is made with. */
  httpHandlerConfigs(): Record<string, unknown> {
    return { connectionTimeout: this.timeouts.connectMs, requestTimeout: this.timeouts.requestMs, throwOnRequestTimeout: true, socketTimeout: this.timeouts.requestMs }
  }

  updateHttpClientConfig(key: never, value: never): void {
    if (this.node) void this.node.then((handler) => handler.updateHttpClientConfig(key, value))
    else this.updates.push([key, value])
  }

  destroy(): void {
    void this.node?.then((handler) => handler.destroy())
  }

  private handler(): Promise<NodeHttpHandler> {
    this.node ??= import('@smithy/node-http-handler').then(({ NodeHttpHandler }) => {
      const handler = new NodeHttpHandler(this.httpHandlerConfigs())
      for (const [key, value] of this.updates) handler.updateHttpClientConfig(key, value)
      return handler
    })
    return this.node
  }

  async handle(...[request, options]: Parameters<Handle>): Promise<Answer> {
    const started = Date.now()
    const port = request.port ? `:${request.port}` : ''
    const endpoint = `${request.protocol}//${request.hostname}${port}`
    // Timeouts and refused connections name the endpoint they were for (lib/core/describe-error.ts).
    const named = (error: unknown) => Promise.reject(error && typeof error === 'object' ? Object.assign(error, { endpoint }) : error)
    const answer = await (await this.handler()).handle(request, options).catch(named)
    const { response } = answer
    if (!(response.body instanceof Readable)) return answer
    const left = Math.max(1, this.timeouts.requestMs - (Date.now() - started))
    const body = await readBody(response.body, left).catch(named)
    const kind = sniffBody(body.subarray(0, 512).toString('utf8'))
    if (kind !== 'aws') {
      const { call, region } = describeCall(request.headers, request.body)
      throw new NotAwsApiError(endpoint, call, region, response.statusCode, kind)
    }
    response.body = Readable.from([body])
    // For the error description: which endpoint an answer the SDK cannot parse came from (not enumerable: never logged).
    Object.defineProperty(response, 'endpoint', { value: endpoint, enumerable: false })
    return answer
  }
}

/** What is wrong with an endpoint variable's value, or undefined when it is an http(s) URL. Pure. */
function endpointProblem(name: string, url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `${name} is not a URL: "${url}" (e.g. http://127.0.0.1:5000 for moto; unset it for real AWS)`
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `${name} must be an http:// or https:// URL, got "${url}" (e.g. http://127.0.0.1:5000 for moto; unset it for real AWS)`
  }
  return undefined
}

/**
 * Every problem with AWS_ENDPOINT_URL and each AWS_ENDPOINT_URL_<SERVICE> the environment sets
 * (all of them, whether or not this run uses that service): a bad one is a configuration
 * error before any call, not a failed check. Pure.
 */
export function endpointProblems(env: Env): string[] {
  const names = Object.keys(env).filter((name) => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(name)).sort()
  return names.flatMap((name) => {
    const url = get(env, name)
    const problem = url === undefined ? undefined : endpointProblem(name, url)
    return problem ? [problem] : []
  })
}

/** The endpoint override for a service, if any. Pure. */
export function endpointFor(env: Env, service: ServiceKey): string | undefined {
  const name = get(env, `AWS_ENDPOINT_URL_${service}`) !== undefined ? `AWS_ENDPOINT_URL_${service}` : 'AWS_ENDPOINT_URL'
  const url = get(env, name)
  const problem = url === undefined ? undefined : endpointProblem(name, url)
  if (problem) throw new ConfigError(problem)
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
    requestHandler: new AwsHttpHandler(timeoutsFrom(env)),
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

/**
 * Whether a failed call may succeed if made again later (the SDK has already retried it):
 * throttling, a 5xx answer (including a load balancer's page, NotAwsApiError with a 5xx
 * status), a timeout, or a dropped connection. Pure.
 */
export function isTransientAwsError(error: unknown): boolean {
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; status?: number; $metadata?: { httpStatusCode?: number } }
  const status = e.$metadata?.httpStatusCode ?? (e.name === 'NotAwsApiError' ? e.status : undefined) ?? 0
  if (status >= 500 && status <= 599) return true
  if (awsErrorIs(error, /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|InternalFailure|InternalError|ServerException|RequestTimeout|TimeoutError/)) return true
  return /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN)$/.test(e.code ?? '') || /socket hang up/i.test(String(e.message ?? ''))
}
