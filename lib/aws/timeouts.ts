// How long an AWS call may take: the connect and request timeouts every client gets
// (lib/aws/clients.ts), from AWS_CONNECT_TIMEOUT and AWS_REQUEST_TIMEOUT, and the worst case
// they give with the retries. Pure, and light: --help of every AWS script names the defaults.
import { get, type Env } from '../config/env.js'
import { MAX_SECONDS } from '../core/cli.js'
import { ConfigError } from '../core/errors.js'

/** Default seconds to open a connection, and to get a whole answer once the request is sent. */
export const DEFAULT_CONNECT_TIMEOUT = 5
export const DEFAULT_REQUEST_TIMEOUT = 20

export interface Timeouts {
  connectMs: number
  requestMs: number
}

/** A timeout variable in seconds (fractions allowed); a ConfigError naming it otherwise. Pure. */
function timeoutSeconds(env: Env, name: string, fallback: number): number {
  const text = get(env, name)
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0 || n > MAX_SECONDS) {
    throw new ConfigError(`${name} must be a number of seconds between 0 and ${MAX_SECONDS}, got "${text}"`)
  }
  return n
}

/** The timeouts from AWS_CONNECT_TIMEOUT and AWS_REQUEST_TIMEOUT (seconds). Pure. */
export function timeoutsFrom(env: Env): Timeouts {
  return {
    connectMs: Math.round(timeoutSeconds(env, 'AWS_CONNECT_TIMEOUT', DEFAULT_CONNECT_TIMEOUT) * 1000),
    requestMs: Math.round(timeoutSeconds(env, 'AWS_REQUEST_TIMEOUT', DEFAULT_REQUEST_TIMEOUT) * 1000),
  }
}

/**
 * The longest a call can take against an endpoint that never answers: every attempt's
 * connect and request timeouts, plus the SDK's backoff between attempts (at most
 * 0.1 s × 2^n each, capped at 20 s). Pure.
 */
export function worstCaseSeconds(timeouts: Timeouts, attempts: number): number {
  let backoffMs = 0
  for (let n = 1; n < attempts; n++) backoffMs += Math.min(20000, 100 * 2 ** n)
  return Math.ceil((attempts * (timeouts.connectMs + timeouts.requestMs) + backoffMs) / 1000)
}

/** --help's lines for the timeout variables. */
export const TIMEOUT_VARIABLES = [
  { name: 'AWS_CONNECT_TIMEOUT', description: `seconds to connect to an AWS endpoint before retrying (default ${DEFAULT_CONNECT_TIMEOUT})` },
  { name: 'AWS_REQUEST_TIMEOUT', description: `seconds for a whole AWS answer, body included, before retrying (default ${DEFAULT_REQUEST_TIMEOUT})` },
] as const
