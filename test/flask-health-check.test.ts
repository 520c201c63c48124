import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startFlask, type Flask } from './helpers/flask.js'
import { freePort } from './helpers/net.js'
import { runKit } from './helpers/run.js'
import { createServer, type Server } from 'node:http'
import { judgeResponse, parseHealthUrl, shownUrl, waitForHealth } from '../lib/ops/health.js'

/** A server that sends 200 and its headers at once, then its body one byte a second, forever. */
async function trickling(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const drip = setInterval(() => res.write(' '), 1000)
    res.on('close', () => clearInterval(drip))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/health-check` }
}
const close = (server: Server) => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())))

const live = suite('flask/health-check against a real Flask app')
const servers: Flask[] = []
live.after(async () => {
  await Promise.all(servers.map((s) => s.stop()))
})

live('healthy server: [OK], exit 0', async () => {
  const flask = await startFlask('ok')
  servers.push(flask)
  const r = await runKit('flask/health-check', ['--url', flask.url])
  assert.is(r.code, 0, r.all)
  assert.is(r.stdout.trim(), '[OK] Flask server is running')
})

live('default URL is localhost:4567 (the guide’s), when that port is free', async () => {
  const r = await runKit('flask/health-check', [])
  // Nothing (of ours) listens on 4567 in the test run: the default URL is what is reported.
  assert.match(r.stdout, 'http://localhost:4567/api/health-check')
})

live('HTTP 500: [BAD] with the status, exit 1', async () => {
  const flask = await startFlask('error')
  servers.push(flask)
  const r = await runKit('flask/health-check', ['--url', flask.url])
  assert.is(r.code, 1)
  assert.match(r.stdout, /^\[BAD\] .*HTTP 500/)
})

live('wrong body: [BAD] names the body, exit 1', async () => {
  const flask = await startFlask('wrong-body')
  servers.push(flask)
  const r = await runKit('flask/health-check', ['--url', flask.url])
  assert.is(r.code, 1)
  assert.match(r.stdout, 'the body is not {"success": true}')
})

live('hanging server: [BAD] timed out after --timeout, exit 1', async () => {
  const flask = await startFlask('hang')
  servers.push(flask)
  const started = Date.now()
  const r = await runKit('flask/health-check', ['--url', flask.url, '--timeout', '1'])
  assert.is(r.code, 1)
  assert.match(r.stdout, 'timed out after 1s')
  assert.ok(Date.now() - started < 10000, 'gave up long after the timeout')
})

live('refused port: [BAD] connection refused, exit 1', async () => {
  const port = await freePort()
  const r = await runKit('flask/health-check', ['--url', `http://127.0.0.1:${port}/api/health-check`])
  assert.is(r.code, 1)
  assert.match(r.stdout, 'connection refused')
})

live('--wait: succeeds once a server comes up during the wait', async () => {
  const port = await freePort()
  const pending = runKit('flask/health-check', ['--url', `http://127.0.0.1:${port}/api/health-check`, '--wait', '30'])
  await new Promise((r) => setTimeout(r, 1500))
  servers.push(await startFlask('ok', port))
  const r = await pending
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '[OK]')
})

live('--wait: gives up at the deadline with the last reason', async () => {
  const port = await freePort()
  const r = await runKit('flask/health-check', ['--url', `http://127.0.0.1:${port}/api/health-check`, '--wait', '1'])
  assert.is(r.code, 1)
  assert.match(r.stdout, /connection refused.*gave up after 1s/)
})

live('bad usage: unknown flag and bad --url exit 2 with one line', async () => {
  const unknown = await runKit('flask/health-check', ['--nope'])
  assert.is(unknown.code, 2)
  assert.match(unknown.stderr, "Unknown option '--nope'")
  const badUrl = await runKit('flask/health-check', ['--url', 'ftp://x'])
  assert.is(badUrl.code, 2)
  assert.is(badUrl.stderr.trim().split('\n').length, 1)
  assert.not.match(badUrl.all, /at .*\.ts:\d+/)
})

live('a server that trickles its body a byte a second: --timeout is a deadline for the whole request (body included)', async () => {
  const { server, url } = await trickling()
  try {
    // The guard only stops a hang from hanging the suite: a still-alive check is killed (code null) and fails below.
    const r = await runKit('flask/health-check', ['--url', url, '--timeout', '1'], { timeoutMs: 20000 })
    assert.is(r.code, 1, r.all)
    assert.match(r.stdout, '[BAD] Flask server is not healthy')
    assert.match(r.stdout, 'timed out after 1s')
  } finally {
    await close(server)
  }
})

live('--wait bounds the whole command, even against a trickling server with a long --timeout', async () => {
  const { server, url } = await trickling()
  try {
    const r = await runKit('flask/health-check', ['--url', url, '--timeout', '600', '--wait', '2'], { timeoutMs: 20000 })
    assert.is(r.code, 1, r.all)
    assert.match(r.stdout, /timed out after .*gave up after 2s/)
  } finally {
    await close(server)
  }
})

live('--timeout or --wait too large for a timer (1e7): exit 2, one clear line, no Node warning', async () => {
  for (const flag of ['--timeout', '--wait']) {
    const r = await runKit('flask/health-check', ['--url', 'http://127.0.0.1:9/api/health-check', flag, '1e7'])
    assert.is(r.code, 2, r.all)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, `${flag} is too large: at most 2147483 seconds`)
    assert.not.match(r.all, 'TimeoutOverflowWarning')
  }
})

live('credentials in --url are never printed: [BAD] and usage errors show them masked', async () => {
  const port = await freePort()
  const r = await runKit('flask/health-check', ['--url', `http://admin-user:s3cret-Pw99@127.0.0.1:${port}/api/health-check`])
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, `[BAD] Flask server is not healthy at http://****:****@127.0.0.1:${port}/api/health-check`)
  const badScheme = await runKit('flask/health-check', ['--url', 'ftp://admin-user:s3cret-Pw99@example.test/x'])
  assert.is(badScheme.code, 2, badScheme.all)
  const unparsable = await runKit('flask/health-check', ['--url', 'http://admin-user:s3cret-Pw99@exa mple/x'])
  assert.is(unparsable.code, 2, unparsable.all)
  for (const run of [r, badScheme, unparsable]) {
    assert.not.match(run.all, 's3cret-Pw99')
    assert.not.match(run.all, 'admin-user')
  }
})

live('--help describes the flags and exits 0', async () => {
  const r = await runKit('flask/health-check', ['--help'])
  assert.is(r.code, 0)
  assert.match(r.stdout, '--wait SECONDS')
})
live.run()

const pure = suite('lib/health (pure)')
pure('judgeResponse: only 200 with success true is healthy', () => {
  assert.equal(judgeResponse(200, '{"success": true}'), { healthy: true })
  assert.is(judgeResponse(200, '{"success": false}').healthy, false)
  assert.is(judgeResponse(200, 'not json').healthy, false)
  assert.is(judgeResponse(204, '').healthy, false)
})
pure('waitForHealth: retries until healthy, passing a shrinking timeout', async () => {
  let calls = 0
  let clock = 0
  const result = await waitForHealth(
    async () => {
      calls += 1
      clock += 100
      return calls < 3 ? { healthy: false, reason: 'refused' } : { healthy: true }
    },
    5000,
    10000,
    1,
    () => clock,
  )
  assert.equal(result, { healthy: true })
  assert.is(calls, 3)
})
pure('shownUrl masks user and password; a URL without them is unchanged', () => {
  assert.is(shownUrl(new URL('http://u:p@h:1/x')), 'http://****:****@h:1/x')
  assert.is(shownUrl(new URL('https://h/x?y=1')), 'https://h/x?y=1')
  assert.match(String(parseHealthUrl('gopher://u:pw-123@h/x')), 'gopher://****:****@h/x')
})
pure.run()
