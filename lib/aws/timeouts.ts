// How long an AWS call may take: the connect and request timeouts every client gets
// (lib/aws/clients.ts), from AWS_CONNECT_TIMEOUT and AWS_REQUEST_TIMEOUT, and the worst case
// they give with the retries. Pure, and light: --help of every AWS script names the defaults.
import { secondsVariable, type Env } from '../config/env.js'
import { MAX_SECONDS } from '../core/cli.js'

/** Default seconds to open a connection, and to get a whole answer once the request is sent. */
export const DEFAULT_CONNECT_TIMEOUT = 5
export const DEFAULT_REQUEST_TIMEOUT = 20

export interface Timeouts {
  connectMs: number
  requestMs: number
}

/** The timeouts from AWS_CONNECT_TIMEOUT and AWS_REQUEST_TIMEOUT (seconds). Pure. */
export function timeoutsFrom(env: Env): Timeouts {
  return {
    connectMs: Math.round(secondsVariable(env, 'AWS_CONNECT_TIMEOUT', DEFAULT_CONNECT_TIMEOUT, MAX_SECONDS) * 1000),
    requestMs: Math.round(secondsVariable(env, 'AWS_REQUEST_TIMEOUT', DEFAULT_REQUEST_TIMEOUT, MAX_SECONDS) * 1000),
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
