import './helpers/guard.js'
import { createServer, type Server, type Socket } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CANARY_PASSWORD, startPostgres, type Postgres } from './helpers/postgres.js'
import { freePort } from './helpers/net.js'
import { withKitCopy } from './helpers/kit.js'
import { emptyDir, runKit, type RunResult } from './helpers/run.js'
import { DbTimeout, describeDbError, maskDbUrl, parseDbUrl, pgConnectionString, resolveDbUrl, type DbTarget } from '../lib/ops/db.js'
import { hasUnencodedCredentials, passwordsOf } from '../lib/core/redact.js'
import { ConfigError, UsageError } from '../lib/core/errors.js'

const WRONG_PASSWORD = 'wrong-canary-Xk42'

/**
 * Run db/test. Both URL variables are set to '' unless a test sets them: an empty variable
 * counts as unset, and it stops a developer's .env at the repo root from filling it in
 * (which would point a test at a real database).
 */
function dbTest(args: string[], env: Record<string, string | undefined> = {}, cwd?: string, root?: string): Promise<RunResult> {
  return runKit('db/test', args, { env: { PROD_CONNECTION_URL: '', CONNECTION_URL: '', PGPASSWORD: undefined, PGSSLMODE: undefined, ...env }, cwd, root })
}

function assertNoSecret(r: RunResult): void {
  for (const secret of [CANARY_PASSWORD, WRONG_PASSWORD, encodeURIComponent(CANARY_PASSWORD)]) {
    assert.not.ok(r.all.includes(secret), `password leaked into output:\n${r.all}`)
  }
}

/** Exit 1, and exactly one line on stderr that matches. */
function assertFailure(r: RunResult, pattern: RegExp): void {
  assert.is(r.code, 1, r.all)
  const lines = r.stderr.trim().split('\n')
  assert.is(lines.length, 1, `expected one error line, got:\n${r.stderr}`)
  assert.match(lines[0], pattern)
  assert.not.match(r.all, /at .*\.(ts|js):\d+/, 'a stack trace was printed')
  assert.not.match(r.all, /Connection successful/)
  assertNoSecret(r)
}

const live = suite('db/test against a real PostgreSQL 15')
let db: Postgres
let tlsOnly: Postgres | undefined
let silent: Server | undefined
const silentSockets: Socket[] = []

live.before(async () => {
  db = await startPostgres()
})
live.after(async () => {
  for (const socket of silentSockets) socket.destroy()
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()))
  await tlsOnly?.stop()
  await db?.stop()
})

live('success: prints "Connection successful!" and the server version, exit 0; URL echoed masked', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: db.url() })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, `attempting connection to postgresql://postgres:****@127.0.0.1:${db.port}/cruddur (from PROD_CONNECTION_URL)`)
  assert.match(r.stdout, /^Connection successful!$/m)
  assert.match(r.stdout, /server version: PostgreSQL 15\.\d+/)
  assertNoSecret(r)
})

live('wrong password: "authentication failed" with a hint naming the variable, exit 1', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: db.url({ password: WRONG_PASSWORD }) })
  assertFailure(r, /^db\/test: authentication failed for user "postgres": check the user name and password in PROD_CONNECTION_URL$/)
})

live('missing database: "database does not exist" naming it, exit 1', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: db.url({ database: 'no_such_db' }) })
  assertFailure(r, /database does not exist: there is no database "no_such_db" on 127\.0\.0\.1:\d+; check the database name/)
})

live('refused port: "connection refused" with host:port, exit 1', async () => {
  const port = await freePort()
  const r = await dbTest([], { PROD_CONNECTION_URL: `postgresql://postgres:${CANARY_PASSWORD}@127.0.0.1:${port}/cruddur` })
  assertFailure(r, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}: .*check the port in PROD_CONNECTION_URL`))
})

live('a URL without a password is shown whole, its host included (nothing in it is secret)', async () => {
  const port = await freePort()
  const r = await dbTest([], { PROD_CONNECTION_URL: `postgresql://cruddur@127.0.0.1:${port}/cruddur` })
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, `attempting connection to postgresql://cruddur@127.0.0.1:${port}/cruddur (from PROD_CONNECTION_URL)`)
  assert.match(r.stderr, `connection refused by 127.0.0.1:${port}`)
  assert.not.match(r.all, '****')
})

live('unresolvable host (.invalid): "DNS name not found" naming the host, exit 1', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: `postgresql://postgres:${CANARY_PASSWORD}@db.cruddur.invalid:5432/cruddur` })
  assertFailure(r, /DNS name not found: .*db\.cruddur\.invalid.*check the host name in PROD_CONNECTION_URL/)
})

live('no URL anywhere: exit 2, one line naming PROD_CONNECTION_URL and where to set it', async () => {
  const r = await dbTest([])
  assert.is(r.code, 2, r.all)
  const lines = r.stderr.trim().split('\n')
  assert.is(lines.length, 1, r.stderr)
  assert.match(lines[0], /PROD_CONNECTION_URL is not set \(nor CONNECTION_URL\) and no --url was given: set it in \.env/)
  assert.is(r.stdout, '')
})

live('--url overrides the environment', async () => {
  const r = await dbTest(['--url', db.url()], { PROD_CONNECTION_URL: `postgresql://postgres:${WRONG_PASSWORD}@127.0.0.1:1/cruddur` })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '(from --url)')
  assert.match(r.stdout, 'Connection successful!')
  assertNoSecret(r)
})

live('CONNECTION_URL is used when PROD_CONNECTION_URL is not set', async () => {
  const r = await dbTest([], { CONNECTION_URL: db.url() })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '(from CONNECTION_URL)')
  assert.match(r.stdout, 'Connection successful!')
  assertNoSecret(r)
})

live('CONNECTION_URL from a .env file in the working directory', async () => {
  const cwd = emptyDir()
  writeFileSync(join(cwd, '.env'), `CONNECTION_URL=${db.url()}\n`)
  // .env loading on (npm test turns it off), on a copy of the kit: the checkout's own .env stays out.
  await withKitCopy(async (kit) => {
    const r = await dbTest([], { CONNECTION_URL: undefined, KIT_DOTENV: undefined }, cwd, kit.root)
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, '(from CONNECTION_URL)')
    assertNoSecret(r)
  })
})

live('a server that accepts and never answers: "timed out after 1s" with --timeout 1, and returns promptly', async () => {
  silent = createServer((socket) => void silentSockets.push(socket))
  await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', () => resolve()))
  const { port } = silent.address() as { port: number }
  const started = Date.now()
  const r = await dbTest(['--timeout', '1'], { PROD_CONNECTION_URL: `postgresql://postgres:${CANARY_PASSWORD}@127.0.0.1:${port}/cruddur` })
  const took = Date.now() - started
  assertFailure(r, new RegExp(`timed out after 1s connecting to 127\\.0\\.0\\.1:${port}: .*security group`))
  assert.ok(silentSockets.length > 0, 'the script never reached the silent server')
  assert.ok(took < 5000, `took ${took} ms to give up after a 1 s timeout`)
})

live('sslmode=require against a server without SSL: one "TLS refused" line, exit 1', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: db.url({ query: 'sslmode=require' }) })
  assertFailure(r, /TLS refused: 127\.0\.0\.1:\d+ does not support SSL, but PROD_CONNECTION_URL asks for it \(sslmode=require\)/)
  assert.not.match(r.all, /SECURITY WARNING/)
})

live('server that only accepts TLS (like RDS with rds.force_ssl): plain URL gets "TLS required", sslmode=require connects', async () => {
  tlsOnly = await startPostgres({ ssl: true, requireSsl: true })
  const plain = await dbTest([], { PROD_CONNECTION_URL: tlsOnly.url() })
  assertFailure(plain, /TLS required: .*only accepts encrypted connections.*add \?sslmode=require to PROD_CONNECTION_URL/)
  // libpq's meaning of require (psql, psycopg): encrypted, certificate not verified.
  const required = await dbTest([], { PROD_CONNECTION_URL: tlsOnly.url({ query: 'sslmode=require' }) })
  assert.is(required.code, 0, required.all)
  assert.match(required.stdout, 'Connection successful!')
  assert.not.match(required.all, /SECURITY WARNING/)
  assertNoSecret(required)
  // verify-full does verify: a self-signed certificate is refused, with the fix.
  const verified = await dbTest([], { PROD_CONNECTION_URL: tlsOnly.url({ query: 'sslmode=verify-full' }) })
  assertFailure(verified, /TLS certificate not trusted \(.*\): add sslrootcert=PATH/)
})

live('a URL without a password against password auth: says the password is missing', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: `postgresql://postgres@127.0.0.1:${db.port}/cruddur` })
  assertFailure(r, /the server asks for a password but PROD_CONNECTION_URL has none/)
})

live('a URL that names no user: the failure names the user pg really used (PGUSER or the login name), not "postgres"', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: `postgresql://:${WRONG_PASSWORD}@127.0.0.1:${db.port}/cruddur`, PGUSER: undefined, USER: 'kit-login-name' })
  assertFailure(r, /^db\/test: authentication failed for user "kit-login-name" \(PROD_CONNECTION_URL names no user, so pg used PGUSER or this machine's login name\): check the user name and password/)
  assert.not.match(r.stderr, '"postgres"')
})

live('sslmode=bogus is a bad URL: exit 2 naming sslmode and its valid values, before any connection', async () => {
  for (const [args, env, source, code] of [
    [[], { PROD_CONNECTION_URL: db.url({ query: 'sslmode=bogus' }) }, 'PROD_CONNECTION_URL', 2],
    [['--url', db.url({ query: 'sslmode=bogus' })], {}, '--url', 2],
  ] as const) {
    const r = await dbTest([...args], env)
    assert.is(r.code, code, r.all)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, `db/test: ${source}: sslmode=bogus is not an SSL mode: use one of disable, allow, prefer, require, verify-ca, verify-full`)
    assert.not.match(r.all, /TLS refused|attempting connection/)
    assertNoSecret(r)
  }
})

live("--url '' is bad usage (exit 2), not a silent fall-back to PROD_CONNECTION_URL", async () => {
  const r = await dbTest(['--url', ''], { PROD_CONNECTION_URL: db.url() })
  assert.is(r.code, 2, r.all)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, 'db/test: --url is empty: give postgresql://USER:PASSWORD@HOST:5432/DATABASE, or leave --url out to use PROD_CONNECTION_URL or CONNECTION_URL')
  assert.not.match(r.all, /attempting connection|Connection successful/)
})

live('not a postgres URL: exit 2, one line, password masked', async () => {
  const r = await dbTest([], { PROD_CONNECTION_URL: `mysql://root:${CANARY_PASSWORD}@db.example:3306/cruddur` })
  assert.is(r.code, 2, r.all)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, 'PROD_CONNECTION_URL must start with postgresql:// or postgres://, got "mysql://root:****@db.example:3306/cruddur"')
  assertNoSecret(r)
  const typo = await dbTest(['--url', `postgresql//root:${CANARY_PASSWORD}@db.example/cruddur`])
  assert.is(typo.code, 2, typo.all)
  assert.match(typo.stderr, '--url is not a valid URL: got "postgresql//root:****@db.example/cruddur"')
  assertNoSecret(typo)
})

live('bad --timeout: exit 2 naming the flag', async () => {
  const r = await dbTest(['--timeout', 'soon'], { PROD_CONNECTION_URL: db.url() })
  assert.is(r.code, 2, r.all)
  assert.match(r.stderr, '--timeout must be a positive number of seconds, got "soon"')
  assertNoSecret(r)
})

live('--timeout too large for a timer (1e7): exit 2, one clear line, no Node warning', async () => {
  const r = await dbTest(['--timeout', '1e7'], { PROD_CONNECTION_URL: db.url() })
  assert.is(r.code, 2, r.all)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, '--timeout is too large: at most 2147483 seconds')
  assert.not.match(r.all, 'TimeoutOverflowWarning')
  assertNoSecret(r)
})

live('a password with unencoded @ / ? # %: nothing of the credentials is printed, and it says how to encode them (exit 2)', async () => {
  const password = 'p@ss%w0rd:/?#x'
  for (const [args, env] of [
    [[], { PROD_CONNECTION_URL: `postgresql://postgres:${password}@127.0.0.1:${db.port}/cruddur` }],
    [['--url', `postgresql://postgres:${password}@127.0.0.1:${db.port}/cruddur`], {}],
  ] as const) {
    const r = await dbTest([...args], env)
    assert.is(r.code, 2, r.all)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, '%-encode them (@ as %40')
    assert.match(r.stderr, `got "postgresql://****@127.0.0.1:${db.port}/cruddur"`)
    for (const part of ['ss%w0rd', 'w0rd', '?#x', 'p@ss']) assert.not.match(r.all, part)
  }
})

live('--help lists the flags and the variables, exit 0', async () => {
  const r = await dbTest(['--help'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '--timeout SECONDS')
  assert.match(r.stdout, '--url URL')
  assert.match(r.stdout, 'PROD_CONNECTION_URL')
  assert.match(r.stdout, 'CONNECTION_URL')
})
live.run()

const pure = suite('lib/db (pure)')
const target = (over: Partial<DbTarget> = {}): DbTarget => ({
  url: 'postgresql://root:pw-1234@db.example:5432/cruddur',
  source: 'PROD_CONNECTION_URL',
  host: 'db.example',
  port: 5432,
  database: 'cruddur',
  user: 'root',
  masked: 'postgresql://root:****@db.example:5432/cruddur',
  ...over,
})
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code })
const describe = (error: unknown, over: Partial<DbTarget> = {}) => describeDbError(error, target(over), 5000)

pure('describeDbError: network failures', () => {
  assert.match(describe(Object.assign(new Error('getaddrinfo ENOTFOUND db.example'), { code: 'ENOTFOUND' })), /^DNS name not found: db\.example does not resolve; check the host name in PROD_CONNECTION_URL/)
  assert.match(describe(Object.assign(new Error('getaddrinfo EAI_AGAIN db.example'), { code: 'EAI_AGAIN' })), /^DNS name not found: the lookup of db\.example failed/)
  assert.match(describe(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), /^connection refused by db\.example:5432: .*check the port in PROD_CONNECTION_URL/)
  // Node's happy eyeballs (localhost → ::1 and 127.0.0.1) reports an AggregateError.
  const aggregate = new AggregateError([pgError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432'), pgError('ECONNREFUSED', 'x')], '')
  assert.match(describe(aggregate), /^connection refused by /)
  assert.match(describe(pgError('EHOSTUNREACH', 'x')), /^host unreachable/)
})

pure('describeDbError: timeouts, connect and query', () => {
  assert.match(describe(new Error('timeout expired')), /^timed out after 5s connecting to db\.example:5432: .*security group allows inbound 5432/)
  assert.match(describe(new Error('Query read timeout')), /^timed out after 5s: db\.example:5432 accepted the connection but did not answer/)
  assert.match(describe(new DbTimeout('query')), /^timed out after 5s: .*did not answer/)
  assert.match(describe(new DbTimeout('connect')), /^timed out after 5s connecting/)
  assert.match(describe(pgError('ETIMEDOUT', 'connect ETIMEDOUT')), /^timed out connecting to db\.example:5432/)
})

pure('describeDbError: SQLSTATEs from the server', () => {
  assert.is(describe(pgError('28P01', 'password authentication failed for user "root"')), 'authentication failed for user "root": check the user name and password in PROD_CONNECTION_URL')
  assert.match(
    describe(pgError('28000', 'no pg_hba.conf entry for host "1.2.3.4", user "root", database "cruddur", no encryption')),
    /^TLS required: .*add \?sslmode=require to PROD_CONNECTION_URL$/,
  )
  assert.match(describe(pgError('28000', 'role "nobody" does not exist'), { user: 'nobody' }), /^not allowed to connect as "nobody".*role "nobody" does not exist/)
  assert.match(describe(pgError('3D000', 'database "nope" does not exist'), { database: 'nope' }), /^database does not exist: there is no database "nope" on db\.example:5432/)
  assert.match(describe(pgError('53300', 'sorry, too many clients already')), /^too many connections/)
  assert.match(describe(pgError('57P03', 'the database system is starting up')), /^the server is not accepting connections yet/)
  assert.match(describe(pgError('XX000', 'internal\nerror')), /^the server refused the connection \(SQLSTATE XX000\): internal error$/)
})

pure('describeDbError: TLS', () => {
  assert.match(describe(new Error('The server does not support SSL connections'), { sslmode: 'require' }), /^TLS refused: db\.example:5432 does not support SSL, but PROD_CONNECTION_URL asks for it \(sslmode=require\)/)
  assert.match(describe(pgError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain')), /^TLS certificate not trusted \(SELF_SIGNED_CERT_IN_CHAIN\): add sslrootcert=PATH/)
  assert.match(describe(pgError('ERR_TLS_CERT_ALTNAME_INVALID', 'x')), /^TLS certificate does not match db\.example/)
})

pure('describeDbError: the hint names where the URL came from; unknown errors stay one line', () => {
  assert.match(describe(pgError('28P01', 'x'), { source: '--url' }), /check the user name and password in --url$/)
  assert.match(describe(new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string')), /asks for a password but PROD_CONNECTION_URL has none/)
  assert.match(describe(new Error('Connection terminated unexpectedly')), /closed the connection during start-up/)
  assert.is(describe(new Error('something\nodd')), 'unexpected failure: something odd')
})

pure('resolveDbUrl: --url, then PROD_CONNECTION_URL, then CONNECTION_URL; an empty variable counts as unset, an empty --url is refused', () => {
  const env = { PROD_CONNECTION_URL: 'postgresql://a', CONNECTION_URL: 'postgresql://b' }
  assert.equal(resolveDbUrl('postgresql://flag', env), { url: 'postgresql://flag', source: '--url' })
  assert.equal(resolveDbUrl(undefined, env), { url: 'postgresql://a', source: 'PROD_CONNECTION_URL' })
  assert.equal(resolveDbUrl(undefined, { PROD_CONNECTION_URL: ' ', CONNECTION_URL: 'postgresql://b' }), { url: 'postgresql://b', source: 'CONNECTION_URL' })
  assert.throws(() => resolveDbUrl(' ', env), (e: unknown) => e instanceof UsageError && /--url is empty/.test(e.message))
  assert.throws(() => resolveDbUrl(undefined, {}), (e: unknown) => e instanceof ConfigError && /PROD_CONNECTION_URL is not set \(nor CONNECTION_URL\)/.test(e.message))
})

pure('passwordsOf / maskDbUrl: raw, decoded, ?password=, and URLs that do not parse', () => {
  assert.equal(passwordsOf('postgresql://u:p%40ss-word@h/db').sort(), ['p%40ss-word', 'p@ss-word'].sort())
  assert.ok(passwordsOf('postgresql://u@h/db?password=qs-secret').includes('qs-secret'))
  assert.ok(passwordsOf('postgresql//u:typo-secret@h/db').includes('typo-secret'))
  assert.equal(passwordsOf('postgresql://u@h/db'), [])
  assert.is(maskDbUrl('postgresql://u:abc@h:5432/db'), 'postgresql://u:****@h:5432/db')
  assert.is(maskDbUrl('postgresql//u:typo-secret@h/db'), 'postgresql//u:****@h/db')
  assert.is(maskDbUrl('postgresql://u@h/db?password=qs-secret&x=1'), 'postgresql://u@h/db?password=****&x=1')
})

pure('hasUnencodedCredentials / maskDbUrl: a password the URL parser would cut short is masked whole', () => {
  assert.is(hasUnencodedCredentials('postgresql://u:p@ss/word@h/db'), true)
  assert.is(hasUnencodedCredentials('postgresql://u:100%@h/db'), true)
  assert.is(hasUnencodedCredentials('postgresql://u:p%40ss%2Fword@h/db'), false)
  assert.is(hasUnencodedCredentials('postgresql://u@h/db'), false)
  assert.is(maskDbUrl('postgresql://u:p@ss/word@h/db'), 'postgresql://****@h/db')
  assert.ok(passwordsOf('postgresql://u:p@ss/word@h/db').includes('p@ss/word'))
})

pure('parseDbUrl: accepts postgres(ql)://, rejects the rest with exit-2 errors that mask the password', () => {
  const t = parseDbUrl({ url: 'postgres://root:pw-1234@db.example:6543/cruddur?sslmode=require', source: 'PROD_CONNECTION_URL' })
  assert.equal([t.host, t.port, t.database, t.user, t.sslmode, t.masked], ['db.example', 6543, 'cruddur', 'root', 'require', 'postgres://root:****@db.example:6543/cruddur?sslmode=require'])
  assert.is(parseDbUrl({ url: 'postgresql://root:x@db.example/', source: '--url' }).port, 5432)
  const anonymous = parseDbUrl({ url: 'postgresql://db.example/', source: '--url' })
  assert.equal([anonymous.user, anonymous.database], [undefined, undefined], 'no user or database invented')
  assert.is(describeDbError(pgError('28P01', 'x'), anonymous, 5000, { user: 'dev' }), 'authentication failed for user "dev" (--url names no user, so pg used PGUSER or this machine\'s login name): check the user name and password in --url')
  assert.throws(() => parseDbUrl({ url: 'postgresql://root:pw-1234@h/db?sslmode=Require', source: 'PROD_CONNECTION_URL' }), (e: unknown) => e instanceof ConfigError && /sslmode=Require is not an SSL mode/.test((e as Error).message) && !(e as Error).message.includes('pw-1234'))
  assert.throws(() => parseDbUrl({ url: 'mysql://root:pw-1234@h/db', source: 'PROD_CONNECTION_URL' }), (e: unknown) => e instanceof ConfigError && !e.message.includes('pw-1234'))
  assert.throws(() => parseDbUrl({ url: 'postgresql://root:pw-1234@h:port/db', source: '--url' }), (e: unknown) => e instanceof UsageError && !e.message.includes('pw-1234'))
})

pure('pgConnectionString: sslmode gets its libpq meaning; other URLs are passed unchanged', () => {
  assert.is(pgConnectionString('postgresql://u:p@h/db'), 'postgresql://u:p@h/db')
  assert.is(pgConnectionString('postgresql://u:p@h/db?sslmode=require'), 'postgresql://u:p@h/db?sslmode=require&uselibpqcompat=true')
  assert.is(pgConnectionString('postgresql://u:p@h/db?sslmode=verify-full'), 'postgresql://u:p@h/db?sslmode=verify-full')
  assert.is(pgConnectionString('postgresql://u:p@h/db?sslmode=disable'), 'postgresql://u:p@h/db?sslmode=disable')
  assert.is(pgConnectionString('postgresql://u:p@h/db?sslmode=require&uselibpqcompat=false'), 'postgresql://u:p@h/db?sslmode=require&uselibpqcompat=false')
})
pure.run()
