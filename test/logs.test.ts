import './helpers/guard.js'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { openContext } from '../lib/aws/context.js'
import { ROOT } from '../lib/config/paths.js'
import { UsageError } from '../lib/core/errors.js'
import { FOLLOW_RETRY_MS, formatLine, LATE_WINDOW_MS, LogCursor, parseSince, retryAfterFailure, taskIdOf, type LogLine } from '../lib/ops/logs.js'
import { startAwsProxy, type AwsProxy } from './helpers/aws-proxy.js'
import { resetMoto } from './helpers/moto.js'
import { waitFor } from './helpers/net.js'
import { runKit } from './helpers/run.js'

// ---- pure parts ----
const pure = suite('lib/ops/logs (pure)')
const NOW = Date.parse('2026-11-27T12:00:00Z')
const SINCE: Array<[string, number]> = [
  ['30s', NOW - 30_000],
  ['10m', NOW - 600_000],
  ['2h', NOW - 7_200_000],
  ['1d', NOW - 86_400_000],
  ['1.5h', NOW - 5_400_000],
  ['2026-11-27T10:00:00Z', Date.parse('2026-11-27T10:00:00Z')],
]
for (const [text, expected] of SINCE) pure(`--since ${text}`, () => assert.is(parseSince(text, NOW), expected))
for (const bad of ['10', 'm', '3x', 'yesterday', '', '2026-02-30', '2026-13-01', '2025-02-29T10:00:00Z']) {
  pure(`--since "${bad}" is a usage error`, () => assert.throws(() => parseSince(bad, NOW), (e: unknown) => e instanceof UsageError && /--since must be/.test((e as Error).message)))
}
pure('the task id is the last part of the stream name', () => {
  assert.is(taskIdOf('backend-flask/backend-flask/0123456789abcdef0123456789abcdef'), '0123456789abcdef0123456789abcdef')
  assert.is(formatLine({ eventId: '1', timestamp: NOW, stream: 'a/b/t1', taskId: 't1', message: 'hello' }), '2026-11-27T12:00:00.000Z  t1  hello')
})

pure('a message is printed on one line with its control characters escaped (no escape sequence reaches the terminal)', () => {
  const printed = formatLine({ eventId: '1', timestamp: NOW, stream: 'a/b/t1', taskId: 't1', message: '\u001b[2J\u001b]0;pwned\u0007red\nsecond line\r\u009b31m\ttab' })
  assert.is(printed, '2026-11-27T12:00:00.000Z  t1  \\x1b[2J\\x1b]0;pwned\\x07red\\nsecond line\\r\\x9b31m\ttab')
  assert.not.match(printed, /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/)
})

const line = (id: string, at: number, stream = 'svc/svc/t1'): LogLine => ({ eventId: id, timestamp: NOW + at, stream, taskId: taskIdOf(stream), message: id })
pure('across polls: the overlap re-read shows nothing twice, a late event inside it is shown, order is by time', () => {
  const cursor = new LogCursor(NOW, 10_000)
  assert.is(cursor.start, NOW)
  assert.equal(cursor.accept([line('b', 2000), line('a', 1000)]).map((l) => l.eventId), ['a', 'b'])
  // The next read starts at the window before the newest shown, never before --since.
  assert.is(cursor.start, NOW)
  assert.equal(cursor.accept([line('a', 1000), line('b', 2000)]), [])
  assert.equal(cursor.accept([line('b', 2000), line('c', 30_000)]).map((l) => l.eventId), ['c'])
  assert.is(cursor.start, NOW + 20_000)
  // An event stamped before the newest but inside the window (a late batch from another task) is shown once.
  assert.equal(cursor.accept([line('c', 30_000), line('late', 25_000, 'svc/svc/t2')]).map((l) => l.eventId), ['late'])
  assert.equal(cursor.accept([line('c', 30_000), line('late', 25_000, 'svc/svc/t2')]), [])
  // Only ids the next read can return are remembered.
  assert.is(cursor.remembered, 2)
})
pure(`a line reaching CloudWatch Logs up to ${LATE_WINDOW_MS / 1000} s after its timestamp is shown, even after a line stamped in the future`, () => {
  const cursor = new LogCursor(NOW - 600_000)
  // A task with its clock an hour ahead: its line must not move the window past the present.
  assert.equal(cursor.accept([line('ahead', 3_600_000)], NOW + 1000).map((l) => l.eventId), ['ahead'])
  // The next read, 2 s later, must still cover a line stamped now that arrives 50 s late.
  assert.ok(cursor.start <= NOW + 3000 - 50_000, `next read starts at ${new Date(cursor.start).toISOString()}`)
  assert.equal(cursor.accept([line('ahead', 3_600_000), line('late', 3000 - 50_000 + 1000)], NOW + 3000).map((l) => l.eventId), ['late'])
})
pure('--follow: transient failures are retried with a growing delay until the deadline; other failures end it', () => {
  const unavailable = Object.assign(new Error('Service Unavailable'), { name: 'NotAwsApiError', $metadata: { httpStatusCode: 503 } })
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })
  const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })
  assert.is(retryAfterFailure(unavailable, 0, 1, 2000), 2000)
  assert.is(retryAfterFailure(unavailable, 6000, 3, 2000), 8000)
  assert.is(retryAfterFailure(throttled, 60_000, 10, 2000), 30_000)
  assert.is(retryAfterFailure(unavailable, FOLLOW_RETRY_MS, 40, 2000), undefined)
  assert.is(retryAfterFailure(denied, 0, 1, 2000), undefined)
})
pure('same timestamp: every event is shown, in a stable order', () => {
  const cursor = new LogCursor(NOW)
  const shown = cursor.accept([line('2', 5, 'svc/svc/t2'), line('1', 5, 'svc/svc/t1'), line('3', 5, 'svc/svc/t1')])
  assert.equal(shown.map((l) => l.eventId), ['1', '3', '2'])
})
pure.run()

// ---- against moto ----
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const logs = sdk.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
const GROUP = '/cruddur/fargate-cluster'
const BACKEND = 'backend-flask/backend-flask/5f1d0c3a9b8e4d7f8a6b5c4d3e2f1a0b'
const BACKEND_2 = 'backend-flask/backend-flask/9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b'
const FRONTEND = 'frontend-react-js/frontend-react-js/1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d'
let proxy: AwsProxy

async function put(stream: string, events: Array<[message: string, agoMs: number]>, now = Date.now()) {
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: stream,
      logEvents: events.map(([message, ago]) => ({ message, timestamp: now - ago })).sort((a, b) => a.timestamp - b.timestamp),
    }),
  )
}

const tail = (args: string[]) => runKit('logs/tail', args, { env: { AWS_ENDPOINT_URL: proxy.url } })

const live = suite('logs/tail (against moto)')
live.before(async () => {
  proxy = await startAwsProxy(motoUrl)
})
live.before.each(async () => {
  await resetMoto(motoUrl)
  proxy.reset()
  const r = await runKit('logs/create-log-group', [], { env: { AWS_ENDPOINT_URL: motoUrl } })
  assert.is(r.code, 0, r.all)
  for (const stream of [BACKEND, BACKEND_2, FRONTEND]) await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }))
})
live.after(async () => {
  await proxy.stop()
})

live('prints only the service’s lines, oldest first, with time, task id and message', async () => {
  await put(BACKEND, [['GET /api/activities/home 200', 4000], ['ERROR could not connect to db', 2000]])
  await put(BACKEND_2, [['booting gunicorn', 3000]])
  await put(FRONTEND, [['nginx started', 3500]])
  const r = await tail(['backend-flask'])
  assert.is(r.code, 0, r.all)
  const lines = r.stdout.trim().split('\n')
  assert.is(lines.length, 3, r.stdout)
  assert.match(lines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  5f1d0c3a9b8e4d7f8a6b5c4d3e2f1a0b  GET \/api\/activities\/home 200$/)
  assert.match(lines[1], /  9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b  booting gunicorn$/)
  assert.match(lines[2], /ERROR could not connect to db$/)
  assert.not.match(r.stdout, 'nginx')
  assert.ok(proxy.calls.some((c) => c.action === 'FilterLogEvents'))
  assert.equal(proxy.mutations().filter((c) => c.action !== 'FilterLogEvents'), [], 'read-only')
})

live('--filter, --since and --json', async () => {
  await put(BACKEND, [['ERROR old failure', 3_600_000], ['GET / 200', 60_000], ['ERROR fresh failure', 30_000]])
  const errors = await tail(['backend-flask', '--filter', 'ERROR'])
  assert.is(errors.code, 0, errors.all)
  assert.equal(errors.stdout.trim().split('\n').map((l) => l.split('  ').pop()), ['ERROR fresh failure'], 'default --since is 10m')
  const hour = await tail(['backend-flask', '--since', '2h', '--filter', 'ERROR', '--json'])
  const docs = hour.stdout.trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(docs.map((d) => d.message), ['ERROR old failure', 'ERROR fresh failure'])
  assert.equal(Object.keys(docs[0]).sort(), ['eventId', 'message', 'stream', 'taskId', 'timestamp'])
  assert.is(docs[0].taskId, '5f1d0c3a9b8e4d7f8a6b5c4d3e2f1a0b')
  const none = await tail(['backend-flask', '--since', '10s'])
  assert.is(none.code, 0)
  assert.is(none.stdout, '')
  assert.match(none.stderr, /no log lines from backend-flask since/)
})

live('--follow across polls: every line once, none lost, a late-arriving line included', async () => {
  await put(BACKEND, [['line 01', 5000]])
  const child = spawn(join(ROOT, 'scripts/logs/tail'), ['backend-flask', '--follow', '--poll', '0.2', '--json'], {
    env: { ...process.env, AWS_ENDPOINT_URL: proxy.url, FORCE_COLOR: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const messages = () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).message as string)
  const polls = () => proxy.calls.filter((c) => c.action === 'FilterLogEvents').length
  try {
    await waitFor('the first line', async () => messages().includes('line 01'), 20000)
    const base = Date.now()
    // Several polls' worth of batches from two tasks; one batch arrives late, stamped before lines already shown.
    await put(BACKEND, [['line 02', 0], ['line 03', -1]], base)
    let p = polls()
    await waitFor('a poll after line 03', async () => messages().includes('line 03') && polls() > p + 1, 20000)
    await put(BACKEND, [['line 04', -100]], base)
    await put(BACKEND_2, [['line 05 (late, stamped earlier)', 2000]], base)
    p = polls()
    await waitFor('two more polls', async () => polls() > p + 2, 20000)
    await put(BACKEND_2, [['line 06', -200], ['line 07', -300]], base)
    await put(FRONTEND, [['not this service', -250]], base)
    p = polls()
    await waitFor('line 07 and two more polls', async () => messages().includes('line 07') && polls() > p + 2, 20000)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
  const got = messages()
  assert.ok(polls() >= 6, `it polled (${polls()} reads)`)
  assert.equal([...got].sort(), ['line 01', 'line 02', 'line 03', 'line 04', 'line 05 (late, stamped earlier)', 'line 06', 'line 07'])
  assert.is(new Set(got).size, got.length, `no line twice: ${got.join(' | ')}`)
})

live('--follow through 503s (scripted at the proxy): it says so on stderr, keeps going, and shows the next line', async () => {
  await put(BACKEND, [['before the outage', 5000]])
  const child = spawn(join(ROOT, 'scripts/logs/tail'), ['backend-flask', '--follow', '--poll', '0.2', '--json'], {
    env: { ...process.env, AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: '2', FORCE_COLOR: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  let code: number | null | undefined
  const exited = new Promise((resolve) => child.once('exit', (c) => ((code = c), resolve(c))))
  const messages = () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).message as string)
  try {
    await waitFor('the first line', async () => messages().includes('before the outage'), 20000)
    // Three reads' worth of 503s (two attempts each): more than the SDK's own retries.
    proxy.inject({ match: (c) => c.action === 'FilterLogEvents', times: 6, kind: '503' })
    await waitFor('the 503s to be answered', async () => /read failed/.test(err) || code !== undefined, 20000)
    await put(BACKEND, [['after the outage', 0]])
    await waitFor('the line after the outage', async () => messages().includes('after the outage') || code !== undefined, 30000)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
  assert.equal(messages(), ['before the outage', 'after the outage'], err)
  assert.match(err, /logs\/tail: read failed, retrying in \d+\.\d s: .*HTTP 503/)
  assert.match(err, /logs\/tail: reading again after \d failed read/)
  assert.not.match(err, /does not speak the AWS API/)
})

live('an undeclared service: exit 2 naming the declared ones; a missing log group: exit 1 saying what to run', async () => {
  const r = await tail(['no-such-service'])
  assert.is(r.code, 2)
  assert.match(r.stderr, /service "no-such-service" is not declared in json\/services\.json \(available: backend-flask/)
  const none = await tail([])
  assert.is(none.code, 2)
  assert.match(none.stderr, /name a service/)
  await resetMoto(motoUrl)
  const missing = await tail(['backend-flask'])
  assert.is(missing.code, 1)
  assert.is(missing.stderr.trim(), 'logs/tail: log group /cruddur/fargate-cluster not found: run ./scripts/provision (or ./scripts/logs/create-log-group) first')
  const impossible = await tail(['backend-flask', '--since', '2026-02-30'])
  assert.is(impossible.code, 2, impossible.all)
  assert.match(impossible.stderr, /^logs\/tail: --since must be .* got "2026-02-30"\n$/)
})

live.run()
