import './helpers/guard.js'
import { existsSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { ENDPOINT } from './helpers/guard.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { tempDir } from './helpers/temp.js'
import { decodeAuthorizationToken, describeExpiry, dockerReason, normalizeRegistry, registryRegion, resolveTarget } from '../lib/ops/ecr-login.js'
import { isAwsHost, refuseRealAwsUnderEmulator } from '../lib/aws/registry.js'
import { ConfigError, UsageError } from '../lib/core/errors.js'

/** The registry docker is sent to under moto: a local one (a real AWS host is refused there). */
const LOCAL_REGISTRY = '127.0.0.1:5000'
const DAEMON_DOWN = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'

type DockerMode = 'ok' | 'daemon-down' | 'refused-echoing-password'

/** A directory holding only `node`, so the kit's `#!/usr/bin/env node` shim runs but nothing else is on PATH. */
function nodeOnlyDir(): string {
  const dir = tempDir('kit-node-')
  symlinkSync(process.execPath, join(dir, 'node'))
  return dir
}

/**
 * A recording `docker`: writes its argv and stdin to record.json, refuses (exit 99) if the
 * password it got on stdin also appears in its arguments, then acts out `mode`.
 */
function recordingDocker(mode: DockerMode): { dir: string; record: () => { argv: string[]; stdin: string } | undefined } {
  const dir = tempDir('kit-docker-')
  const recordPath = join(dir, 'record.json')
  writeFileSync(
    join(dir, 'docker'),
    `#!${process.execPath}
const fs = require('fs')
const argv = process.argv.slice(2)
const stdin = fs.readFileSync(0, 'utf8')
fs.writeFileSync(${JSON.stringify(recordPath)}, JSON.stringify({ argv, stdin }))
if (stdin && argv.some((a) => a.includes(stdin.trim()))) { process.stderr.write('recorder: the password was in argv\\n'); process.exit(99) }
const mode = ${JSON.stringify(mode)}
if (mode === 'ok') { process.stderr.write('WARNING! Your password will be stored unencrypted in /root/.docker/config.json.\\n'); process.stdout.write('Login Succeeded\\n'); process.exit(0) }
if (mode === 'daemon-down') { process.stderr.write(${JSON.stringify(DAEMON_DOWN)} + '\\n'); process.exit(1) }
process.stderr.write('time="2024-01-01T00:00:00Z" level=info msg="Error logging in to endpoint, trying next endpoint"\\n')
process.stderr.write('Error response from daemon: login attempt to https://' + argv.at(-1) + '/v2/ failed with status: 400 Bad Request (password ' + stdin + ')\\n')
process.exit(1)
`,
  )
  chmodSync(join(dir, 'docker'), 0o755)
  return { dir, record: () => (existsSync(recordPath) ? JSON.parse(readFileSync(recordPath, 'utf8')) : undefined) }
}

/** The password moto hands out, decoded here independently of the kit. */
async function motoPassword(): Promise<string> {
  const ecr = new ECRClient({ region: 'eu-west-2', endpoint: ENDPOINT })
  const data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]
  ecr.destroy()
  const text = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8')
  return text.slice(text.indexOf(':') + 1)
}

const node = nodeOnlyDir()
const baseEnv = (docker: string | undefined, extra: Record<string, string | undefined> = {}) => ({
  PATH: docker ? `${docker}:${node}` : node,
  AWS_DEFAULT_REGION: 'eu-west-2',
  AWS_REGION: undefined,
  AWS_ACCOUNT_ID: undefined,
  ECR_REGISTRY: LOCAL_REGISTRY,
  ...extra,
})

const login = suite('ecr/login against moto, with a recording docker on PATH')
login.before.each(async () => {
  await resetMoto()
})

login('success: docker gets exactly `login --username AWS --password-stdin -- <registry>`, the password on stdin only', async () => {
  const password = await motoPassword()
  const docker = recordingDocker('ok')
  const r = await runKit('ecr/login', [], { env: baseEnv(docker.dir) })
  const registry = LOCAL_REGISTRY
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, `Login Succeeded for ${registry}`)
  const record = docker.record()
  assert.ok(record, 'docker was not run')
  // `--` ends docker's options: the registry can never be read as one.
  assert.equal(record.argv, ['login', '--username', 'AWS', '--password-stdin', '--', registry])
  assert.is(record.stdin, password)
  assert.ok(password.length > 8)
  assert.not.ok(r.all.includes(password), 'the password was printed')
  // moto's token "expires" on 2015-01-01: said plainly as the emulator's fixed past expiry, not as a
  // future expiry nor as a clock problem, and the login that worked exits 0.
  assert.match(r.stdout, /The emulator \(http:\/\/127\.0\.0\.1:\d+\) gives its tokens a fixed expiry in the past \((2015-01-01|2014-12-31) \d\d:\d\d UTC\)/)
  assert.not.match(r.all, /expires (2015|2014)|clock|in -?\d+ h/)
})

login('the expiry is printed with the success (a stale 12 h login is the common trap)', async () => {
  const docker = recordingDocker('ok')
  const r = await runKit('ecr/login', [], { env: baseEnv(docker.dir) })
  assert.is(r.code, 0, r.all)
  assert.match(r.all, /expire/i)
  assert.match(r.all, /\d{4}-\d\d-\d\d \d\d:\d\d UTC/)
})

login('against an emulator with ECR_REGISTRY unset: refuses to send docker to the real AWS host, says to set ECR_REGISTRY; docker never run', async () => {
  const docker = recordingDocker('ok')
  for (const extra of [{}, { AWS_ACCOUNT_ID: '111122223333' }]) {
    const r = await runKit('ecr/login', [], { env: baseEnv(docker.dir, { ECR_REGISTRY: undefined, ...extra }) })
    assert.is(r.code, 2, r.all)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, `AWS calls go to a local emulator (${ENDPOINT})`)
    assert.match(r.stderr, 'set ECR_REGISTRY')
    assert.not.match(r.all, 'amazonaws.com')
    assert.is(docker.record(), undefined)
  }
})

login('a --registry or ECR_REGISTRY docker could read as an option is refused (one line, exit 2), docker never run', async () => {
  const docker = recordingDocker('ok')
  for (const args of [['--registry=--password=evil'], ['--registry=--help'], ['--registry', '-H'], ['--registry=host:99999'], ['--registry=a b']]) {
    const r = await runKit('ecr/login', args, { env: baseEnv(docker.dir) })
    assert.is(r.code, 2, `${args}: ${r.all}`)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, /--registry (must be a registry host|needs a value)/)
    assert.not.match(r.all, 'Login Succeeded')
    assert.is(docker.record(), undefined)
  }
  const fromEnv = await runKit('ecr/login', [], { env: baseEnv(docker.dir, { ECR_REGISTRY: '--password=evil' }) })
  assert.is(fromEnv.code, 2, fromEnv.all)
  assert.match(fromEnv.stderr, 'ECR_REGISTRY must be a registry host')
  assert.is(docker.record(), undefined)
})

login('ECR_REGISTRY overrides the registry, and --registry overrides ECR_REGISTRY', async () => {
  const fromEnv = recordingDocker('ok')
  const env = baseEnv(fromEnv.dir, { ECR_REGISTRY: '444455556666.dkr.ecr.eu-west-2.amazonaws.com' })
  const r1 = await runKit('ecr/login', [], { env })
  assert.is(r1.code, 0, r1.all)
  assert.is(fromEnv.record()?.argv.at(-1), '444455556666.dkr.ecr.eu-west-2.amazonaws.com')
  assert.match(r1.stdout, 'Login Succeeded for 444455556666.dkr.ecr.eu-west-2.amazonaws.com')

  const fromFlag = recordingDocker('ok')
  const r2 = await runKit('ecr/login', ['--registry', 'https://777788889999.dkr.ecr.eu-west-2.amazonaws.com/'], {
    env: { ...env, PATH: `${fromFlag.dir}:${node}` },
  })
  assert.is(r2.code, 0, r2.all)
  assert.is(fromFlag.record()?.argv.at(-1), '777788889999.dkr.ecr.eu-west-2.amazonaws.com')
})


login('docker not on PATH: one line saying how to install it, exit 1', async () => {
  const r = await runKit('ecr/login', [], { env: baseEnv(undefined) })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, 'docker is not installed')
  assert.match(r.stderr, 'apt-get install docker.io')
  assert.match(r.stderr, 'Gitpod')
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
})

login('docker daemon down: says the daemon is not running, exit 1, no password', async () => {
  const password = await motoPassword()
  const docker = recordingDocker('daemon-down')
  const r = await runKit('ecr/login', [], { env: baseEnv(docker.dir) })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, 'Docker daemon is not running')
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.not.match(r.all, 'Login Succeeded')
  assert.not.ok(r.all.includes(password))
})

login("docker refuses the login: docker's own last line, redacted, exit 1", async () => {
  const password = await motoPassword()
  const docker = recordingDocker('refused-echoing-password')
  const r = await runKit('ecr/login', [], { env: baseEnv(docker.dir) })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, /docker login to \S+ failed: Error response from daemon: .*400 Bad Request/)
  assert.not.match(r.stderr, 'level=info')
  assert.not.ok(r.all.includes(password), 'the password docker echoed was not redacted')
  assert.match(r.stderr, '(password ****)')
})

login('no region at all: exit 2 naming AWS_DEFAULT_REGION, docker never run', async () => {
  const docker = recordingDocker('ok')
  const r = await runKit('ecr/login', [], { env: baseEnv(docker.dir, { AWS_DEFAULT_REGION: undefined }) })
  assert.is(r.code, 2, r.all)
  assert.match(r.stderr, 'AWS_DEFAULT_REGION')
  assert.is(docker.record(), undefined)
})

login('a malformed --registry is a usage problem (exit 2)', async () => {
  const docker = recordingDocker('ok')
  const r = await runKit('ecr/login', ['--registry', 'not a host/x y'], { env: baseEnv(docker.dir) })
  assert.is(r.code, 2, r.all)
  assert.match(r.stderr, '--registry must be a registry host')
  assert.is(docker.record(), undefined)
})

login('--help: flags, variables, and the stdin promise; exit 0', async () => {
  const r = await runKit('ecr/login', ['--help'], { env: baseEnv(undefined) })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '--registry HOST')
  assert.match(r.stdout, 'ECR_REGISTRY')
  assert.match(r.stdout, '--password-stdin')
})
login.run()

const pure = suite('lib/ecr-login (pure)')
pure('decodeAuthorizationToken splits at the first colon; rejects a token without one', () => {
  const token = Buffer.from('AWS:pa:ss').toString('base64')
  assert.equal(decodeAuthorizationToken(token), { username: 'AWS', password: 'pa:ss' })
  assert.throws(() => decodeAuthorizationToken(Buffer.from('nocolon').toString('base64')), /not base64 "user:password"/)
})
pure('registryRegion and normalizeRegistry', () => {
  assert.is(registryRegion('123456789012.dkr.ecr.us-east-1.amazonaws.com'), 'us-east-1')
  assert.is(registryRegion('registry.example.com'), undefined)
  assert.is(normalizeRegistry('https://123456789012.dkr.ecr.eu-west-2.amazonaws.com/', '--registry'), '123456789012.dkr.ecr.eu-west-2.amazonaws.com')
  assert.is(normalizeRegistry('localhost:5000', 'ECR_REGISTRY'), 'localhost:5000')
  assert.is(normalizeRegistry('[::1]:5000', 'ECR_REGISTRY'), '[::1]:5000')
  for (const bad of ['--password=evil', '-H', 'host:0', 'host:65536', 'a..b', 'host/path/x', 'a b', '', 'host:', '-host.example']) {
    assert.throws(() => normalizeRegistry(bad, '--registry'), (e: unknown) => e instanceof UsageError, bad)
    assert.throws(() => normalizeRegistry(bad, 'ECR_REGISTRY'), (e: unknown) => e instanceof ConfigError, bad)
  }
})
pure('the default registry: AWS_ACCOUNT_ID and AWS_DEFAULT_REGION name it against AWS; an emulator needs ECR_REGISTRY', async () => {
  const deps = { defaultRegion: async () => 'us-west-1', account: async () => '111122223333' }
  assert.equal(await resolveTarget(undefined, {}, deps), { registry: '111122223333.dkr.ecr.us-west-1.amazonaws.com', region: 'us-west-1' })
  assert.equal(await resolveTarget(undefined, { ECR_REGISTRY: '444455556666.dkr.ecr.eu-west-1.amazonaws.com' }, deps), {
    registry: '444455556666.dkr.ecr.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
  })
  const asked: string[] = []
  const emulator = { AWS_ENDPOINT_URL: 'http://127.0.0.1:5005' }
  const tracking = { defaultRegion: async () => (asked.push('region'), 'us-west-1'), account: async () => (asked.push('account'), '111122223333') }
  await resolveTarget(undefined, emulator, tracking).then(
    () => assert.unreachable('an emulator with the default registry was accepted'),
    (e: Error) => assert.ok(e instanceof ConfigError && /set ECR_REGISTRY/.test(e.message), e.message),
  )
  assert.equal(asked, [], 'something was asked before the refusal')
  assert.equal(await resolveTarget(undefined, { ...emulator, ECR_REGISTRY: 'localhost:5000' }, deps), { registry: 'localhost:5000', region: 'us-west-1' })
  // A non-loopback endpoint is not an emulator on this machine: the AWS registry is fine.
  assert.is((await resolveTarget(undefined, { AWS_ENDPOINT_URL: 'https://ecr.example.com' }, deps)).registry, '111122223333.dkr.ecr.us-west-1.amazonaws.com')
})
pure('refuseRealAwsUnderEmulator: the shared rule (AWS hosts only, loopback endpoints only)', () => {
  assert.ok(isAwsHost('1.dkr.ecr.cn-north-1.amazonaws.com.cn') && isAwsHost('x.amazonaws.com:443') && !isAwsHost('amazonaws.com.evil.example'))
  const emulator = { AWS_ENDPOINT_URL: 'http://localhost:5005' }
  assert.throws(() => refuseRealAwsUnderEmulator(emulator, '1.dkr.ecr.eu-west-2.amazonaws.com', 'x'), /set ECR_REGISTRY/)
  assert.throws(() => refuseRealAwsUnderEmulator({ AWS_ENDPOINT_URL_ECR: 'http://127.0.0.1:1' }, undefined, 'x'), /set ECR_REGISTRY/)
  refuseRealAwsUnderEmulator(emulator, 'localhost:5000', 'x')
  refuseRealAwsUnderEmulator({}, '1.dkr.ecr.eu-west-2.amazonaws.com', 'x')
})
pure('decodeAuthorizationToken refuses a user name docker could read as an option', () => {
  assert.throws(() => decodeAuthorizationToken(Buffer.from('--help:pw').toString('base64')), /not a plain name/)
})
pure('describeExpiry: hours left, or a passed expiry flagged', () => {
  const now = new Date('2024-05-01T00:00:00Z')
  const ahead = describeExpiry(new Date('2024-05-01T12:00:00Z'), now)
  assert.is(ahead.expired, false)
  assert.match(ahead.text, '2024-05-01 12:00 UTC (in 12 h)')
  const past = describeExpiry(new Date('2024-04-30T00:00:00Z'), now)
  assert.is(past.expired, true)
  assert.match(past.text, 'expired at 2024-04-30 00:00 UTC, before now by this machine\'s clock (2024-05-01 00:00 UTC)')
  const emulated = describeExpiry(new Date('2015-01-01T00:00:00Z'), now, 'http://127.0.0.1:5000')
  assert.is(emulated.expired, false)
  assert.match(emulated.text, 'The emulator (http://127.0.0.1:5000) gives its tokens a fixed expiry in the past (2015-01-01 00:00 UTC)')
  assert.match(describeExpiry(undefined, now).text, '2024-05-01 12:00 UTC')
})
pure("dockerReason: docker's last line, skipping log and warning lines", () => {
  assert.is(dockerReason('time="x" level=info msg="y"\nError response from daemon: denied\nWARNING! z\n'), 'Error response from daemon: denied')
  assert.is(dockerReason(''), 'no reason given')
})
pure.run()
