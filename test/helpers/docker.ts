// A real Docker daemon and a real registry for the test run, on this machine only: test/run.ts
// starts them (when dockerd and docker-registry are installed) before uvu and stops them after.
// dockerd is lib/images/private-dockerd.ts's (the demo starts the same one when no daemon
// answers): its own data root, exec root, pid file and unix socket under a temp folder, no
// bridge and no iptables (containers use --network host); the registry listens on 127.0.0.1
// with htpasswd (bcrypt) auth, so `docker login --password-stdin` runs for real. Test files
// learn where they are from the environment (dockerTestEnv), and fail with one line saying
// what to install when they are absent.
import { startLocalRegistry, type LocalRegistry } from '../../lib/images/local-registry.js'
import { staticBusybox, writeBusyboxContext } from '../../lib/images/demo.js'
import { startPrivateDockerd, type PrivateDockerd } from '../../lib/images/private-dockerd.js'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite, type Test } from 'uvu'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { onPath } from '../../lib/core/shell.js'

export const DOCKER_PACKAGES = 'docker.io containerd runc docker-registry apache2-utils busybox-static'
export const DOCKER_MISSING =
  `the Docker tests need a local dockerd and registry: install them with ` +
  `sudo apt-get install ${DOCKER_PACKAGES} (bash .ci/run does), then run them through npm test / npx tsx test/run.ts, which starts both`

/** What the test files read (set by test/run.ts from a running stack). */
export interface DockerTestEnv {
  /** unix:///.../docker.sock */
  host: string
  /** 127.0.0.1:PORT */
  registry: string
  user: string
  password: string
  /** The registry's log (one line per HTTP request), to count uploads. */
  registryLog: string
  /** The static busybox the test images are made of. */
  busybox: string
}

export interface DockerStack extends DockerTestEnv {
  /** Environment for the tests: DOCKER_HOST, PATH with Debian's docker first, KIT_TEST_*. */
  env: Record<string, string>
  stop(): Promise<void>
}

/** Programs the stack needs, those missing from PATH. */
export function missingPrograms(): string[] {
  const programs = ['dockerd', 'docker-registry', 'htpasswd', 'docker'].filter((p) => !onPath(p))
  return staticBusybox() ? programs : [...programs, 'a static busybox']
}

const busyboxPath = (): string => staticBusybox() as string

/** moto's ECR credentials (what ecr/login hands docker), so the registry accepts the kit's real login path. */
async function motoEcrCredentials(endpoint: string): Promise<{ user: string; password: string }> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const ecr = new ECRClient({ region: process.env.AWS_DEFAULT_REGION ?? 'eu-west-2', endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })
  try {
    const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken ?? ''
    const text = Buffer.from(token, 'base64').toString('utf8')
    return { user: text.slice(0, text.indexOf(':')), password: text.slice(text.indexOf(':') + 1) }
  } finally {
    ecr.destroy()
  }
}

/**
 * Start dockerd and the registry. The registry's one user is moto's ECR user and password, so
 * the kit's login (GetAuthorizationToken from moto, then docker login --password-stdin) is the
 * real path end to end.
 */
export async function startDockerStack(awsEndpoint: string): Promise<DockerStack> {
  const missing = missingPrograms()
  if (missing.length) throw new Error(`${missing.join(', ')} not found on PATH: ${DOCKER_MISSING}`)
  if (process.getuid?.() !== 0) throw new Error('the Docker tests start their own dockerd, which needs root: run them as root (as CI does)')
  const dir = mkdtempSync(join(tmpdir(), 'kit-dockerd-'))
  // The daemon is lib/images/private-dockerd.ts's, as the demo's is; the registry sits beside it.
  let dockerd: PrivateDockerd
  try {
    dockerd = await startPrivateDockerd(join(dir, 'dockerd'))
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const host = dockerd.host
  let local: LocalRegistry
  let user: string
  let password: string
  try {
    ;({ user, password } = await motoEcrCredentials(awsEndpoint))
    local = await startLocalRegistry(dir, user, password)
  } catch (error) {
    await dockerd.stop()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const registry = local.registry
  const registryLog = local.log

  const env: Record<string, string> = {
    ...dockerd.env,
    KIT_TEST_DOCKER_HOST: host,
    KIT_TEST_REGISTRY: registry,
    KIT_TEST_REGISTRY_USER: user,
    KIT_TEST_REGISTRY_PASSWORD: password,
    KIT_TEST_REGISTRY_LOG: registryLog,
    KIT_TEST_BUSYBOX: busyboxPath(),
  }
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    // The daemon goes with the containers the tests left behind; then the registry.
    await dockerd.stop()
    await local.stop()
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch (error) {
      process.stderr.write(`could not remove ${dir}: ${(error as Error).message}\n`)
    }
  }
  return { host, registry, user, password, registryLog, busybox: env.KIT_TEST_BUSYBOX, env, stop }
}

/** The running stack as the test files see it, or why there is none. */
export function dockerTestEnv(): DockerTestEnv | { missing: string } {
  const e = process.env
  if (!e.KIT_TEST_DOCKER_HOST || !e.KIT_TEST_REGISTRY) return { missing: e.KIT_TEST_DOCKER_ERROR ? `the Docker stack did not start (${e.KIT_TEST_DOCKER_ERROR})` : DOCKER_MISSING }
  return {
    host: e.KIT_TEST_DOCKER_HOST,
    registry: e.KIT_TEST_REGISTRY,
    user: e.KIT_TEST_REGISTRY_USER as string,
    password: e.KIT_TEST_REGISTRY_PASSWORD as string,
    registryLog: e.KIT_TEST_REGISTRY_LOG as string,
    busybox: e.KIT_TEST_BUSYBOX as string,
  }
}

/**
 * A uvu suite for tests that need Docker. Without a stack it is a suite with one failing test
 * that says what to install (the file's own tests are not registered), so a machine without
 * Docker never passes these silently.
 */
export function dockerSuite(title: string): { test: Test; docker: DockerTestEnv } {
  const found = dockerTestEnv()
  if (!('missing' in found)) return { test: suite(title), docker: found }
  const real = suite(title)
  real('needs Docker and a local registry', () => {
    throw new Error(found.missing)
  })
  const noop = () => {}
  const hook = Object.assign(noop, { each: noop })
  const fake = Object.assign(() => {}, { before: hook, after: hook, only: noop, skip: noop, run: () => real.run() })
  return { test: fake as unknown as Test, docker: undefined as unknown as DockerTestEnv }
}

/** Count of the registry's blob-upload requests (POST/PATCH/PUT .../blobs/uploads) in its log so far. */
export function blobUploads(docker: DockerTestEnv): number {
  const log = readFileSync(docker.registryLog, 'utf8')
  return log.split('\n').filter((l) => /http\.request\.method=(POST|PATCH|PUT)/.test(l) && /blobs\/uploads/.test(l) && /response completed/.test(l)).length
}

export interface BusyboxContext {
  dir: string
  remove(): void
}

/** A build context for the tiny offline test image (lib/images/demo.ts's): busybox httpd on `port`. */
export function busyboxContext(docker: DockerTestEnv, options: { port: number; extra?: string; dir?: string }): BusyboxContext {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kit-image-'))
  writeBusyboxContext(dir, docker.busybox, options.port, options.extra)
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * A proxy in front of the test registry that answers a manifest PUT for a tag it already holds
 * the way ECR does for a repository with immutable tags (HTTP 400, TAG_INVALID, ECR's wording);
 * everything else is forwarded untouched (the Host header kept, so upload URLs point back here).
 */
export async function immutableRegistry(docker: DockerTestEnv): Promise<{ registry: string; stop(): Promise<void> }> {
  const { createServer, request } = await import('node:http')
  const [host, port] = docker.registry.split(':')
  const server = createServer((req, res) => {
    const put = req.method === 'PUT' ? /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '') : null
    const forward = () => {
      const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      upstream.on('error', () => res.destroy())
      req.pipe(upstream)
    }
    if (!put) return forward()
    const [, repository, tag] = put
    // Does the registry hold the tag? Ask it with the request's own credentials.
    const head = request({ host, port: Number(port), method: 'HEAD', path: `/v2/${repository}/manifests/${tag}`, headers: { authorization: req.headers.authorization ?? '', accept: req.headers['content-type'] ?? '' } }, (answer) => {
      answer.resume()
      if (answer.statusCode !== 200) return forward()
      req.resume()
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' })
      res.end(
        JSON.stringify({
          errors: [
            {
              code: 'TAG_INVALID',
              message: `The image tag '${tag}' already exists in the '${repository}' repository and cannot be overwritten because the repository is immutable.`,
            },
          ],
        }),
      )
    })
    head.on('error', () => res.destroy())
    head.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return {
    registry: `127.0.0.1:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
