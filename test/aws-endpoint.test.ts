import './helpers/guard.js'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from '../lib/config/paths.js'
import { NAME_VARIABLES } from '../lib/config/names.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { ENDPOINT } from './helpers/guard.js'
import { resetMoto } from './helpers/moto.js'
import { runKit, type RunResult } from './helpers/run.js'
import { openContext } from '../lib/aws/context.js'
import { worstCaseSeconds, timeoutsFrom } from '../lib/aws/timeouts.js'
import { describeError } from '../lib/core/describe-error.js'

// Every AWS client of the kit has connect and request timeouts, and an answer that is not the
// AWS API's is named as such: a script run against a broken endpoint ends with one line and exit 1.

/** Small timeouts and two attempts: the worst case stays a few seconds. */
const FAST = { AWS_MAX_ATTEMPTS: '2', AWS_CONNECT_TIMEOUT: '0.5', AWS_REQUEST_TIMEOUT: '0.5' }
const BOUND_S = worstCaseSeconds(timeoutsFrom(FAST), 2)

/** A script that reads AWS (STS first, for the account), run like a user against an endpoint. */
function runAgainst(endpoint: string, extra: Record<string, string | undefined> = {}): Promise<RunResult> {
  return runKit('ecs/create-cluster', ['--dry-run'], {
    env: { AWS_ENDPOINT_URL: endpoint, AWS_DEFAULT_REGION: 'eu-west-2', AWS_REGION: undefined, AWS_ACCOUNT_ID: undefined, ...FAST, ...extra },
    // Not a timing assertion: a hang past the bound (plus start-up on a busy machine) is killed and fails on its exit code.
    timeoutMs: (BOUND_S + 30) * 1000,
  })
}

function assertOneLine(r: RunResult, code: number, pattern: RegExp | string): void {
  assert.is(r.code, code, r.all)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.is(r.stdout, '', r.stdout)
  assert.match(r.stderr, pattern)
}

let servers: Array<Server | HttpServer> = []
let sockets: Socket[] = []

async function listen<S extends Server | HttpServer>(server: S): Promise<{ server: S; url: string }> {
  servers.push(server)
  server.on('connection', (s: Socket) => sockets.push(s))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }
}

const dead = suite('AWS scripts against endpoints that are not (working) AWS')
dead.after.each(async () => {
  for (const s of sockets) s.destroy()
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  servers = []
  sockets = []
})

dead('an endpoint that accepts the connection and never answers: one line naming it, exit 1, every attempt timed out', async () => {
  const { url } = await listen(createServer(() => {}))
  const r = await runAgainst(url)
  assertOneLine(r, 1, `no answer from ${url} (2 attempts)`)
  assert.match(r.stderr, 'AWS_REQUEST_TIMEOUT')
  assert.is(sockets.length, 2, 'one connection per attempt')
})

dead('an endpoint that sends its headers, then its body a byte at a time: the request timeout covers the body', async () => {
  const { url } = await listen(
    createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' })
      const drip = setInterval(() => res.write(' '), 200)
      res.on('close', () => clearInterval(drip))
    }),
  )
  const r = await runAgainst(url)
  assertOneLine(r, 1, `no answer from ${url} (2 attempts)`)
})

dead('an HTML 503 page (retried like any 5xx): "unavailable"; an HTML 200 page, garbage: "does not speak the AWS API"; exit 1', async () => {
  const unavailable = await listen(createHttpServer((_req, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body><h1>503 Service Temporarily Unavailable</h1></body></html>')))
  const busy = await runAgainst(unavailable.url)
  assertOneLine(busy, 1, `${unavailable.url} is unavailable: it answered STS GetCallerIdentity in eu-west-2 with HTTP 503 and an HTML page (2 attempts)`)
  assert.match(busy.stderr, 'try again later')
  assert.not.match(busy.all, /does not speak|Deserialization|unexpected error/)
  const answers: Array<[number, string, string, RegExp]> = [
    [200, 'text/html', '<html><head><title>Welcome to nginx!</title></head></html>', /HTTP 200 and an HTML page;/],
    [200, 'application/octet-stream', 'garbage \u0000\u0001\u0002', /HTTP 200 and a body that is neither JSON nor XML/],
  ]
  for (const [status, type, body, detail] of answers) {
    let requests = 0
    const { url } = await listen(createHttpServer((_req, res) => (requests++, res.writeHead(status, { 'content-type': type }).end(body))))
    const r = await runAgainst(url)
    assertOneLine(r, 1, `${url} does not speak the AWS API: it answered STS GetCallerIdentity in eu-west-2 with`)
    assert.match(r.stderr, detail)
    assert.match(r.stderr, 'check AWS_ENDPOINT_URL')
    assert.not.match(r.all, /set AWS_ACCOUNT_ID|Deserialization|unexpected error/)
    assert.is(requests, status >= 500 ? 2 : 1, `${status}: requests made`)
  }
})

dead('a bad timeout variable is a configuration error naming it (exit 2)', async () => {
  const r = await runAgainst('http://127.0.0.1:1', { AWS_REQUEST_TIMEOUT: '1e7' })
  assertOneLine(r, 2, 'AWS_REQUEST_TIMEOUT must be a number of seconds between 0 and 2147483, got "1e7"')
})
dead.run()

const moto = suite('AWS errors from moto are one line')
moto.before.each(() => resetMoto())

moto('a region the endpoint does not know (eu-west-99): one line naming the region, exit 1', async () => {
  const r = await runKit('logs/create-log-group', [], {
    env: { AWS_ENDPOINT_URL: ENDPOINT, AWS_DEFAULT_REGION: 'eu-west-99', AWS_REGION: undefined, AWS_ACCOUNT_ID: '123456789012', AWS_MAX_ATTEMPTS: '2' },
  })
  assert.is(r.code, 1, r.all)
  const failure = r.all.split('\n').filter((line) => /eu-west-99/.test(line))
  assert.is(failure.length, 1, r.all)
  assert.match(failure[0], `${ENDPOINT} failed on LOGS DescribeLogGroups in eu-west-99 with HTTP 500`)
  assert.match(failure[0], 'a region it does not serve')
  assert.not.match(r.all, /Traceback|<html|Deserialization/i)
})

moto('a template field of the wrong type (moto answers HTTP 500): the SDK error is one line pointing at the template', async () => {
  const sdk = await openContext({ ...process.env, AWS_MAX_ATTEMPTS: '1' }, { mode: 'read-only' })
  const error = await sdk
    .client(ECSClient, 'ECS')
    .send(new RegisterTaskDefinitionCommand({ family: 'f', containerDefinitions: [{ name: 'a', image: 'b', memory: 'lots' as unknown as number }] }))
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  assert.ok(error, 'moto accepted a memory of "lots"')
  const described = describeError(error, { endpoint: ENDPOINT })
  assert.is(described.exitCode, 1)
  assert.is(described.unexpected, false)
  assert.not.match(described.line, '\n')
  assert.match(described.line, 'failed on ECS RegisterTaskDefinition in eu-west-2 with HTTP 500')
  assert.match(described.line, "check the template's fields")
})

moto('a flag-parsing error is one line (parseArgs words it over three)', async () => {
  const r = await runKit('ecs/create-cluster', ['--dry-run', '--debug=yes'])
  assertOneLine(r, 2, "ecs/create-cluster: Option '--debug' does not take an argument (see ecs/create-cluster --help)")
})
moto.run()

const help = suite('--help of every script that reads AWS')

/** scripts/<group>/<name>.ts that read AWS: through runAwsScript, or (ecr/login) a context of their own. */
function awsScripts(dir = join(ROOT, 'scripts')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return awsScripts(path)
    if (!entry.name.endsWith('.ts')) return []
    const source = readFileSync(path, 'utf8')
    return /runAwsScript\(|defaultEcrLoginDeps|openContext\(/.test(source) ? [relative(join(ROOT, 'scripts'), path).replace(/\.ts$/, '')] : []
  })
}

help('lists AWS_ENDPOINT_URL and the AWS timeouts, once (the demo: its endpoint)', async () => {
  const scripts = awsScripts()
  assert.ok(scripts.length >= 12, scripts.join(' '))
  for (const script of scripts) {
    const r = await runKit(script, ['--help'])
    assert.is(r.code, 0, `${script}: ${r.all}`)
    // The demo makes its own environment around its own emulator: only the endpoint is the user's.
    for (const name of script === 'demo' ? ['AWS_ENDPOINT_URL'] : ['AWS_ENDPOINT_URL', 'AWS_REQUEST_TIMEOUT', 'AWS_CONNECT_TIMEOUT']) {
      assert.is(r.stdout.match(new RegExp(`^  ${name} `, 'gm'))?.length, 1, `${script} --help lists ${name} once:\n${r.stdout}`)
    }
  }
})

help('status and render list the variables they read', async () => {
  const status = await runKit('status', ['--help'])
  const render = await runKit('render', ['--help'])
  for (const name of ['AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', ...Object.keys(NAME_VARIABLES)]) {
    assert.match(status.stdout, new RegExp(`^  ${name} `, 'm'), `status: ${name}`)
    assert.match(render.stdout, new RegExp(`^  ${name} `, 'm'), `render: ${name}`)
  }
  for (const name of ['AWS_COGNITO_USER_POOL_ID', 'ROLLBAR_ACCESS_TOKEN']) assert.match(render.stdout, new RegExp(`^  ${name} `, 'm'), `render: ${name}`)
})
help.run()
