// The Flask health check: one GET, judged by status and body. node:http rather than fetch,
// because loading undici would cost more start-up time than the whole check.
import http from 'node:http'
import { MASK, registerSecret } from '../core/redact.js'

export const DEFAULT_HEALTH_URL = 'http://localhost:4567/api/health-check'

export type HealthResult = { healthy: true } | { healthy: false; reason: string }

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the Flask server running on that port?)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
}

/** Judge a response: healthy only for HTTP 200 with a JSON body whose `success` is true. Pure. */
export function judgeResponse(status: number, body: string): HealthResult {
  if (status !== 200) return { healthy: false, reason: `HTTP ${status} from the health check` }
  try {
    const parsed = JSON.parse(body) as unknown
    if (parsed && typeof parsed === 'object' && (parsed as { success?: unknown }).success === true) return { healthy: true }
  } catch {
    // fall through to the same message as a wrong body
  }
  const shown = body.trim().slice(0, 80).replace(/\s+/g, ' ')
  return { healthy: false, reason: `the body is not {"success": true}: got ${shown ? `'${shown}'` : 'an empty body'}` }
}

/**
 * One GET of the health-check URL, under one deadline for the whole of it: connecting, the
 * headers and the body (a server that trickles its answer a byte at a time does not keep it
 * alive). Never throws: every failure is a reason.
 */
export async function checkHealth(url: URL, timeoutMs: number): Promise<HealthResult> {
  // node:https pulls in TLS and crypto: load it only for an https URL, to keep start-up cheap.
  const get = url.protocol === 'https:' ? (await import('node:https')).get : http.get
  return new Promise((resolve) => {
    let settled = false
    const settle = (result: HealthResult) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      request.destroy()
      resolve(result)
    }
    const deadline = setTimeout(() => settle({ healthy: false, reason: `timed out after ${timeoutMs / 1000}s` }), timeoutMs)
    const request = get(url, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk
      })
      response.on('end', () => settle(judgeResponse(response.statusCode ?? 0, body)))
      response.on('error', (e) => settle({ healthy: false, reason: `response broke off: ${e.message}` }))
    })
    request.on('error', (e: NodeJS.ErrnoException) => {
      settle({ healthy: false, reason: (e.code && NETWORK_REASONS[e.code]) ?? e.message })
    })
  })
}

/** An attempt shorter than this could only time out, hiding the real reason of the last one. */
const MIN_ATTEMPT_MS = 100

/**
 * Check until healthy or the wait is over (waitMs 0: check once). Returns the last result.
 * Each attempt's timeout is cut to what is left of the wait, so --wait is a real deadline.
 */
export async function waitForHealth(
  check: (timeoutMs: number) => Promise<HealthResult>,
  timeoutMs: number,
  waitMs: number,
  intervalMs = 500,
  now: () => number = Date.now,
): Promise<HealthResult> {
  const deadline = now() + waitMs
  let result = await check(waitMs > 0 ? Math.min(timeoutMs, waitMs) : timeoutMs)
  for (;;) {
    const left = deadline - now()
    if (result.healthy || left < MIN_ATTEMPT_MS) return result
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, left - MIN_ATTEMPT_MS)))
    result = await check(Math.min(timeoutMs, deadline - now()))
  }
}

/** A URL as it may be printed: any user name and password in it masked. Pure. */
export function shownUrl(url: URL): string {
  if (!url.username && !url.password) return url.href
  const copy = new URL(url.href)
  if (copy.username) copy.username = MASK
  if (copy.password) copy.password = MASK
  return copy.href
}

/**
 * Parse the --url value; a usage-level problem is returned as a message. Credentials in it
 * (user:password@) are registered as secrets first, so no line can print them.
 */
export function parseHealthUrl(text: string): URL | string {
  // Whatever sits between "//" and "@" is credentials, even in text that does not parse.
  const userinfo = /^[^:/?#\s]*:\/\/([^/?#\s]*)@/.exec(text)?.[1]
  for (const part of userinfo ? [userinfo, ...userinfo.split(':')] : []) {
    registerSecret(part)
    try {
      registerSecret(decodeURIComponent(part))
    } catch {
      // not %-encoded: the raw form is registered
    }
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `--url must be an http(s) URL, got "${userinfo ? text.replace(userinfo, `${MASK}:${MASK}`) : text}"`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--url must be http:// or https://, got "${shownUrl(url)}"`
  return url
}
