import './helpers/guard.js'
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as assert from 'uvu/assert'
import { blobUploads, busyboxContext, dockerSuite, immutableRegistry, type DockerTestEnv } from './helpers/docker.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { freePort } from './helpers/net.js'
import { createLoadBalancer } from './helpers/load-balancer.js'
import { ROOT } from '../lib/config/paths.js'

const { test, docker } = dockerSuite('image/build, image/push, image/mirror against a real dockerd and registry')

// Everything a test made, removed after it (even when it fails).
let temps: string[] = []
const temp = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=kit@example.invalid', '-c', 'user.name=kit', '-C', cwd, ...args], { encoding: 'utf8' }).trim()

/** An app repository laid out like Cruddur's: backend-flask/ with a Dockerfile, committed. */
function appRepository(d: DockerTestEnv): { root: string; commit: string } {
  const root = temp('kit-app-')
  git(root, 'init', '-q')
  busyboxContext(d, { port: 1, dir: join(root, 'backend-flask') })
  writeFileSync(join(root, 'README.md'), 'app\n')
  git(root, 'add', '.')
  git(root, 'commit', '-qm', 'app')
  return { root, commit: git(root, 'log', '-1', '--format=%h', '--', 'backend-flask') }
}

/** Environment for the kit: the test registry as ECR_REGISTRY, a private docker config. */
function kitEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ECR_REGISTRY: docker.registry, DOCKER_CONFIG: temp('kit-docker-config-'), DOCKER_BUILDKIT: '0', ...extra }
}

const docker_ = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()

/** What the registry itself says is under a tag (its own API, with its credentials). */
async function registryDigest(repository: string, tag: string): Promise<string | undefined> {
  const r = await fetch(`http://${docker.registry}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
      authorization: `Basic ${Buffer.from(`${docker.user}:${docker.password}`).toString('base64')}`,
    },
  })
  return r.status === 200 ? (r.headers.get('docker-content-digest') ?? undefined) : undefined
}

test.before.each(async () => {
  await resetMoto()
})
test.after.each(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
  temps = []
})

test('build: the service folder at the top of the git repository, tagged with its commit, progress shown, one summary line', async () => {
  const app = appRepository(docker)
  const r = await runKit('image/build', ['backend-flask'], { cwd: join(app.root, 'backend-flask'), env: kitEnv() })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /Step 2\/\d+ : COPY busybox \/bin\/busybox/)
  const last = r.stdout.trim().split('\n').at(-1) as string
  assert.match(last, new RegExp(`^Built backend-flask:${app.commit} \\(linux/amd64\\) sha256:[0-9a-f]{64}, [\\d.]+ MB, in \\d+\\.\\d s$`))
  assert.is(docker_('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', `backend-flask:${app.commit}`), 'linux/amd64')
})

test('build: uncommitted changes in the folder mark the tag -dirty; --json gives a document', async () => {
  const app = appRepository(docker)
  appendFileSync(join(app.root, 'backend-flask', 'www', 'health'), 'changed\n')
  const r = await runKit('image/build', ['backend-flask', '--json'], { cwd: app.root, env: kitEnv() })
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout.trim().split('\n').at(-1) as string)
  assert.is(doc.tag, `${app.commit}-dirty`)
  assert.is(doc.image, `backend-flask:${app.commit}-dirty`)
  assert.is(doc.platform, 'linux/amd64')
  assert.match(doc.digest, /^sha256:/)
})

test('build: a task definition on ARM64 and a builder that makes amd64 are refused, and the tag removed (the exec format error trap)', async () => {
  const app = appRepository(docker)
  const td = join(temp('kit-td-'), 'arm.json')
  writeFileSync(td, JSON.stringify({ family: 'backend-flask', runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' }, containerDefinitions: [] }))
  // The legacy builder ignores --platform for FROM scratch: it builds for this machine (amd64).
  const r = await runKit('image/build', ['backend-flask', '--task-definition', td, '--tag', 'arm-try'], { cwd: app.root, env: kitEnv({ DOCKER_BUILDKIT: '0' }) })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, 'backend-flask:arm-try: the image is linux/amd64 but the task runs on linux/arm64')
  assert.match(r.stderr, 'exec format error')
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.throws(() => docker_('image', 'inspect', 'backend-flask:arm-try'))
})

test('build: a missing folder, a missing Dockerfile, no git repository: one line each, exit 2', async () => {
  const empty = temp('kit-nogit-')
  const r1 = await runKit('image/build', ['backend-flask'], { cwd: empty, env: kitEnv() })
  assert.is(r1.code, 2, r1.all)
  assert.match(r1.stderr, 'is not inside a git repository')
  assert.match(r1.stderr, '--context DIR')

  const repo = temp('kit-app-')
  git(repo, 'init', '-q')
  const r2 = await runKit('image/build', ['backend-flask'], { cwd: repo, env: kitEnv() })
  assert.is(r2.code, 2, r2.all)
  assert.match(r2.stderr, `the source folder of backend-flask, ${join(repo, 'backend-flask')}, does not exist`)

  mkdirSync(join(repo, 'backend-flask'))
  const r3 = await runKit('image/build', ['backend-flask'], { cwd: repo, env: kitEnv() })
  assert.is(r3.code, 2, r3.all)
  assert.match(r3.stderr, 'has no Dockerfile')

  const r4 = await runKit('image/build', ['no-such-service'], { cwd: repo, env: kitEnv() })
  assert.is(r4.code, 2, r4.all)
  assert.match(r4.stderr, 'service "no-such-service" is not declared')
})

test('build: docker not installed, or its daemon not running: one line saying so, exit 1', async () => {
  const app = appRepository(docker)
  const nodeOnly = temp('kit-node-')
  symlinkSync(process.execPath, join(nodeOnly, 'node'))
  symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(nodeOnly, 'git'))
  const r1 = await runKit('image/build', ['backend-flask'], { cwd: app.root, env: kitEnv({ PATH: nodeOnly }) })
  assert.is(r1.code, 1, r1.all)
  assert.match(r1.stderr, 'docker is not installed (not found on PATH)')
  assert.is(r1.stderr.trim().split('\n').length, 1)

  const r2 = await runKit('image/build', ['backend-flask'], { cwd: app.root, env: kitEnv({ DOCKER_HOST: `unix://${join(nodeOnly, 'none.sock')}` }) })
  assert.is(r2.code, 1, r2.all)
  assert.match(r2.stderr, 'the Docker daemon is not running')
  assert.is(r2.stderr.trim().split('\n').length, 1)
})

/** An app repository whose frontend-react-js/ is the fixture Dockerfile with ARG REACT_APP_BACKEND_URL, committed. */
function frontendRepository(d: DockerTestEnv): { root: string; commit: string } {
  const root = temp('kit-app-')
  git(root, 'init', '-q')
  const dir = join(root, 'frontend-react-js')
  mkdirSync(dir)
  writeFileSync(join(dir, 'Dockerfile'), readFileSync(join(ROOT, 'test/fixtures/frontend-react-js/Dockerfile')))
  writeFileSync(join(dir, 'busybox'), readFileSync(d.busybox), { mode: 0o755 })
  git(root, 'add', '.')
  git(root, 'commit', '-qm', 'frontend')
  return { root, commit: git(root, 'log', '-1', '--format=%h', '--', 'frontend-react-js') }
}

/** What the container sees: REACT_APP_BACKEND_URL, as the running image has it (docker run --network host). */
const backendUrlIn = (image: string): string =>
  docker_('run', '--rm', '--network', 'host', '--entrypoint', '/bin/busybox', image, 'sh', '-c', 'echo "$REACT_APP_BACKEND_URL"')

test("build frontend-react-js with DOMAIN_NAME: REACT_APP_BACKEND_URL=https://api.<domain> passed (and said), carried by the image; no AWS resource", async () => {
  const app = frontendRepository(docker)
  const r = await runKit('image/build', ['frontend-react-js', '--json'], { cwd: app.root, env: kitEnv({ DOMAIN_NAME: 'cruddur.example.com' }) })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, 'Build arguments: REACT_APP_BACKEND_URL=https://api.cruddur.example.com')
  const doc = JSON.parse(r.stdout.trim().split('\n').at(-1) as string)
  assert.equal(doc.buildArgs, { REACT_APP_BACKEND_URL: 'https://api.cruddur.example.com' })
  assert.is(backendUrlIn(`frontend-react-js:${app.commit}`), 'https://api.cruddur.example.com')
})

test("build frontend-react-js without a domain: the backend's URL is http://<the load balancer's DNS name> (an ALB made in moto)", async () => {
  const app = frontendRepository(docker)
  const dnsName = await createLoadBalancer('cruddur-alb')
  const r = await runKit('image/build', ['frontend-react-js'], { cwd: app.root, env: kitEnv({ DOMAIN_NAME: undefined }) })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, `Build arguments: REACT_APP_BACKEND_URL=http://${dnsName}`)
  assert.is(backendUrlIn(`frontend-react-js:${app.commit}`), `http://${dnsName}`)
})

test('build frontend-react-js with neither a domain nor a load balancer: one line saying what to do, exit 1, before docker builds anything', async () => {
  const app = frontendRepository(docker)
  const r = await runKit('image/build', ['frontend-react-js'], { cwd: app.root, env: kitEnv({ DOMAIN_NAME: undefined }) })
  assert.is(r.code, 1, r.all)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, 'REACT_APP_BACKEND_URL')
  assert.match(r.stderr, 'run ./scripts/elbv2/create-load-balancer first, or set DOMAIN_NAME')
  assert.not.match(r.stdout, 'Building')
  assert.is(execFileSync('docker', ['image', 'ls', '--quiet', `frontend-react-js:${app.commit}`], { encoding: 'utf8' }).trim(), '')
})

test('build of a service without build arguments makes no AWS call: no region, AWS unreachable, it still builds', async () => {
  const app = appRepository(docker)
  const dead = await freePort()
  const r = await runKit('image/build', ['backend-flask'], {
    cwd: app.root,
    env: kitEnv({ AWS_DEFAULT_REGION: undefined, AWS_REGION: undefined, AWS_ENDPOINT_URL: `http://127.0.0.1:${dead}` }),
  })
  assert.is(r.code, 0, r.all)
  assert.not.match(r.stdout, 'Build arguments')
})

test('push: logs in (password on stdin only), uploads, prints the digest the registry holds; a second push uploads nothing (registry API check)', async () => {
  const app = appRepository(docker)
  const env = kitEnv()
  const built = await runKit('image/build', ['backend-flask'], { cwd: app.root, env })
  assert.is(built.code, 0, built.all)

  const before = blobUploads(docker)
  const first = await runKit('image/push', ['backend-flask'], { cwd: app.root, env })
  assert.is(first.code, 0, first.all)
  assert.match(first.stdout, `Logging docker in to ${docker.registry}`)
  const digest = await registryDigest('backend-flask', app.commit)
  assert.ok(digest, 'the registry does not hold the tag')
  assert.match(first.stdout, `Pushed ${docker.registry}/backend-flask:${app.commit} ${digest}`)
  assert.ok(blobUploads(docker) > before, 'no blob was uploaded')
  assert.not.ok(first.all.includes(docker.password), 'the registry password was printed')
  const config = readFileSync(join(env.DOCKER_CONFIG as string, 'config.json'), 'utf8')
  assert.ok(JSON.parse(config).auths[docker.registry], 'docker was not logged in')

  const uploads = blobUploads(docker)
  const second = await runKit('image/push', ['backend-flask', '--json'], { cwd: app.root, env })
  assert.is(second.code, 0, second.all)
  assert.match(second.stdout, `${docker.registry}/backend-flask:${app.commit} is already in the registry with the same image (${digest}): nothing pushed`)
  assert.not.match(second.stdout, 'Logging docker in')
  assert.is(blobUploads(docker), uploads, 'the second push uploaded')
  const doc = JSON.parse(second.stdout.trim().split('\n').at(-1) as string)
  assert.equal([doc.pushed, doc.digest], [false, digest])
})

test('push: a changed image under the same tag is pushed again; --tag pushes another tag', async () => {
  const app = appRepository(docker)
  const env = kitEnv()
  assert.is((await runKit('image/build', ['backend-flask', '--tag', 'moving'], { cwd: app.root, env })).code, 0)
  assert.is((await runKit('image/push', ['backend-flask', '--tag', 'moving'], { cwd: app.root, env })).code, 0)
  const firstDigest = await registryDigest('backend-flask', 'moving')
  writeFileSync(join(app.root, 'backend-flask', 'www', 'health'), `changed ${Date.now()}\n`)
  assert.is((await runKit('image/build', ['backend-flask', '--tag', 'moving'], { cwd: app.root, env })).code, 0)
  const r = await runKit('image/push', ['backend-flask', '--tag', 'moving'], { cwd: app.root, env })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /Pushed .*backend-flask:moving sha256:/)
  assert.match(r.stdout, "the registry's moving is another image")
  assert.is.not(await registryDigest('backend-flask', 'moving'), firstDigest)
})

test('push: no local image says to build it first; AWS as an emulator with a real ECR host is refused (exit 2)', async () => {
  const app = appRepository(docker)
  const r1 = await runKit('image/push', ['backend-flask', '--tag', 'never-built'], { cwd: app.root, env: kitEnv() })
  assert.is(r1.code, 1, r1.all)
  assert.match(r1.stderr, 'there is no local image backend-flask:never-built: build it first with ./scripts/image/build backend-flask --tag never-built')

  const r2 = await runKit('image/push', ['backend-flask', '--tag', 'x'], { cwd: app.root, env: kitEnv({ ECR_REGISTRY: undefined }) })
  assert.is(r2.code, 2, r2.all)
  assert.match(r2.stderr, 'would send docker to a real AWS registry')
  assert.match(r2.stderr, 'set ECR_REGISTRY')
})

test('push refused by an immutable tag (scripted ECR answer to the manifest PUT, at the HTTP level in front of the real registry): one line saying what to do', async () => {
  const app = appRepository(docker)
  assert.is((await runKit('image/build', ['backend-flask', '--tag', 'fixed'], { cwd: app.root, env: kitEnv() })).code, 0)
  assert.is((await runKit('image/push', ['backend-flask', '--tag', 'fixed'], { cwd: app.root, env: kitEnv() })).code, 0)
  writeFileSync(join(app.root, 'backend-flask', 'www', 'health'), `other ${Date.now()}\n`)
  assert.is((await runKit('image/build', ['backend-flask', '--tag', 'fixed'], { cwd: app.root, env: kitEnv() })).code, 0)
  const proxy = await immutableRegistry(docker)
  try {
    const r = await runKit('image/push', ['backend-flask', '--tag', 'fixed'], { cwd: app.root, env: kitEnv({ ECR_REGISTRY: proxy.registry }) })
    assert.is(r.code, 1, r.all)
    assert.match(r.stderr, 'image/push: backend-flask already has a different image tagged fixed, and its tags are immutable: push under a new tag (--tag')
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  } finally {
    await proxy.stop()
  }
})

/** A TCP port that takes connections and never answers (a hung daemon or registry). */
async function silentPort(): Promise<{ port: number; stop(): Promise<void> }> {
  const { createServer } = await import('node:net')
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    stop: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

test('a Docker daemon that takes the connection and never answers: build and push end in one line naming it, within DOCKER_TIMEOUT', async () => {
  const app = appRepository(docker)
  const hung = await silentPort()
  try {
    const env = kitEnv({ DOCKER_HOST: `tcp://127.0.0.1:${hung.port}`, DOCKER_TIMEOUT: '2' })
    for (const [script, args] of [['image/build', ['backend-flask', '--tag', 'hung']], ['image/push', ['backend-flask', '--tag', 'hung']]] as const) {
      const started = Date.now()
      const r = await runKit(script, [...args], { cwd: app.root, env, timeoutMs: 30000 })
      assert.is(r.code, 1, `${script}: ${r.all}`)
      assert.ok(Date.now() - started < 20000, `${script} took ${Date.now() - started} ms`)
      assert.match(r.stderr, `the Docker daemon at tcp://127.0.0.1:${hung.port} (DOCKER_HOST) gave no answer to docker`)
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  } finally {
    await hung.stop()
  }
})

test('push to a registry that hangs, or is down: one line naming the registry, "timed out" or "refused", not the AWS endpoint', async () => {
  const app = appRepository(docker)
  assert.is((await runKit('image/build', ['backend-flask', '--tag', 'nowhere'], { cwd: app.root, env: kitEnv() })).code, 0)
  const hung = await silentPort()
  try {
    const registry = `127.0.0.1:${hung.port}`
    const r = await runKit('image/push', ['backend-flask', '--tag', 'nowhere'], { cwd: app.root, env: kitEnv({ ECR_REGISTRY: registry, REGISTRY_TIMEOUT: '2' }), timeoutMs: 40000 })
    assert.is(r.code, 1, r.all)
    assert.match(r.stderr, `the registry ${registry} timed out: no answer in 2 s`, r.all)
    assert.not.match(r.stderr, /AWS_ENDPOINT_URL|no answer from http/)
  } finally {
    await hung.stop()
  }
  const closed = await freePort()
  const r = await runKit('image/push', ['backend-flask', '--tag', 'nowhere'], { cwd: app.root, env: kitEnv({ ECR_REGISTRY: `127.0.0.1:${closed}` }) })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, `the registry 127.0.0.1:${closed} refused the connection`)
  assert.not.match(r.stderr, 'unexpected error')
})

test('push refused with 401 (scripted: the first manifest upload refused, at the HTTP level in front of the real registry): logs in again, retries once, succeeds', async () => {
  const app = appRepository(docker)
  assert.is((await runKit('image/build', ['backend-flask', '--tag', 'relogin'], { cwd: app.root, env: kitEnv() })).code, 0)
  const { createServer, request } = await import('node:http')
  const [host, port] = docker.registry.split(':')
  let refused = 0
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && /\/manifests\//.test(req.url ?? '') && refused === 0) {
      refused++
      req.resume()
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="cruddur-kit-local-registry"', 'docker-distribution-api-version': 'registry/2.0' })
      return res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }))
    }
    const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxy = `127.0.0.1:${(server.address() as { port: number }).port}`
  try {
    const r = await runKit('image/push', ['backend-flask', '--tag', 'relogin'], { cwd: app.root, env: kitEnv({ ECR_REGISTRY: proxy }) })
    assert.is(refused, 1, 'the scripted refusal was not reached')
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, `${proxy} refused the push`)
    assert.is(r.stdout.split(`Logging docker in`).length - 1 + r.stdout.split('logging docker in again').length - 1, 2, r.stdout)
    assert.match(r.stdout, `Pushed ${proxy}/backend-flask:relogin sha256:`)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

test('emulator + local registry: push, then verify finds the image where it was pushed, with the digest and platform the registry holds', async () => {
  const app = appRepository(docker)
  const env = kitEnv({ IMAGE_TAG: 'verified', ECS_SERVICES: 'backend-flask', AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool', AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id' })
  assert.is((await runKit('image/build', ['backend-flask', '--tag', 'verified'], { cwd: app.root, env })).code, 0)
  assert.is((await runKit('image/push', ['backend-flask', '--tag', 'verified'], { cwd: app.root, env })).code, 0)
  const digest = await registryDigest('backend-flask', 'verified')
  assert.ok(digest)
  const r = await runKit('verify', [], { env })
  const line = (check: string) => r.stdout.split('\n').find((l) => l.split(/\s{2,}/)[1] === check && /backend-flask/.test(l)) ?? ''
  assert.match(line('image'), /^✓/, r.stdout)
  assert.match(line('image'), `backend-flask:verified exists (${(digest as string).slice(0, 19)}…)`)
  assert.match(line('image platform'), /^✓/, r.stdout)
})

test('mirror: a local base image copied into cruddur-<name> with its tag; the second run skips it', async () => {
  const ctx = busyboxContext(docker, { port: 1, dir: temp('kit-base-') })
  docker_('build', '--tag', 'kit-base:1.0', ctx.dir)
  const env = kitEnv()
  const before = blobUploads(docker)
  const r1 = await runKit('image/mirror', ['kit-base:1.0'], { env })
  assert.is(r1.code, 0, r1.all)
  assert.match(r1.stdout, `Mirrored kit-base:1.0 to ${docker.registry}/cruddur-kit-base:1.0 sha256:`)
  assert.not.match(r1.stdout, 'Pulling')
  assert.ok(await registryDigest('cruddur-kit-base', '1.0'))
  assert.ok(blobUploads(docker) > before)
  const uploads = blobUploads(docker)
  const r2 = await runKit('image/mirror', ['kit-base:1.0', 'cruddur-kit-base'], { env })
  assert.is(r2.code, 0, r2.all)
  assert.match(r2.stdout, 'is already in the registry with the same image')
  assert.is(blobUploads(docker), uploads)
})

test('mirror: an image of the wrong architecture for --arch is refused before any push', async () => {
  const ctx = busyboxContext(docker, { port: 1, dir: temp('kit-base-') })
  docker_('build', '--tag', 'kit-base:amd', ctx.dir)
  const r = await runKit('image/mirror', ['kit-base:amd', '--arch', 'ARM64'], { env: kitEnv() })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, 'the image is linux/amd64 but the task runs on linux/arm64')
  assert.is(await registryDigest('cruddur-kit-base', 'amd'), undefined)
})

test.run()
