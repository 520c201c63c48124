import './helpers/guard.js'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ROOT } from '../lib/config/paths.js'
import { declaredServices } from '../lib/config/services.js'
import { copyKit, withKitCopy } from './helpers/kit.js'
import { withServices } from './helpers/services.js'
import { tempDir } from './helpers/temp.js'

// The test harness itself: tests leave the checkout alone and never read a developer's .env,
// and `npm test` sets up (or names) what the suite needs.

const checkout = suite('tests never touch the checkout')

checkout('withServices: the service exists only in a copy of the kit, whose scripts see it; the checkout is unchanged while the test runs', async () => {
  const declarations = readFileSync(join(ROOT, 'json/services.json'), 'utf8')
  const backendTd = JSON.parse(readFileSync(join(ROOT, 'task-definitions/backend-flask.json'), 'utf8'))
  const container = backendTd.containerDefinitions[0]
  container.name = container.portMappings[0].name = container.logConfiguration.options['awslogs-stream-prefix'] = 'zz-harness'
  container.secrets = []
  const td = { ...backendTd, family: 'zz-harness' }
  const service = JSON.parse(readFileSync(join(ROOT, 'json/service-backend-flask.json'), 'utf8'))
  service.serviceName = service.taskDefinition = 'zz-harness'
  service.serviceConnectConfiguration.services[0].portName = service.serviceConnectConfiguration.services[0].discoveryName = 'zz-harness'
  const files = { 'task-definitions/zz-harness.json': JSON.stringify(td), 'json/service-zz-harness.json': JSON.stringify(service) }
  let copy = ''
  await withServices({ 'zz-harness': { containerPort: 4567, parameters: [] } }, files, async (kit) => {
    copy = kit.root
    // What an interrupted run would leave behind, and what a `provision` run meanwhile would see.
    assert.is(readFileSync(join(ROOT, 'json/services.json'), 'utf8'), declarations)
    for (const file of Object.keys(files)) assert.not.ok(existsSync(join(ROOT, file)), file)
    assert.not.ok(declaredServices().some((s) => s.name === 'zz-harness'), 'the checkout declares the test service')
    assert.ok(declaredServices(kit.root).some((s) => s.name === 'zz-harness'))
    // The copy's own scripts read the copy (priced from its template, with no rebuild).
    const r = await kit.run('cost', ['--region', 'us-east-1', '--json'], { env: { ECS_SERVICES: 'zz-harness' } })
    assert.is(r.code, 0, r.all)
    assert.is(r.stderr, '', 'the copy runs its build as it is')
    assert.ok(JSON.parse(r.stdout).items.some((i: { resource: string }) => i.resource === 'zz-harness'), r.stdout)
  })
  assert.ok(copy.length > 0 && !existsSync(copy), 'the copy is removed afterwards')
})

checkout('a copy of the kit never carries the .env of the kit it copies', async () => {
  await withKitCopy(async (first) => {
    first.write('.env', 'AWS_DEFAULT_REGION=eu-west-2\n')
    const second = copyKit(first.root)
    try {
      assert.ok(existsSync(join(second.root, 'json/services.json')))
      assert.not.ok(existsSync(join(second.root, '.env')))
    } finally {
      second.remove()
    }
  })
})

checkout.run()

const dotenv = suite("tests never read the developer's .env")

// What a developer has after the README's `cp .env.example .env`: a region among others.
const EXAMPLE = readFileSync(join(ROOT, '.env.example'), 'utf8')
const NO_REGION = { AWS_DEFAULT_REGION: undefined, AWS_REGION: undefined, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' }

dotenv('a .env at the kit\'s root does not reach a script under test (npm test sets KIT_DOTENV=off), and is read without it', async () => {
  assert.is(process.env.KIT_DOTENV, 'off', 'test/run.ts sets KIT_DOTENV=off for every test')
  await withKitCopy(async (kit) => {
    kit.write('.env', EXAMPLE)
    const off = await kit.run('cost', [], { env: NO_REGION })
    assert.is(off.code, 2, off.all)
    assert.match(off.stderr, /no region to price: pass --region/)
    const on = await kit.run('cost', ['--json'], { env: { ...NO_REGION, KIT_DOTENV: undefined } })
    assert.is(on.code, 0, on.all)
    assert.is(JSON.parse(on.stdout).region, 'eu-west-2')
  })
})

dotenv('KIT_DOTENV other than on or off: exit 2, one line saying what it may be', async () => {
  await withKitCopy(async (kit) => {
    kit.write('.env', EXAMPLE)
    const r = await kit.run('cost', [], { env: { ...NO_REGION, KIT_DOTENV: 'false' } })
    assert.is(r.code, 2, r.all)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, /KIT_DOTENV must be on or off \(got "false"\)/)
  })
})

dotenv.run()

const setup = suite('npm test sets up what the suite needs (test/setup.sh)')

/** A PATH holding only the few programs setup.sh needs itself, plus `extra` (name: script body). */
function barePath(extra: Record<string, string> = {}): string {
  const bin = tempDir('kit-bin-')
  for (const program of ['bash', 'ls', 'grep', 'id']) {
    symlinkSync(execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim(), join(bin, program))
  }
  for (const [name, body] of Object.entries(extra)) writeFileSync(join(bin, name), `#!${join(bin, 'bash')}\n${body}\n`, { mode: 0o755 })
  return bin
}

const setupSh = (path: string, env: Record<string, string> = {}) =>
  spawnSync(join(path, 'bash'), [join(ROOT, 'test/setup.sh')], { env: { PATH: path, ...env }, encoding: 'utf8', cwd: tempDir('kit-cwd-') })

setup('without apt-get: one line naming every missing package and moto, exit 1', () => {
  const r = setupSh(barePath())
  assert.is(r.status, 1, r.stdout + r.stderr)
  const lines = (r.stdout + r.stderr).trim().split('\n')
  assert.is(lines.length, 1, lines.join('\n'))
  for (const name of ['python3-flask', 'docker.io', 'docker-registry', 'apache2-utils', 'busybox-static']) assert.ok(lines[0].includes(name), `${name} not named: ${lines[0]}`)
  assert.match(lines[0], /apt-get install/)
  assert.match(lines[0], /pip install 'moto\[server\]'/)
})

setup('as root with apt-get: installs exactly what is missing, then checks moto', () => {
  if (process.getuid?.() !== 0) return // (installing needs root; the line above is what others get)
  const calls = join(tempDir('kit-apt-'), 'calls')
  const bin = barePath({ 'apt-get': `echo "$*" >> '${calls}'`, moto_server: 'exit 0' })
  const r = setupSh(bin)
  assert.is(r.status, 0, r.stdout + r.stderr)
  const made = readFileSync(calls, 'utf8').trim().split('\n')
  assert.is(made[0], 'update -qq')
  assert.match(made[1], /^install -y -qq /)
  for (const name of ['python3-flask', 'docker.io', 'containerd', 'runc', 'docker-registry', 'apache2-utils', 'busybox-static']) assert.ok(made[1].split(' ').includes(name), `${name} not installed: ${made[1]}`)
  assert.match(r.stdout, /^test set-up: installing /m)
})

setup.run()
