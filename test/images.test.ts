import './helpers/guard.js'
import { isAwsHost } from '../lib/aws/registry.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { healthFlags, healthSettings, verdictOf, verdictDeadlineSeconds } from '../lib/images/health.js'
import { formatReference, localImage, mirrorRepository, parseReference, platformMismatch, sourceTag, taskPlatform } from '../lib/images/naming.js'
import { mainContainer, runPlan, ssmParameterName } from '../lib/images/task.js'
import { bearerChallenge, registryUrl } from '../lib/images/registry.js'
import { immutableTagRefusal, needsLogin } from '../lib/images/docker.js'
import { verdictLine } from '../lib/images/run-local.js'
import { daemonChoice } from '../lib/images/demo.js'
import { mountsUnder, privateDockerdArgs, startPrivateDockerd } from '../lib/images/private-dockerd.js'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runKit } from './helpers/run.js'

const naming = suite('lib/images/naming (pure)')
naming('sourceTag: the short commit, -dirty with uncommitted changes', () => {
  assert.is(sourceTag('086af73', false), '086af73')
  assert.is(sourceTag('086af73', true), '086af73-dirty')
})
naming('taskPlatform: amd64 unless runtimePlatform says ARM64; other values refused', () => {
  const table: Array<[unknown, string]> = [
    [{}, 'linux/amd64'],
    [{ runtimePlatform: { cpuArchitecture: 'X86_64' } }, 'linux/amd64'],
    [{ runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' } }, 'linux/arm64'],
  ]
  for (const [td, want] of table) assert.is(taskPlatform(td, 'td.json').name, want)
  assert.throws(() => taskPlatform({ runtimePlatform: { cpuArchitecture: 'arm' } }, 'td.json'), /must be X86_64 or ARM64/)
  assert.throws(() => taskPlatform({ runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' } }, 'td.json'), /Linux images only/)
})
naming('platformMismatch: the Apple Silicon trap and its mirror image', () => {
  const amd = taskPlatform({}, 'x')
  const arm = taskPlatform({ runtimePlatform: { cpuArchitecture: 'ARM64' } }, 'x')
  assert.is(platformMismatch({ os: 'linux', architecture: 'amd64' }, amd), undefined)
  assert.is(platformMismatch({ os: 'linux', architecture: 'arm64', variant: 'v8' }, arm), undefined)
  assert.is(platformMismatch({ os: 'linux', architecture: 'arm64', variant: 'v8' }, amd), 'the image is linux/arm64/v8 but the task runs on linux/amd64')
  assert.is(platformMismatch({ os: 'linux', architecture: 'amd64' }, arm), 'the image is linux/amd64 but the task runs on linux/arm64')
})
naming('parseReference / formatReference: registries, ports, tags, digests, as docker reads them', () => {
  const table: Array<[string, object]> = [
    ['python:3.10-slim-buster', { repository: 'python', tag: '3.10-slim-buster' }],
    ['library/python', { repository: 'library/python' }],
    ['127.0.0.1:5000/backend-flask:abc1234', { registry: '127.0.0.1:5000', repository: 'backend-flask', tag: 'abc1234' }],
    ['localhost/x/y:1', { registry: 'localhost', repository: 'x/y', tag: '1' }],
    ['123456789012.dkr.ecr.eu-west-2.amazonaws.com/cruddur-python:3.10-slim-buster', { registry: '123456789012.dkr.ecr.eu-west-2.amazonaws.com', repository: 'cruddur-python', tag: '3.10-slim-buster' }],
    [`busybox@sha256:${'a'.repeat(64)}`, { repository: 'busybox', digest: `sha256:${'a'.repeat(64)}` }],
  ]
  for (const [text, want] of table) {
    assert.equal(parseReference(text), want, text)
    assert.is(formatReference(parseReference(text)), text)
  }
  assert.throws(() => parseReference('Upper/Case'), /not an image reference/)
  assert.throws(() => parseReference('x:bad tag'), /not an image reference/)
  assert.throws(() => parseReference('name@sha256:deadbeef'), /"sha256:deadbeef" is not an image digest/)
  assert.throws(() => parseReference(`name@md5:${'a'.repeat(64)}`), /is not an image digest/)
})
naming("localImage swaps only the account's ECR host for ECR_REGISTRY; isAwsHost; mirrorRepository", () => {
  const ecr = '123456789012.dkr.ecr.eu-west-2.amazonaws.com'
  assert.is(localImage(`${ecr}/backend-flask:abc`, ecr, '127.0.0.1:5000'), '127.0.0.1:5000/backend-flask:abc')
  assert.is(localImage('nginx:alpine', ecr, '127.0.0.1:5000'), 'nginx:alpine')
  assert.is(localImage(`${ecr}/backend-flask:abc`, ecr, undefined), `${ecr}/backend-flask:abc`)
  assert.ok(isAwsHost(ecr))
  assert.not.ok(isAwsHost('127.0.0.1:5000'))
  assert.is(mirrorRepository(parseReference('python:3.10-slim-buster')), 'cruddur-python')
})
naming.run()

const health = suite('lib/images/health (pure): ECS health checks as docker flags')
health('CMD-SHELL with every field, ECS defaults for the missing ones', () => {
  const s = healthSettings({ command: ['CMD-SHELL', 'python /backend-flask/bin/flask/health-check'], interval: 30, timeout: 5, retries: 3, startPeriod: 60 }, 'td')
  assert.equal(healthFlags(s), [
    '--health-cmd', 'python /backend-flask/bin/flask/health-check',
    '--health-interval', '30s', '--health-timeout', '5s', '--health-retries', '3', '--health-start-period', '60s',
  ])
  const d = healthSettings({ command: ['CMD-SHELL', 'curl -f http://localhost:3000 || exit 1'] }, 'td')
  assert.equal([d.interval, d.timeout, d.retries, d.startPeriod], [30, 5, 3, 0])
})
health('CMD form is quoted word by word for the shell', () => {
  assert.is(healthSettings({ command: ['CMD', '/bin/check', "it's", 'a b'] }, 'td').shell, `'/bin/check' 'it'\\''s' 'a b'`)
})
health('values ECS would reject are refused, naming the field and the range', () => {
  const table: Array<[object, RegExp]> = [
    [{ command: ['CMD-SHELL', 'x'], interval: 1 }, /interval must be a whole number from 5 to 300/],
    [{ command: ['CMD-SHELL', 'x'], timeout: 1 }, /timeout must be a whole number from 2 to 120/],
    [{ command: ['CMD-SHELL', 'x'], retries: 11 }, /retries must be a whole number from 1 to 10/],
    [{ command: ['CMD-SHELL', 'x'], startPeriod: 301 }, /startPeriod must be a whole number from 0 to 300/],
    [{ command: ['SHELL', 'x'] }, /must start with "CMD-SHELL" or "CMD"/],
    [{ command: 'curl x' }, /must be \["CMD-SHELL"/],
  ]
  for (const [check, error] of table) assert.throws(() => healthSettings(check, 'td'), error)
})
health('no health check: --no-healthcheck (ECS ignores the image HEALTHCHECK)', () => {
  assert.equal(healthFlags(undefined), ['--no-healthcheck'])
  assert.is(verdictDeadlineSeconds(undefined), 5)
})
health("verdictOf reads docker's state", () => {
  const log = [{ ExitCode: 0, Output: 'ok\n' }, { ExitCode: 1, Output: 'wget: can\'t connect\n' }]
  assert.equal(verdictOf({ Status: 'running', Running: true, Health: { Status: 'starting' } }, true, true), { kind: 'pending' })
  assert.equal(verdictOf({ Status: 'running', Running: true, Health: { Status: 'healthy', Log: log.slice(0, 1) } }, true, true), { kind: 'healthy', exitCode: 0, output: 'ok', failingStreak: 0 })
  assert.equal(verdictOf({ Status: 'running', Running: true, Health: { Status: 'unhealthy', FailingStreak: 3, Log: log } }, true, true), {
    kind: 'unhealthy', exitCode: 1, output: "wget: can't connect", failingStreak: 3,
  })
  assert.equal(verdictOf({ Status: 'exited', Running: false, ExitCode: 3 }, true, false), { kind: 'exited', exitCode: 3, oomKilled: false })
  assert.equal(verdictOf({ Status: 'running', Running: true }, false, false), { kind: 'pending' })
  assert.equal(verdictOf({ Status: 'running', Running: true }, false, true), { kind: 'running' })
})
health('verdictLine says healthy/unhealthy/exited with the last output', () => {
  assert.match(verdictLine('svc', { kind: 'healthy', output: 'ok', failingStreak: 0 }, 5.04), '[OK] svc is healthy after 5.0 s (last health check: "ok")')
  assert.match(verdictLine('svc', { kind: 'unhealthy', exitCode: 1, output: 'refused', failingStreak: 3 }, 9), '[BAD] svc is unhealthy after 9.0 s: 3 health checks failed in a row; last exit 1, output: "refused"')
  assert.match(verdictLine('svc', { kind: 'exited', exitCode: 3, oomKilled: false }, 1, 'boom'), '[BAD] svc exited with code 3 after 1.0 s; its last output: boom')
})
health.run()

const task = suite('lib/images/task (pure): a container definition as docker run')
const td = {
  containerDefinitions: [
    { name: 'sidecar', image: 'x' },
    {
      name: 'svc',
      image: '127.0.0.1:5000/svc:abc',
      entryPoint: ['/bin/sh', '-c'],
      command: ['exec httpd'],
      environment: [{ name: 'A', value: '1' }],
      secrets: [{ name: 'TOKEN', valueFrom: 'arn:aws:ssm:eu-west-2:123456789012:parameter/cruddur/svc/TOKEN' }],
      portMappings: [{ containerPort: 4567 }],
      healthCheck: { command: ['CMD-SHELL', 'true'], interval: 5 },
      linuxParameters: { initProcessEnabled: true },
      stopTimeout: 2,
    },
  ],
}
task('the container named after the service; the only one otherwise; a clear error else', () => {
  assert.is(mainContainer(td, 'svc', 'td.json').name, 'svc')
  assert.is(mainContainer({ containerDefinitions: [{ name: 'other', image: 'x' }] }, 'svc', 'td.json').name, 'other')
  assert.throws(() => mainContainer(td, 'nope', 'td.json'), /no container is named nope \(found sidecar, svc\)/)
})
task('secrets go by name only; entry point, command, env, init, health as ECS has them', () => {
  const plan = runPlan(mainContainer(td, 'svc', 'td.json'), { name: 'svc-local', image: '127.0.0.1:5000/svc:abc', platform: 'linux/amd64', label: 'l=svc', file: 'td.json' })
  assert.equal(plan.secrets, [{ name: 'TOKEN', parameter: '/cruddur/svc/TOKEN' }])
  assert.equal(plan.ports, [4567])
  const a = plan.args
  assert.equal(a.slice(0, 10), ['run', '--detach', '--name', 'svc-local', '--network', 'host', '--platform', 'linux/amd64', '--label', 'l=svc'])
  assert.ok(a.includes('--init'))
  assert.equal(a.slice(a.indexOf('--stop-timeout'), a.indexOf('--stop-timeout') + 2), ['--stop-timeout', '2'])
  assert.equal(a.slice(a.indexOf('A=1') - 1, a.indexOf('A=1') + 1), ['--env', 'A=1'])
  assert.equal(a.slice(a.indexOf('TOKEN') - 1, a.indexOf('TOKEN') + 1), ['--env', 'TOKEN'])
  assert.equal(a.slice(-5), ['--entrypoint', '/bin/sh', '127.0.0.1:5000/svc:abc', '-c', 'exec httpd'])
  assert.ok(a.includes('--health-cmd'))
})
task('ssmParameterName: ARN or name; Secrets Manager refused', () => {
  assert.is(ssmParameterName('arn:aws:ssm:eu-west-2:123456789012:parameter/cruddur/backend-flask/CONNECTION_URL'), '/cruddur/backend-flask/CONNECTION_URL')
  assert.is(ssmParameterName('/a/b'), '/a/b')
  assert.is(ssmParameterName('plain'), '/plain')
  assert.throws(() => ssmParameterName('arn:aws:secretsmanager:eu-west-2:123456789012:secret:x'), /Secrets Manager is not supported/)
})
task('hostPort other than containerPort is refused (awsvpc)', () => {
  const c = { name: 'svc', image: 'x', portMappings: [{ containerPort: 80, hostPort: 8080 }] }
  assert.throws(() => runPlan(c, { name: 'n', image: 'x', platform: 'linux/amd64', label: 'l', file: 'td.json' }), /hostPort 8080 differs/)
})
task.run()

const misc = suite('lib/images registry and docker messages (pure)')
misc('registryUrl: plain HTTP only for loopback registries; bearer challenges parsed', () => {
  assert.is(registryUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000')
  assert.is(registryUrl('123456789012.dkr.ecr.eu-west-2.amazonaws.com'), 'https://123456789012.dkr.ecr.eu-west-2.amazonaws.com')
  assert.equal(bearerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"'), {
    realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:x:pull',
  })
  assert.is(bearerChallenge('Basic realm="x"'), undefined)
})
misc("ECR's refusals: login needed, immutable tag (ECR's own wording)", () => {
  assert.ok(needsLogin('no basic auth credentials'))
  assert.ok(needsLogin('unauthorized: authentication required'))
  assert.ok(needsLogin('denied: Your authorization token has expired. Reauthenticate and try again.'))
  assert.not.ok(needsLogin('manifest unknown'))
  assert.ok(immutableTagRefusal("tag invalid: The image tag 'latest' already exists in the 'backend-flask' repository and cannot be overwritten because the repository is immutable."))
  assert.not.ok(immutableTagRefusal('received unexpected HTTP status: 500'))
})
misc.run()

const daemon = suite("the demo's Docker daemon: which one, and a private one's arguments and mounts (pure)")
daemon('daemonChoice: the one that answers; else a private one as root with dockerd installed; else skipped, saying why', () => {
  const table: Array<[boolean, boolean, boolean, ReturnType<typeof daemonChoice>]> = [
    [true, true, true, { daemon: 'running' }],
    [true, false, false, { daemon: 'running' }],
    [false, true, true, { daemon: 'private' }],
    [false, false, true, { skipped: 'the Docker daemon is not running (start it: sudo systemctl start docker)' }],
    [false, false, false, { skipped: 'the Docker daemon is not running (start it: sudo systemctl start docker)' }],
    [false, true, false, { skipped: 'the Docker daemon is not running, and the private one the demo would start needs root (run the demo as root, or start Docker: sudo systemctl start docker)' }],
  ]
  for (const [answers, installed, root, want] of table) assert.equal(daemonChoice(answers, installed, root), want, `${answers} ${installed} ${root}`)
})
daemon('privateDockerdArgs: no bridge, no iptables, every file under its folder', () => {
  assert.equal(privateDockerdArgs('/tmp/d'), [
    '--bridge=none', '--iptables=false', '--ip6tables=false',
    '--data-root', '/tmp/d/data', '--exec-root', '/tmp/d/exec', '--pidfile', '/tmp/d/docker.pid', '-H', 'unix:///tmp/d/docker.sock',
  ])
})
daemon('mountsUnder: the mounts under the folder, deepest first, octal escapes decoded; not the folder, not a sibling', () => {
  const mounts = [
    'proc /proc proc rw 0 0',
    'nsfs /tmp/d/exec/netns/default nsfs rw 0 0',
    'overlay /tmp/d/data/overlay2/abc/merged overlay rw 0 0',
    'tmpfs /tmp/d tmpfs rw 0 0',
    'nsfs /tmp/dd/exec/netns/default nsfs rw 0 0',
    'overlay /tmp/d/a\\040b overlay rw 0 0',
  ].join('\n')
  assert.equal(mountsUnder(mounts, '/tmp/d'), ['/tmp/d/data/overlay2/abc/merged', '/tmp/d/exec/netns/default', '/tmp/d/a b'])
})
daemon('startPrivateDockerd: a folder too deep for its sockets is refused up front, saying how to fix it, and the folder is removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-deep-' + 'x'.repeat(90)))
  const refused = await startPrivateDockerd(dir).then(() => 'started', (error: Error) => error.message)
  assert.match(refused, /is too deep for its sockets \(\d+ bytes, at most 107\): set TMPDIR to a shorter folder/)
  assert.not.ok(existsSync(dir))
})
daemon.run()

const cli = suite('image/build, image/push, image/mirror, ecs/run-local: --help and usage (no docker needed)')
cli('--help names the flags and the promises; exit 0', async () => {
  const table: Array<[string, string[]]> = [
    ['image/build', ['--context DIR', '--tag TAG', '--task-definition FILE', 'exec format error', 'REACT_APP_BACKEND_URL', '--build-arg NAME=VALUE', 'DOMAIN_NAME']],
    ['image/push', ['--tag TAG', 'ECR_REGISTRY', '/v2/REPOSITORY/manifests/TAG', 'stdin']],
    ['image/mirror', ['IMAGE', 'REPOSITORY', 'cruddur-python', '--arch ARCH']],
    ['ecs/run-local', ['--detach', '--task-definition FILE', 'CMD-SHELL', 'never in a', 'Ctrl-C']],
  ]
  for (const [script, expected] of table) {
    const r = await runKit(script, ['--help'])
    assert.is(r.code, 0, r.all)
    for (const text of expected) assert.match(r.stdout, text, `${script} --help lacks ${text}`)
  }
})
cli('no SERVICE, or an unknown one: exit 2 with one line', async () => {
  const r1 = await runKit('image/build', [])
  assert.is(r1.code, 2, r1.all)
  assert.match(r1.stderr, 'name the service to build')
  const r2 = await runKit('ecs/run-local', ['nope'], { env: { AWS_DEFAULT_REGION: 'eu-west-2', AWS_ACCOUNT_ID: '123456789012' } })
  assert.is(r2.code, 2, r2.all)
  assert.match(r2.stderr, 'service "nope" is not declared in json/services.json')
  const r3 = await runKit('ecs/run-local', ['backend-flask', '--json'], { env: { AWS_DEFAULT_REGION: 'eu-west-2' } })
  assert.is(r3.code, 2, r3.all)
  assert.match(r3.stderr, '--json goes with --detach')
})
cli('a bad digest in image/mirror is bad usage (exit 2), found before docker; --context naming a file says it is not a directory', async () => {
  const env = { AWS_DEFAULT_REGION: 'eu-west-2', AWS_ACCOUNT_ID: '123456789012', ECR_REGISTRY: '127.0.0.1:9' }
  const r1 = await runKit('image/mirror', ['name@sha256:deadbeef'], { env })
  assert.is(r1.code, 2, r1.all)
  assert.match(r1.stderr, '"sha256:deadbeef" is not an image digest')
  assert.is(r1.stderr.trim().split('\n').length, 1, r1.stderr)
  const r2 = await runKit('image/build', ['backend-flask', '--context', '/etc/passwd', '--tag', 't'], { env })
  assert.is(r2.code, 2, r2.all)
  assert.match(r2.stderr, '/etc/passwd is not a directory')
  assert.not.match(r2.stderr, 'does not exist')
})
cli.run()
