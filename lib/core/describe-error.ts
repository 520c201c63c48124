// Turns anything a script throws into one line and an exit code. Pure.
import { EXIT, KitError, type ExitCode } from './errors.js'

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
  message?: string
  code?: string
  address?: string
  port?: number
  hostname?: string
  $metadata?: { httpStatusCode?: number }
  $fault?: string
}

export function describeError(error: unknown): Described {
  if (error instanceof KitError) return { line: error.message, exitCode: error.exitCode, unexpected: false }
  const e = (error ?? {}) as AwsLike
  const name = e.name ?? ''
  const message = String(e.message ?? error)

  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return {
      line: 'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the environment or .env',
      exitCode: EXIT.usage,
      unexpected: false,
    }
  }
  const reason = e.code ? NETWORK_REASONS[e.code] : undefined
  if (reason) {
    const where = e.hostname ?? (e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : 'the AWS endpoint')
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
