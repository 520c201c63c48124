// The image part of `npm run demo`, when Docker is available: build a tiny offline image
// (FROM scratch, the static busybox serving a health file), push it to a throwaway local
// registry whose user is the emulator's ECR login, run it with ecs/run-local to a healthy
// verdict, with a secret from the emulator's SSM, and hand the same environment on (the demo
// deploys that very image from that registry). Each step is the kit's own script, run as a
// user would; everything is removed afterwards. When something is missing it says what and
// does nothing.
import { spawn } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { openContext } from '../aws/context.js'
import { freePort, isLoopbackUrl } from '../aws/emulator.js'
import { ROOT } from '../config/paths.js'
import { onPath } from '../core/shell.js'
import { registerSecret } from '../core/redact.js'
import { cleanUpOnSignal } from '../core/on-signal.js'
import { decodeAuthorizationToken } from '../ops/ecr-login.js'
import { docker } from './docker.js'
import { startLocalRegistry, type LocalRegistry } from './local-registry.js'
import { startPrivateDockerd, type PrivateDockerd } from './private-dockerd.js'
import { localContainerName } from './run-local.js'

/** A static busybox (the demo and test images are FROM scratch), or undefined. */
export function staticBusybox(): string | undefined {
  const path = existsSync('/bin/busybox') ? '/bin/busybox' : onPath('busybox')
  if (!path) return undefined
  // A dynamic binary would need a libc in the image: a static ELF has no PT_INTERP (no "/lib" loader path).
  const head = readFileSync(path).subarray(0, 4096).toString('latin1')
  return head.includes('ld-linux') || head.includes('/lib64/ld') ? undefined : path
}

/**
 * A build context: FROM scratch, busybox as /bin/busybox and /bin/sh (it acts as the applet it
 * is called by), /www/health, and `busybox httpd` on 127.0.0.1:PORT as the command. No RUN
 * step, so the build needs no network.
 */
export function writeBusyboxContext(dir: string, busybox: string, port: number, extra = ''): void {
  mkdirSync(join(dir, 'www'), { recursive: true })
  copyFileSync(busybox, join(dir, 'busybox'))
  chmodSync(join(dir, 'busybox'), 0o755)
  writeFileSync(join(dir, 'www', 'health'), 'ok\n')
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      'COPY busybox /bin/sh',
      'COPY www /www',
      `CMD ["/bin/busybox", "httpd", "-f", "-p", "127.0.0.1:${port}", "-h", "/www"]`,
      extra,
      '',
    ].join('\n'),
  )
}

/**
 * Which Docker daemon the image part uses: the one that answers; else, as root with dockerd
 * installed, a private one it starts (as the tests do); else it is skipped, saying why. Pure.
 */
export function daemonChoice(answers: boolean, dockerdInstalled: boolean, root: boolean): { daemon: 'running' | 'private' } | { skipped: string } {
  if (answers) return { daemon: 'running' }
  if (!dockerdInstalled) return { skipped: 'the Docker daemon is not running (start it: sudo systemctl start docker)' }
  if (!root) return { skipped: 'the Docker daemon is not running, and the private one the demo would start needs root (run the demo as root, or start Docker: sudo systemctl start docker)' }
  return { daemon: 'private' }
}

export interface ImageDemoResult {
  /** Why the image part did not run, when it did not. */
  skipped?: string
  ok: boolean
}

function runScriptLine(script: string, args: string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    print(`$ ./scripts/${script} ${args.join(' ')}`)
    const child = spawn(join(ROOT, 'scripts', script), args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let pending = ''
    const take = (d: Buffer) => {
      const lines = (pending + d.toString('utf8')).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) print(`  ${line}`)
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    child.on('error', reject)
    child.on('close', (code) => {
      if (pending) print(`  ${pending}`)
      resolve(code ?? 1)
    })
  })
}

/**
 * Build, push and run-local the demo image against the emulator in `env` (AWS_ENDPOINT_URL on
 * loopback; it puts its own throwaway secret in the emulator's SSM). `print` shows progress.
 * Never touches the user's docker login: it uses its own DOCKER_CONFIG.
 */
export async function imageDemo(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  service = 'backend-flask',
  /** Run after the image is pushed and runs, while the registry is up, with the environment the steps used (ECR_REGISTRY, IMAGE_TAG): the demo deploys it. */
  then?: (imageEnv: NodeJS.ProcessEnv) => Promise<boolean>,
): Promise<ImageDemoResult> {
  if (!isLoopbackUrl(env.AWS_ENDPOINT_URL)) return { skipped: 'AWS_ENDPOINT_URL is not a local emulator', ok: false }
  if (!onPath('docker', env.PATH)) return { skipped: 'docker is not installed (Debian/Ubuntu: sudo apt-get install docker.io)', ok: false }
  if (!onPath('docker-registry', env.PATH) || !onPath('htpasswd', env.PATH)) {
    return { skipped: 'no local registry to push to (sudo apt-get install docker-registry apache2-utils)', ok: false }
  }
  const busybox = staticBusybox()
  if (!busybox) return { skipped: 'no static busybox to build the offline demo image from (sudo apt-get install busybox-static)', ok: false }
  const answers = await docker(['version', '--format', '{{.Server.Version}}'], env).then((up) => up.code === 0, () => false)
  const daemon = daemonChoice(answers, onPath('dockerd', env.PATH) !== undefined, process.getuid?.() === 0)
  if ('skipped' in daemon) return { skipped: daemon.skipped, ok: false }

  const dir = mkdtempSync(join(tmpdir(), 'kit-demo-images-'))
  const tag = 'demo'
  // Started, or being started when a signal comes: either way the end stops them.
  let registryStart: Promise<LocalRegistry> | undefined
  let daemonStart: Promise<PrivateDockerd> | undefined
  let runEnv: NodeJS.ProcessEnv = env
  // What the end does, also when a signal ends the demo first (once, whichever comes first).
  let cleaning: Promise<void> | undefined
  const cleanUp = () =>
    (cleaning ??= (async () => {
      // A private daemon's container and images go with it.
      if (daemon.daemon === 'running') {
        await docker(['rm', '--force', localContainerName(service)], runEnv).catch(() => undefined)
        const images = [`${service}:${tag}`, ...(runEnv.ECR_REGISTRY ? [`${runEnv.ECR_REGISTRY}/${service}:${tag}`] : [])]
        await docker(['image', 'rm', ...images], runEnv).catch(() => undefined)
      }
      await registryStart?.then((local) => local.stop(), () => undefined)
      await daemonStart?.then((started) => started.stop(), () => undefined)
      rmSync(dir, { recursive: true, force: true })
    })())
  const release = cleanUpOnSignal(cleanUp)
  try {
    if (daemon.daemon === 'private') {
      // A folder of its own, not one inside dir: the shorter path leaves room for its sockets.
      daemonStart = startPrivateDockerd(mkdtempSync(join(tmpdir(), 'kit-dockerd-')), { path: env.PATH })
      runEnv = { ...env, ...(await daemonStart).env }
      print('Started a private Docker daemon for the demo (stopped at the end)')
    }
    // The registry's user is the emulator's ECR login, so the kit logs in the way it does with ECR.
    const context = await openContext(env, { mode: 'apply' })
    const ecr = context.client(ECRClient, 'ECR')
    const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken ?? ''
    registerSecret(token)
    const { username, password } = decodeAuthorizationToken(token)
    registerSecret(password)
    registryStart = startLocalRegistry(dir, username, password)
    const local = await registryStart
    print(`A local registry on ${local.registry} stands in for ECR (its login is the emulator's ECR token)`)

    // Its own throwaway secret in the emulator's SSM, which run-local fetches and hands to the container.
    const secretName = `/cruddur-kit-demo/${service}/CONNECTION_URL`
    const secretValue = 'postgresql://cruddur:demo-image-password@db.example.invalid:5432/cruddur'
    registerSecret(secretValue)
    await context.client(SSMClient, 'SSM').send(new PutParameterCommand({ Name: secretName, Value: secretValue, Type: 'SecureString', Overwrite: true }))

    const port = await freePort()
    const source = join(dir, service)
    writeBusyboxContext(source, busybox, port)
    const taskDefinition = join(dir, `${service}.json`)
    writeFileSync(
      taskDefinition,
      JSON.stringify(
        {
          family: service,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          runtimePlatform: { cpuArchitecture: process.arch === 'arm64' ? 'ARM64' : 'X86_64', operatingSystemFamily: 'LINUX' },
          containerDefinitions: [
            {
              name: service,
              image: `\${ECR_REGISTRY}/${service}:\${IMAGE_TAG}`,
              essential: true,
              secrets: [{ name: 'CONNECTION_URL', valueFrom: secretName }],
              portMappings: [{ containerPort: port, protocol: 'tcp' }],
              healthCheck: { command: ['CMD-SHELL', `/bin/busybox wget -q -O - http://127.0.0.1:${port}/health || exit 1`], interval: 5, timeout: 2, retries: 3, startPeriod: 0 },
              linuxParameters: { initProcessEnabled: true },
            },
          ],
        },
        null,
        2,
      ),
    )
    runEnv = { ...runEnv, ECR_REGISTRY: local.registry, IMAGE_TAG: tag, DOCKER_CONFIG: join(dir, 'docker-config'), FORCE_COLOR: undefined }
    const steps: Array<[string, string[]]> = [
      ['image/build', [service, '--context', source, '--tag', tag, '--task-definition', taskDefinition]],
      ['image/push', [service, '--tag', tag, '--task-definition', taskDefinition]],
      ['ecs/run-local', [service, '--detach', '--task-definition', taskDefinition]],
    ]
    for (const [script, args] of steps) {
      if ((await runScriptLine(script, args, runEnv, print)) !== 0) return { ok: false }
    }
    return { ok: then ? await then(runEnv) : true }
  } finally {
    await cleanUp()
    release()
  }
}
