// `npm test` (after test/setup.sh): starts a moto server on loopback when AWS_ENDPOINT_URL is
// unset, and a private dockerd and registry on loopback when they are installed
// (test/helpers/docker.ts), runs every test/*.test.ts with uvu, stops them, and ends with the
// plain line "N passed, N failed". The run fails if the tests changed the checkout.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../lib/config/paths.js'
import { startMoto, type Moto } from './helpers/moto.js'
import type { DockerStack } from './helpers/docker.js'
import { isLoopbackUrl } from './helpers/net.js'

const given = process.env.AWS_ENDPOINT_URL
if (given && !isLoopbackUrl(given)) {
  console.error(`refusing to run tests against AWS_ENDPOINT_URL="${given}": tests only ever target loopback`)
  process.exit(2)
}

let moto: Moto | undefined
if (!given) {
  moto = await startMoto()
  process.env.AWS_ENDPOINT_URL = moto.url
}
process.env.AWS_DEFAULT_REGION ??= 'eu-west-2'
delete process.env.AWS_REGION
// A developer's .env (the README has them copy .env.example) must not reach the tests: the
// tests of .env loading put one in a copy of the kit and turn this off there.
process.env.KIT_DOTENV = 'off'

// What `git status` says before the tests, to tell whether they changed the checkout: ignored
// files included (a .env left behind counts), bar the build, which a script may bring up to
// date (scripts/launch.mjs). Undefined outside a git checkout.
const BUILD = /^!! (dist|dist\.(next|old)-\d+|\.dist-build-lock)\/$/
const checkoutStatus = (): string | undefined => {
  const r = spawnSync('git', ['status', '--porcelain', '--ignored'], { cwd: ROOT, encoding: 'utf8' })
  return r.status === 0 ? r.stdout.split('\n').filter((line) => !BUILD.test(line)).join('\n') : undefined
}
const statusBefore = checkoutStatus()
if (statusBefore === undefined) console.error('not a git checkout: the check that the tests leave the checkout unchanged is skipped')

// The tests' temporary folder: one of this run's own (TMPDIR), so what they leave behind can be
// told from other runs' and checked at the end. Readable by the postgres user, whose test
// databases live in it.
const tempRoot = mkdtempSync(join(tmpdir(), 'kit-test-run-'))
chmodSync(tempRoot, 0o755)
process.on('exit', () => rmSync(tempRoot, { recursive: true, force: true }))
// Ctrl-C reaches the tests too; this process outlives them to stop moto and clean up.
process.on('SIGINT', () => {})

const pattern = process.argv[2] ?? '\\.test\\.ts$'

// Docker and a registry, when a selected test file uses them and they are installed (those
// files fail saying what to install otherwise).
const selected = readdirSync(join(ROOT, 'test')).filter((f) => new RegExp(pattern).test(f))
const needsDocker = selected.some((f) => /helpers\/docker\.js/.test(readFileSync(join(ROOT, 'test', f), 'utf8')))
let docker: DockerStack | undefined
const dockerHelpers = needsDocker ? await import('./helpers/docker.js') : undefined
if (dockerHelpers && dockerHelpers.missingPrograms().length === 0) {
  try {
    docker = await dockerHelpers.startDockerStack(process.env.AWS_ENDPOINT_URL as string)
    Object.assign(process.env, docker.env)
  } catch (error) {
    process.env.KIT_TEST_DOCKER_ERROR = (error as Error).message
    console.error(`Docker tests: ${(error as Error).message}`)
  }
}
const stopAll = async () => {
  await docker?.stop()
  await moto?.stop()
}
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)))
const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', pattern], {
  cwd: ROOT,
  env: { ...process.env, TMPDIR: tempRoot },
  stdio: ['ignore', 'pipe', 'inherit'],
})
let output = ''
child.stdout.on('data', (chunk) => {
  output += chunk
  process.stdout.write(chunk)
})
const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)))
await stopAll()

// uvu's summary: "Total: 12", "Passed: 11", "Skipped: 0" (possibly coloured).
const plain = output.replace(/\x1b\[[0-9;]*m/g, '')
const count = (label: string) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0)
const total = count('Total')
const passed = count('Passed')
const skipped = count('Skipped')
let failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1)

// Tests clean up after themselves, even when they fail: anything kit-* left in the temporary
// folder (a test database's password, records of docker's stdin) fails the run.
const leftovers = readdirSync(tempRoot).filter((name) => name.startsWith('kit-'))
if (leftovers.length > 0) {
  console.error(`the tests left ${leftovers.length} folder(s) in the temporary folder: ${leftovers.join(', ')}`)
  failed += 1
}
// Tests work on copies (test/helpers/kit.ts): the checkout is as they found it.
const statusAfter = statusBefore === undefined ? undefined : checkoutStatus()
if (statusBefore !== undefined && statusAfter !== statusBefore) {
  const before = new Set(statusBefore.split('\n'))
  const after = new Set((statusAfter ?? '').split('\n'))
  const changed = [...[...after].filter((l) => !before.has(l)), ...[...before].filter((l) => !after.has(l)).map((l) => `${l} (before)`)].filter(Boolean)
  console.error(`the tests changed the checkout (git status): ${changed.join(', ') || 'git status failed'}`)
  failed += 1
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(code === 0 && failed === 0 ? 0 : 1)
