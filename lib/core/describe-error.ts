// Turns anything a script throws into one line and an exit code. Pure.
import { EXIT, KitError, type ExitCode } from './errors.js'

/** What the boundary knows of the run, for naming the endpoint in AWS errors. */
export interface ErrorContext {
  /** AWS_ENDPOINT_URL, when set. */
  endpoint?: string
  /** AWS_REQUEST_TIMEOUT/AWS_CONNECT_TIMEOUT as given, for the timeout hint. */
  requestTimeout?: string
}

/** Collapse any text to one line (SDK and parser messages carry newlines). Pure. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\s{2,}/g, ' ').trim()
}

export interface Described {
  line: string
  exitCode: ExitCode
  /** True when the error was not one the kit expected (a bug, or an unmapped failure). */
  unexpected: boolean
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
}

interface AwsLike {
  name?: string
  endpoint?: string
  call?: string
  region?: string
  status?: number
  what?: string
  $response?: unknown
  message?: string
  code?: string
  address?: string
  port?: number
  hostname?: string
  $metadata?: { httpStatusCode?: number }
  $fault?: string
}

export function describeError(error: unknown, context: ErrorContext = {}): Described {
  const described = describe(error, context)
  return { ...described, line: oneLine(described.line) }
}

function describe(error: unknown, context: ErrorContext): Described {
  if (error instanceof KitError) return { line: error.message, exitCode: error.exitCode, unexpected: false }
  const e = (error ?? {}) as AwsLike
  const name = e.name ?? ''
  const message = String(e.message ?? error)
  // The kit's HTTP handler (lib/aws/clients.ts) tells which endpoint an error came from.
  const endpoint = e.endpoint ?? context.endpoint ?? 'the AWS endpoint'
  const attempts = (e.$metadata as { attempts?: number } | undefined)?.attempts
  const tries = attempts && attempts > 1 ? ` (${attempts} attempts)` : ''

  if (name === 'NotAwsApiError') {
    const region = e.region ? ` in ${e.region}` : ''
    if (e.status === 500) {
      // An emulator's crash page: moto answers this way to input AWS would refuse with a 400.
      return {
        line:
          `${e.endpoint} failed on ${e.call}${region} with HTTP 500 and ${e.what}${tries}, not an AWS API error: ` +
          `an emulator does this for input AWS would refuse (a template field of the wrong type, a region it does not serve): ` +
          `check the template's fields and AWS_DEFAULT_REGION`,
        exitCode: EXIT.failed,
        unexpected: false,
      }
    }
    if (e.status !== undefined && e.status > 500 && e.status < 600) {
      // A load balancer's or proxy's 502/503/504 page in front of the API: unavailable, not "not AWS".
      return {
        line:
          `${e.endpoint} is unavailable: it answered ${e.call}${region} with HTTP ${e.status} and ${e.what}${tries}, not an AWS API answer ` +
          `(an outage, or a proxy or load balancer in the way): try again later, or check AWS_ENDPOINT_URL`,
        exitCode: EXIT.failed,
        unexpected: false,
      }
    }
    return {
      line:
        `${e.endpoint} does not speak the AWS API: it answered ${e.call}${region} with HTTP ${e.status} and ${e.what}${tries}; ` +
        `check AWS_ENDPOINT_URL (unset it for real AWS; for moto, the URL moto_server listens on)`,
      exitCode: EXIT.failed,
      unexpected: false,
    }
  }
  if (name === 'TimeoutError') {
    return {
      line:
        `no answer from ${endpoint}${tries}: ${message.replace(/^@smithy\/node-http-handler - (\[ERROR\] )?/, '')} ` +
        `Check AWS_ENDPOINT_URL and the network; raise AWS_REQUEST_TIMEOUT / AWS_CONNECT_TIMEOUT (seconds) if the endpoint is just slow`,
      exitCode: EXIT.failed,
      unexpected: false,
    }
  }
  if (e.$response !== undefined && (name === 'SyntaxError' || /Deserialization error|Expected (real )?(string|number|boolean|object)|Unexpected token|not valid JSON|JSON at position/i.test(message))) {
    // The kit's HTTP handler marks each answer with the endpoint it came from.
    const from = (e.$response as { endpoint?: string } | null)?.endpoint ?? endpoint
    const status = e.$metadata?.httpStatusCode
    if (status !== undefined && status >= 500) {
      return {
        line: `${from} is unavailable: its answer (HTTP ${status}${tries}) was an error the AWS API does not give (an outage, or a proxy or load balancer in the way): try again later, or check AWS_ENDPOINT_URL`,
        exitCode: EXIT.failed,
        unexpected: false,
      }
    }
    return {
      line: `${from} does not speak the AWS API: its answer${status ? ` (HTTP ${status})` : ''} could not be read as one. Check AWS_ENDPOINT_URL`,
      exitCode: EXIT.failed,
      unexpected: false,
    }
  }

  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return {
      line: 'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment or .env',
      exitCode: EXIT.usage,
      unexpected: false,
    }
  }
  const reason = e.code ? NETWORK_REASONS[e.code] : undefined
  if (reason) {
    const where = e.hostname ?? (e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : endpoint)
    return {
      line: `cannot reach ${where} (${reason}): check AWS_ENDPOINT_URL and AWS_DEFAULT_REGION, and that the endpoint is up`,
      exitCode: EXIT.failed,
      unexpected: false,
    }
  }
  if (e.$metadata) {
    const status = e.$metadata.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''
    return { line: `AWS ${name || 'error'}${status}: ${message}`, exitCode: EXIT.failed, unexpected: false }
  }
  return { line: `unexpected error: ${message}`, exitCode: EXIT.failed, unexpected: true }
}
