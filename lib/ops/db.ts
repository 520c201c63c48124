// The database connection test (the guide's bin/db/test), done with node-postgres: which URL
// to use, how to show it without its password, one connection attempt under one deadline,
// and every way that attempt can fail turned into one line with a hint. Pure except probeDatabase.
import pg from 'pg'
import { DB_URL_VARIABLES, get, WHERE_TO_SET, type Env } from '../config/env.js'
import { CheckFailed, ConfigError, UsageError } from '../core/errors.js'
import { hasUnencodedCredentials, MASK, maskUrl, userinfoOf } from '../core/redact.js'

/** Where the URL may come from, first wins (--url is checked before these). */

export interface DbUrl {
  url: string
  /** Where it came from, as the user would name it in a hint: "--url", "PROD_CONNECTION_URL", ... */
  source: string
}

export interface DbTarget extends DbUrl {
  host: string
  port: number
  /** As the URL names them; undefined when it names none (pg then uses PGDATABASE/PGUSER or the login name). */
  database?: string
  user?: string
  /** The URL's sslmode parameter, if any. */
  sslmode?: string
  /** The URL with its password masked, safe to print. */
  masked: string
}

/** The URL to test: --url, else PROD_CONNECTION_URL, else CONNECTION_URL. Pure. */
export function resolveDbUrl(flag: string | undefined, env: Env): DbUrl {
  if (flag !== undefined) {
    // An explicitly empty --url (an unset shell variable, say) is a mistake, not a request for the environment's URL.
    if (flag.trim() === '') {
      throw new UsageError(`--url is empty: give postgresql://USER:PASSWORD@HOST:5432/DATABASE, or leave --url out to use ${DB_URL_VARIABLES.join(' or ')}`)
    }
    return { url: flag.trim(), source: '--url' }
  }
  for (const name of DB_URL_VARIABLES) {
    const value = get(env, name)
    if (value !== undefined) return { url: value.trim(), source: name }
  }
  throw new ConfigError(
    `${DB_URL_VARIABLES[0]} is not set (nor ${DB_URL_VARIABLES.slice(1).join(', ')}) and no --url was given: ` +
      `${WHERE_TO_SET}, e.g. ${DB_URL_VARIABLES[0]}=postgresql://USER:PASSWORD@HOST:5432/cruddur`,
  )
}

/**
 * A URL with its password masked, even when it does not parse as a URL. When its credentials
 * cannot be read as written, nothing of them is shown. Pure.
 */
export function maskDbUrl(url: string): string {
  const userinfo = userinfoOf(url)
  if (userinfo && hasUnencodedCredentials(url)) {
    return `${url.slice(0, userinfo.start)}${MASK}${url.slice(userinfo.end)}`.replace(/([?&]password=)[^&#\s]*/gi, `$1${MASK}`)
  }
  return maskUrl(url)
    .replace(/^([^:/?#\s]*:?\/\/[^:@/?#\s]*:)[^@/\s]*@/, `$1${MASK}@`)
    .replace(/([?&]password=)[^&#\s]*/gi, `$1${MASK}`)
}

/** libpq's sslmode values (the URL is psql's and psycopg's); anything else is a typo. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const

/** Check the URL's form and pick out what the hints name. Exit 2 (usage or config) if it is wrong. Pure. */
export function parseDbUrl({ url, source }: DbUrl): DbTarget {
  const masked = maskDbUrl(url)
  const Invalid = source === '--url' ? UsageError : ConfigError
  const expected = 'expected postgresql://USER:PASSWORD@HOST:5432/DATABASE'
  if (hasUnencodedCredentials(url)) {
    throw new Invalid(
      `${source}: the user name or password holds characters a URL reserves, so it cannot be read as written: ` +
        `%-encode them (@ as %40, / as %2F, ? as %3F, # as %23, % as %25, : as %3A), e.g. ` +
        `node -e 'console.log(encodeURIComponent(process.argv[1]))' 'PASSWORD'; got "${masked}"`,
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Invalid(`${source} is not a valid URL: got "${masked}"; ${expected}`)
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new Invalid(`${source} must start with postgresql:// or postgres://, got "${masked}"; ${expected}`)
  }
  const host = parsed.hostname.replace(/^\[(.+)\]$/, '$1')
  if (!host) throw new Invalid(`${source} has no host name: got "${masked}"; ${expected}`)
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text)
    } catch {
      return text
    }
  }
  const sslmode = parsed.searchParams.get('sslmode') ?? undefined
  if (sslmode !== undefined && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new Invalid(`${source}: sslmode=${sslmode} is not an SSL mode: use one of ${SSL_MODES.join(', ')} (require encrypts without verifying the certificate); got "${masked}"`)
  }
  const database = decode(parsed.pathname.slice(1))
  const user = decode(parsed.username)
  return {
    url,
    source,
    host: decode(host),
    port: parsed.port ? Number(parsed.port) : 5432,
    ...(database ? { database } : {}),
    ...(user ? { user } : {}),
    ...(sslmode ? { sslmode } : {}),
    masked,
  }
}

/**
 * The connection string handed to pg. node-postgres 8 reads sslmode=prefer/require/verify-ca
 * as verify-full and prints a multi-line warning; the guide's URL was written for psycopg
 * (libpq), where require means "encrypt, don't verify the certificate" — which is what makes
 * RDS work without its CA bundle. So ask pg for libpq's meaning. Pure.
 */
export function pgConnectionString(url: string): string {
  const params = new URL(url).searchParams
  const mode = params.get('sslmode')
  if (!mode || mode === 'disable' || mode === 'verify-full' || params.has('uselibpqcompat')) return url
  const [beforeFragment, fragment] = url.split('#', 2)
  return `${beforeFragment}${beforeFragment.includes('?') ? '&' : '?'}uselibpqcompat=true${fragment === undefined ? '' : `#${fragment}`}`
}

/** The connect phase or the query phase ran out of time. */
export class DbTimeout extends Error {
  constructor(readonly phase: 'connect' | 'query') {
    super(`${phase} timed out`)
    this.name = 'DbTimeout'
  }
}

interface PgLikeError {
  code?: string
  message?: string
  errors?: PgLikeError[]
  phase?: string
}

const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
])

/** The user and database pg connected as: the URL's, or (when it names none) pg's defaults. */
export interface DbUsed {
  user?: string
  database?: string
}

/**
 * One line: which failure, and how to fix it. `used` is what pg connected as, for a URL that
 * names no user or database. Pure.
 */
export function describeDbError(error: unknown, target: DbTarget, timeoutMs: number, used: DbUsed = {}): string {
  const e = (error ?? {}) as PgLikeError
  // Node's happy-eyeballs connect reports every address tried in an AggregateError.
  const code = e.code ?? e.errors?.find((inner) => inner.code)?.code
  const message = String(e.message ?? error).replace(/\s+/g, ' ').trim()
  const { source, host, port } = target
  // A URL without a user: pg connects as PGUSER or the login name, so that is the name to report.
  const user = target.user
    ? `"${target.user}"`
    : `"${used.user ?? ''}" (${source} names no user, so pg used PGUSER or this machine's login name)`
  const database = `"${target.database ?? used.database ?? ''}"`
  const where = `${host}:${port}`
  const seconds = `${timeoutMs / 1000}s`

  if (error instanceof DbTimeout || e.message === 'timeout expired' || e.message === 'Query read timeout') {
    const phase = error instanceof DbTimeout ? error.phase : e.message === 'Query read timeout' ? 'query' : 'connect'
    return phase === 'query'
      ? `timed out after ${seconds}: ${where} accepted the connection but did not answer SELECT version(); the server may be overloaded, or raise --timeout`
      : `timed out after ${seconds} connecting to ${where}: check the host and port in ${source}, and that the database's security group allows inbound ${port} from this machine's IP`
  }
  switch (code) {
    case 'ENOTFOUND':
      return `DNS name not found: ${host} does not resolve; check the host name in ${source} (for RDS, the instance's endpoint)`
    case 'EAI_AGAIN':
      return `DNS name not found: the lookup of ${host} failed (temporary resolver failure); check this machine's network and the host name in ${source}`
    case 'ECONNREFUSED':
      return `connection refused by ${where}: nothing listens there; check the port in ${source} and that the database is running`
    case 'ETIMEDOUT':
      return `timed out connecting to ${where}: check the host and port in ${source}, and that the database's security group allows inbound ${port} from this machine's IP`
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `host unreachable: no route to ${where}; check the host in ${source} and this machine's network`
    case 'ECONNRESET':
      return `connection reset by ${where} during start-up: check that ${where} is a PostgreSQL server and the port in ${source}`
    case '28P01':
      return `authentication failed for user ${user}: check the user name and password in ${source}`
    case '28000':
      if (/no encryption/i.test(message)) {
        return `TLS required: ${where} only accepts encrypted connections (pg_hba.conf has no entry without encryption); add ?sslmode=require to ${source}`
      }
      return `not allowed to connect as ${user} to database ${database} (${message}); check the user in ${source} and the server's pg_hba.conf`
    case '3D000':
      return `database does not exist: there is no database ${database} on ${where}; check the database name (after the last /) in ${source}`
    case '53300':
      return `too many connections: ${where} refuses new ones (${message}); close idle clients or retry later`
    case '57P03':
      return `the server is not accepting connections yet (${message}); it is starting up or shutting down, retry shortly`
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate does not match ${host}: use the host name the certificate was issued for in ${source}, or sslmode=require to encrypt without verifying`
    case 'CERT_HAS_EXPIRED':
      return `TLS certificate of ${where} has expired: renew it on the server, or use sslmode=require in ${source} to encrypt without verifying`
  }
  if (code && TLS_TRUST_CODES.has(code)) {
    return `TLS certificate not trusted (${code}): add sslrootcert=PATH (for RDS, the global-bundle.pem CA bundle) to ${source}, or use sslmode=require to encrypt without verifying`
  }
  if (message === 'The server does not support SSL connections') {
    return `TLS refused: ${where} does not support SSL, but ${source} asks for it (sslmode=${target.sslmode ?? 'require'}); remove sslmode from the URL or set sslmode=disable`
  }
  if (message === 'There was an error establishing an SSL connection') {
    return `TLS refused: ${where} did not agree to start TLS; check that ${where} is a PostgreSQL server and the sslmode in ${source}`
  }
  if (/client password must be a (non-empty )?string/.test(message)) {
    return `authentication failed: the server asks for a password but ${source} has none; use postgresql://USER:PASSWORD@HOST:5432/DATABASE`
  }
  if (message === 'Connection terminated unexpectedly') {
    return `the server at ${where} closed the connection during start-up: check that it is a PostgreSQL server and the port in ${source}`
  }
  if (code && /^[0-9A-Z]{5}$/.test(code)) return `the server refused the connection (SQLSTATE ${code}): ${message}`
  return `unexpected failure${code ? ` (${code})` : ''}: ${message}`
}

export interface ProbeResult {
  version: string
}

/**
 * Connect, ask for the server's version, disconnect. Everything runs under one deadline of
 * timeoutMs: pg's connectionTimeoutMillis covers DNS, TCP, TLS and authentication, and the
 * query gets what is left. Only a connection that opened is closed (the guide's version
 * called close() on None). Throws CheckFailed with the one-line reason.
 */
export async function probeDatabase(target: DbTarget, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now()
  const client = new pg.Client({
    connectionString: pgConnectionString(target.url),
    connectionTimeoutMillis: timeoutMs,
    application_name: 'cruddur-db-test',
  })
  // A socket error after connect() settled is emitted as 'error'; unheard, it would crash the
  // process with a stack. The failure that matters already reached connect() or query().
  client.on('error', () => {})
  let opened = false
  let guard: NodeJS.Timeout | undefined
  try {
    await client.connect()
    opened = true
    const left = Math.max(1, timeoutMs - (Date.now() - started))
    const query = client.query({ text: 'SELECT version() AS version', query_timeout: left } as pg.QueryConfig)
    query.catch(() => {}) // if the guard below wins, the query's own late rejection is no news
    // pg's query_timeout is the guard; this one is in case a broken socket never settles it.
    const deadline = new Promise<never>((_, reject) => {
      guard = setTimeout(() => reject(new DbTimeout('query')), left + 1000)
    })
    const result = await Promise.race([query, deadline])
    return { version: String((result.rows[0] as { version?: unknown } | undefined)?.version ?? 'unknown') }
  } catch (error) {
    throw new CheckFailed(describeDbError(error, target, timeoutMs, { user: client.user, database: client.database }))
  } finally {
    clearTimeout(guard)
    if (opened) {
      // A polite goodbye, but never wait on it for long: the answer is already known.
      await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())])
    }
  }
}
