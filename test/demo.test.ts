import './helpers/guard.js'
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { dockerTestEnv } from './helpers/docker.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { removeTemp, tempDir } from './helpers/temp.js'
import { ROOT } from '../lib/config/paths.js'
import type { StatusDocument } from '../lib/ops/inventory.js'

const demo = suite('npm run demo (scripts/demo)')
demo.before.each(() => resetMoto())

demo('against a running local emulator: provisions twice, lists what exists, builds, pushes and deploys that image (scripted clean rollout), shows status and logs, tears down', async () => {
  const stack = dockerTestEnv()
  if ('missing' in stack) throw new Error(stack.missing)
  const r = await runKit('demo', [], { timeoutMs: 240000 })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /^\d+ created, 0 updated, 0 unchanged/m)
  assert.match(r.stdout, /^0 created, 0 updated, \d+ unchanged/m)
  const listed = r.stdout.split('3. what exists now')[1].split('4. images')[0]
  assert.match(listed, /✓ ecs service backend-flask\s+in cluster cruddur/)
  assert.match(listed, /✓ ecs service frontend-react-js\s+in cluster cruddur/)
  assert.not.match(listed, /✗/)
  // The image part ran to a healthy verdict.
  assert.match(r.stdout, /\[OK\] backend-flask is healthy/)
  // The deploy pins the very image the demo pushed: its digest is the registry's, not one the
  // demo put into the emulator's ECR itself.
  const pushed = /Pushed 127\.0\.0\.1:\d+\/backend-flask:demo (sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1]
  assert.ok(pushed, r.stdout)
  assert.match(r.all, `deploy backend-flask: backend-flask:demo is ${pushed}`)
  // The deploy says its rollout is scripted, and succeeds on it.
  assert.match(r.stdout, "ECS's answers for a clean rollout are scripted")
  assert.match(r.all, /\[OK\] deploy backend-flask: deployment \S+ completed: 1\/1 tasks run backend-flask:\d+/)
  assert.match(r.stdout, 'Starting gunicorn')
  assert.match(r.stdout, /deleted\s+ecs service backend-flask/)
  assert.match(r.stdout, 'Nothing the kit made is left.')
  // Its throwaway secrets are secrets too.
  assert.not.ok(r.all.includes('demo-db-password'))
})

/** What the demo left that names `folder` (its TMPDIR): files, mounts, processes. */
function leftUnder(folder: string): { files: string[]; mounts: string[]; processes: string[] } {
  let processes: string[] = []
  try {
    processes = execFileSync('pgrep', ['-a', '-f', folder], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    // pgrep exits 1 when nothing matches
  }
  return {
    files: readdirSync(folder),
    mounts: readFileSync('/proc/mounts', 'utf8').split('\n').filter((line) => line.includes(folder)),
    processes,
  }
}
const nothingLeft = { files: [], mounts: [], processes: [] }

/** The demo's environment when no Docker daemon answers: DOCKER_HOST names a socket nothing listens on; its temporary folders go in `tmp`. */
function noDaemonEnv(tmp: string): Record<string, string> {
  return { DOCKER_HOST: `unix://${join(tmp, 'nothing-listens.sock')}`, TMPDIR: tmp }
}

demo('with no Docker daemon answering, as root: starts a private dockerd, builds, pushes and deploys that image, and leaves no daemon, folder or mount behind', async () => {
  const stack = dockerTestEnv()
  if ('missing' in stack) throw new Error(stack.missing)
  const tmp = tempDir('kit-demo-tmp-')
  try {
    const r = await runKit('demo', [], { env: noDaemonEnv(tmp), timeoutMs: 240000 })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, 'Started a private Docker daemon for the demo (stopped at the end)')
    assert.not.match(r.stdout, 'Skipped the image part')
    assert.match(r.stdout, /\[OK\] backend-flask is healthy/)
    const pushed = /Pushed 127\.0\.0\.1:\d+\/backend-flask:demo (sha256:[0-9a-f]{64})/.exec(r.stdout)?.[1]
    assert.ok(pushed, r.stdout)
    assert.match(r.all, `deploy backend-flask: backend-flask:demo is ${pushed}`)
    assert.match(r.all, /\[OK\] deploy backend-flask: deployment \S+ completed/)
    assert.match(r.stdout, 'Nothing the kit made is left.')
    assert.equal(leftUnder(tmp), nothingLeft)
  } finally {
    removeTemp(tmp)
  }
})

demo("Ctrl-C while the demo's private dockerd runs a container: exits 130, and leaves no daemon, container, registry, folder or mount behind", async () => {
  const stack = dockerTestEnv()
  if ('missing' in stack) throw new Error(stack.missing)
  const tmp = tempDir('kit-demo-tmp-')
  const cwd = tempDir('kit-cwd-')
  try {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...noDaemonEnv(tmp) })) if (v !== undefined) env[k] = v
    const child = spawn(join(ROOT, 'scripts', 'demo'), [], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
    const healthy = new Promise<void>((resolve) => {
      const take = (d: Buffer) => {
        out += d
        if (/\[OK\] backend-flask is healthy/.test(out)) resolve()
      }
      child.stdout.on('data', take)
      child.stderr.on('data', take)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 240000)
    await Promise.race([healthy, closed])
    assert.match(out, 'Started a private Docker daemon for the demo (stopped at the end)')
    assert.match(out, /\[OK\] backend-flask is healthy/, out)
    // Its daemon, its container and its registry run now, all named by the demo's folder.
    const running = leftUnder(tmp)
    assert.ok(running.processes.some((line) => /^\d+ dockerd /.test(line)), running.processes.join('\n'))
    assert.ok(running.processes.some((line) => /^\d+ docker-registry /.test(line)), running.processes.join('\n'))
    assert.ok(running.processes.some((line) => /containerd-shim/.test(line)), running.processes.join('\n'))
    assert.ok(running.mounts.length > 0, 'the private daemon has mounts under its folder')
    child.kill('SIGINT')
    const code = await closed
    clearTimeout(timer)
    assert.is(code, 130, out)
    assert.equal(leftUnder(tmp), nothingLeft)
  } finally {
    removeTemp(tmp)
    removeTemp(cwd)
  }
})

demo('scripts/status: exit 1 listing what is missing, before the demo and after its teardown (--all leaves nothing)', async () => {
  const empty = await runKit('status')
  assert.is(empty.code, 1, empty.all)
  assert.match(empty.stdout, /✗ ecs service backend-flask\s+missing/)
  assert.is((await runKit('demo', [], { timeoutMs: 240000 })).code, 0)
  // The demo's own task-definition values; its secrets are not here, so parameters are checked by name and type.
  const after = await runKit('status', ['--json'], { env: { AWS_COGNITO_USER_POOL_ID: 'eu-west-2_DemoPool1', AWS_COGNITO_USER_POOL_CLIENT_ID: 'demo-cognito-client-id' } })
  assert.is(after.code, 1, after.all)
  const doc = JSON.parse(after.stdout) as StatusDocument
  assert.is(doc.ok, false)
  // Every resource provision makes, each missing: the guide's 20, the front door's 10 (its group and 2 rules, 2 more rules on
  // the services' group, the load balancer, 2 target groups, the listener and its rule), auto scaling's 4, the rollback alarms' 6.
  assert.is(doc.resources.length, 40)
  assert.equal(doc.resources.filter((item) => item.state !== 'missing').map((item) => `${item.kind} ${item.name}: ${item.state}`), [])
})

demo('refuses an endpoint that is not on this machine', async () => {
  const r = await runKit('demo', [], { env: { AWS_ENDPOINT_URL: 'https://ecs.eu-west-2.amazonaws.com' } })
  assert.is(r.code, 2)
  assert.match(r.stderr, 'only runs against a local emulator on 127.0.0.1')
})

demo('says how to get moto_server when it is missing', async () => {
  const node = process.execPath.replace(/\/node$/, '')
  const r = await runKit('demo', [], { env: { AWS_ENDPOINT_URL: undefined, PATH: node } })
  assert.is(r.code, 2)
  assert.match(r.stderr, "moto_server (the local AWS emulator) is not on PATH: install it with: pip install 'moto[server]'")
})
demo.run()
