import './helpers/guard.js'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as assert from 'uvu/assert'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { openContext } from '../lib/aws/context.js'
import { ROOT } from '../lib/config/paths.js'
import { busyboxContext, dockerSuite } from './helpers/docker.js'
import { resetMoto } from './helpers/moto.js'
import { freePort, waitFor } from './helpers/net.js'
import { runKit, type RunResult } from './helpers/run.js'

const { test, docker } = dockerSuite('ecs/run-local against a real dockerd and registry, secrets from SSM in moto')
const sdk = await openContext(process.env, { mode: 'read-only' })
const ssm = sdk.client(SSMClient, 'SSM')
const CONTAINER = 'backend-flask-local'
const TAG = `runlocal-${process.pid}`
// The tests' own SSM root: the template's valueFrom is <SSM_PARAMETER_ARN_PREFIX>/backend-flask/NAME.
const SSM_PREFIX = '/kit-run-local-test'

let temps: string[] = []
const temp = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}
const docker_ = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
const containerExists = () => docker_('ps', '-aq', '--filter', `name=^${CONTAINER}$`) !== ''

interface Shape {
  port: number
  command?: string[]
  health?: string[] | null
  interval?: number
  retries?: number
}

/** A task-definition template like the kit's, for the test image on a free port. */
function template(shape: Shape): string {
  const file = join(temp('kit-td-'), 'backend-flask.json')
  const healthCheck =
    shape.health === null
      ? undefined
      : {
          command: shape.health ?? ['CMD-SHELL', `/bin/busybox wget -q -O - http://127.0.0.1:${shape.port}/health || exit 1`],
          interval: shape.interval ?? 5,
          timeout: 2,
          retries: shape.retries ?? 2,
          startPeriod: 0,
        }
  writeFileSync(
    file,
    JSON.stringify({
      family: 'backend-flask',
      executionRoleArn: '${EXECUTION_ROLE_ARN}',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [
        {
          name: 'backend-flask',
          image: '${ECR_REGISTRY}/backend-flask:${IMAGE_TAG}',
          essential: true,
          command: shape.command ?? ['/bin/sh', '-c', `echo "starting with db=$CONNECTION_URL greeting=$GREETING"; exec /bin/busybox httpd -f -p 127.0.0.1:${shape.port} -h /www`],
          environment: [
            { name: 'GREETING', value: 'hello-from-td' },
            // As the kit's backend template has them: the front door's URLs, local in a local run.
            { name: 'FRONTEND_URL', value: '${SERVICE_URL_FRONTEND_REACT_JS}' },
            { name: 'BACKEND_URL', value: '${SERVICE_URL_BACKEND_FLASK}' },
          ],
          secrets: [{ name: 'CONNECTION_URL', valueFrom: '${SSM_PARAMETER_ARN_PREFIX}/backend-flask/CONNECTION_URL' }],
          portMappings: [{ containerPort: shape.port, protocol: 'tcp' }],
          ...(healthCheck ? { healthCheck } : {}),
          linuxParameters: { initProcessEnabled: true },
          stopTimeout: 2,
        },
      ],
    }),
  )
  return file
}

const SECRET = `postgresql://cruddur:run-local-canary-${process.pid}@db.example.invalid:5432/cruddur`

async function putSecret(): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: `${SSM_PREFIX}/backend-flask/CONNECTION_URL`, Value: SECRET, Type: 'SecureString', Overwrite: true }))
}

function kitEnv(): Record<string, string | undefined> {
  // The secret is only in SSM: nothing in the kit's environment could let it print it by accident.
  return { ECR_REGISTRY: docker.registry, DOCKER_CONFIG: temp('kit-docker-config-'), IMAGE_TAG: TAG, SSM_PREFIX, PROD_CONNECTION_URL: undefined }
}

/** Every process's arguments on this machine that contain `needle`, sampled until stopped. */
function watchArguments(needle: string): { stop(): string[] } {
  const seen = new Set<string>()
  const scan = () => {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        if (args.includes(needle)) seen.add(`${pid}: ${args.replace(/\0/g, ' ')}`)
      } catch {
        // gone
      }
    }
  }
  const timer = setInterval(scan, 25)
  return {
    stop() {
      clearInterval(timer)
      scan()
      return [...seen]
    },
  }
}

let imageBuilt = false
/** The test image, as image/build and image/push make it, in the test registry. */
async function ensureImage(): Promise<void> {
  if (imageBuilt) return
  const ctx = busyboxContext(docker, { port: 1, dir: join(temp('kit-app-'), 'backend-flask') })
  const env = kitEnv()
  const built = await runKit('image/build', ['backend-flask', '--context', ctx.dir, '--tag', TAG], { env })
  assert.is(built.code, 0, built.all)
  const pushed = await runKit('image/push', ['backend-flask', '--tag', TAG], { env })
  assert.is(pushed.code, 0, pushed.all)
  imageBuilt = true
}

test.before.each(async () => {
  await resetMoto()
  await putSecret()
  await ensureImage()
})
test.after.each(() => {
  try {
    docker_('rm', '--force', CONTAINER)
  } catch {
    // not there
  }
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
  temps = []
})

test('--detach, healthy: pulls from the registry (logging in), secret inside the container only, verdict with the last health output', async () => {
  // Only the registry has the image: run-local must pull it, and log in to do so.
  docker_('image', 'rm', `${docker.registry}/backend-flask:${TAG}`)
  const port = await freePort()
  const watch = watchArguments(`run-local-canary-${process.pid}`)
  const r = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', template({ port })], { env: kitEnv() })
  const inArguments = watch.stop()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, `Pulling ${docker.registry}/backend-flask:${TAG}`)
  assert.match(r.stdout, `Logging docker in to ${docker.registry}`)
  assert.match(r.stdout, /\[OK\] backend-flask is healthy after \d+\.\d s \(last health check: "ok"\)/)
  assert.match(r.stdout, 'secrets CONNECTION_URL from SSM')
  // Inside the container: the secret and the plain environment, as ECS would give them.
  const env = docker_('exec', CONTAINER, '/bin/busybox', 'env')
  assert.ok(env.split('\n').includes(`CONNECTION_URL=${SECRET}`), env)
  assert.ok(env.split('\n').includes('GREETING=hello-from-td'))
  // No load balancer and no domain: the local origins, each service at its own port on this machine.
  assert.ok(env.split('\n').includes('FRONTEND_URL=http://127.0.0.1:3000'), env)
  assert.ok(env.split('\n').includes('BACKEND_URL=http://127.0.0.1:4567'), env)
  assert.match(r.stdout, 'Service URLs for a local run (no load balancer in front): SERVICE_URL_FRONTEND_REACT_JS=http://127.0.0.1:3000 SERVICE_URL_BACKEND_FLASK=http://127.0.0.1:4567')
  // Nowhere else: no process argument, no output, no file left in the working folders.
  assert.equal(inArguments, [], 'the secret was in a process argument')
  assert.not.ok(r.all.includes(`run-local-canary-${process.pid}`), 'the secret was printed')
  const inspect = JSON.parse(docker_('inspect', CONTAINER))[0]
  assert.is(inspect.HostConfig.NetworkMode, 'host')
  assert.equal(inspect.Config.Healthcheck.Test, ['CMD-SHELL', `/bin/busybox wget -q -O - http://127.0.0.1:${port}/health || exit 1`])
  assert.is(inspect.Config.Healthcheck.Interval, 5e9)
  assert.is(inspect.Config.Healthcheck.Retries, 2)
  assert.is(inspect.HostConfig.Init, true)
  // The service answers on its port, as on Fargate behind the security group.
  assert.is(await (await fetch(`http://127.0.0.1:${port}/health`)).text(), 'ok\n')
})

test('--detach, unhealthy (the health check probes the wrong port): exit 1 with the last health-check output', async () => {
  const port = await freePort()
  const wrong = await freePort()
  const td = template({ port, health: ['CMD-SHELL', `/bin/busybox wget -q -O - http://127.0.0.1:${wrong}/health`], retries: 1 })
  const r = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', td, '--json'], { env: kitEnv() })
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, /\[BAD\] backend-flask is unhealthy after \d+\.\d s: 1 health check failed in a row; last exit 1, output: ".*(refused|can't connect).*"/)
  // --json: the document is the very last line, as --help says.
  const doc = JSON.parse(r.stdout.trim().split('\n').at(-1) as string)
  assert.is(doc.verdict, 'unhealthy')
  assert.ok(containerExists(), '--detach leaves the container')
})

test('--detach, the container exits: exit 1 with its exit code and last output (secret masked)', async () => {
  const port = await freePort()
  const td = template({ port, command: ['/bin/sh', '-c', 'echo "db is $CONNECTION_URL"; echo boom; exit 3'] })
  const r = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', td], { env: kitEnv() })
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, /\[BAD\] backend-flask exited with code 3 after \d+\.\d s; its last output: db is \*\*\*\* \| boom/)
  assert.not.ok(r.all.includes(`run-local-canary-${process.pid}`))
})

test('following the logs (secret masked in them) until Ctrl-C, then the container is stopped and removed', async () => {
  const port = await freePort()
  const td = template({ port })
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...kitEnv() })) if (v !== undefined) env[k] = v
  const child = spawn(join(ROOT, 'scripts/ecs/run-local'), ['backend-flask', '--task-definition', td], { cwd: temp('kit-cwd-'), env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  try {
    await waitFor('the healthy verdict', async () => out.includes('Ctrl-C stops and removes it'), 40000)
    // The container's own output is followed from its start: it came before the verdict.
    assert.ok(out.indexOf('starting with db=') < out.indexOf('is healthy'), out)
    child.kill('SIGINT')
    const code = await exited
    assert.is(code, 0, out)
  } finally {
    child.kill('SIGKILL')
  }
  assert.match(out, /\[OK\] backend-flask is healthy/)
  assert.match(out, 'starting with db=**** greeting=hello-from-td')
  assert.match(out, `Stopping and removing ${CONTAINER}`)
  assert.not.ok(out.includes(`run-local-canary-${process.pid}`), 'the secret was printed')
  assert.not.ok(containerExists(), 'the container is still there')
})

/** run-local following the logs, as a user runs it in a terminal. */
function followRunLocal(td: string, extra: Record<string, string> = {}): { out: () => string; child: ReturnType<typeof spawn>; exited: Promise<number | null> } {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...kitEnv(), ...extra })) if (v !== undefined) env[k] = v
  const child = spawn(join(ROOT, 'scripts/ecs/run-local'), ['backend-flask', '--task-definition', td], { cwd: temp('kit-cwd-'), env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  return { out: () => out, child, exited }
}

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} (a kill, a closed terminal) while following: the container is stopped and removed, the port freed`, async () => {
    const port = await freePort()
    const run = followRunLocal(template({ port }))
    try {
      await waitFor('the healthy verdict', async () => run.out().includes('Ctrl-C stops and removes it'), 40000)
      run.child.kill(signal)
      await run.exited
    } finally {
      run.child.kill('SIGKILL')
    }
    assert.match(run.out(), `Stopping and removing ${CONTAINER}`)
    assert.not.ok(containerExists(), `the container is still there after ${signal}`)
    const holder = await fetch(`http://127.0.0.1:${port}/health`).then(() => 'answered', () => 'free')
    assert.is(holder, 'free')
  })
}

test('SIGTERM with --detach before the verdict: the container is removed, not left running', async () => {
  const port = await freePort()
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...kitEnv() })) if (v !== undefined) env[k] = v
  const child = spawn(join(ROOT, 'scripts/ecs/run-local'), ['backend-flask', '--detach', '--task-definition', template({ port, interval: 30 })], { cwd: temp('kit-cwd-'), env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  try {
    await waitFor('the container to start', async () => out.includes('Starting backend-flask-local') && containerExists(), 40000)
    child.kill('SIGTERM')
    assert.is(await exited, 143, out)
  } finally {
    child.kill('SIGKILL')
  }
  assert.not.ok(containerExists(), 'the container was left running')
})

test('the wait for the verdict follows docker events, not a 200 ms docker inspect loop', async () => {
  // A docker on PATH that records each call, then runs the real one.
  const bin = temp('kit-docker-wrap-')
  const log = join(bin, 'calls.log')
  const real = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim()
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 })
  const port = await freePort()
  const r = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', template({ port, interval: 5 })], { env: { ...kitEnv(), PATH: `${bin}:${process.env.PATH}` } })
  assert.is(r.code, 0, r.all)
  const seconds = Number(/healthy after (\d+\.\d) s/.exec(r.stdout)?.[1])
  assert.ok(seconds >= 5, r.stdout)
  const calls = readFileSync(log, 'utf8').trim().split('\n')
  const inspects = calls.filter((c) => c.startsWith('container inspect')).length
  // 200 ms polling made 25 or more over a 5 s wait; events and the check's own pace make a handful.
  assert.ok(inspects <= 6, `${inspects} docker inspect calls:\n${calls.join('\n')}`)
  assert.ok(calls.some((c) => c.startsWith('events ')), calls.join('\n'))
})

test('a port already taken: refused before anything starts, naming the process that holds it', async () => {
  const { createServer } = await import('node:net')
  const server = createServer(() => {})
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve))
  const port = (server.address() as { port: number }).port
  try {
    const r = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', template({ port })], { env: kitEnv() })
    assert.is(r.code, 1, r.all)
    assert.match(r.stderr, `port ${port} is already taken by pid ${process.pid} (`)
    assert.not.match(r.stdout, 'Starting backend-flask-local')
    assert.not.ok(containerExists())
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

test('a Docker daemon that takes the connection and never answers: run-local ends in one line naming it, within DOCKER_TIMEOUT', async () => {
  const { createServer } = await import('node:net')
  const sockets: import('node:net').Socket[] = []
  const server = createServer((socket) => void sockets.push(socket.on('error', () => {})))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  try {
    const started = Date.now()
    const r = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', template({ port: await freePort() })], { env: { ...kitEnv(), DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TIMEOUT: '2' }, timeoutMs: 30000 })
    assert.is(r.code, 1, r.all)
    assert.ok(Date.now() - started < 20000)
    assert.match(r.stderr, `the Docker daemon at tcp://127.0.0.1:${port} (DOCKER_HOST) gave no answer to docker`)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  } finally {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

test('a secret missing from SSM: exit 1 naming it, before docker starts anything', async () => {
  await resetMoto()
  const r: RunResult = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', template({ port: await freePort() })], { env: kitEnv() })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, `the task's secrets CONNECTION_URL (${SSM_PREFIX}/backend-flask/CONNECTION_URL) are not in SSM Parameter Store`)
  assert.not.ok(containerExists())
})

test('a health check ECS would reject (interval 1 s) is refused, exit 2; a real AWS host while AWS is moto is refused', async () => {
  const r1 = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', template({ port: 1, interval: 1 })], { env: kitEnv() })
  assert.is(r1.code, 2, r1.all)
  assert.match(r1.stderr, 'healthCheck.interval must be a whole number from 5 to 300')
  const r2 = await runKit('ecs/run-local', ['backend-flask', '--detach', '--task-definition', template({ port: 1 })], { env: { ...kitEnv(), ECR_REGISTRY: undefined } })
  assert.is(r2.code, 2, r2.all)
  assert.match(r2.stderr, 'would send docker to a real AWS registry')
  assert.match(r2.stderr, 'set ECR_REGISTRY')
  assert.not.ok(containerExists())
})

test.run()
