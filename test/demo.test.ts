import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import type { StatusDocument } from '../lib/ops/inventory.js'

const demo = suite('npm run demo (scripts/demo)')
demo.before.each(() => resetMoto())

demo('against a running local emulator: provisions, re-runs with nothing changed, lists what exists', async () => {
  const r = await runKit('demo', [], { timeoutMs: 120000 })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /^\d+ created, 0 updated, 0 unchanged/m)
  assert.match(r.stdout, /^0 created, 0 updated, \d+ unchanged/m)
  assert.match(r.stdout, /✓ ecs service backend-flask\s+in cluster cruddur/)
  assert.not.match(r.stdout, /✗/)
  // Its throwaway secrets are secrets too.
  assert.not.ok(r.all.includes('demo-db-password'))
})

demo('scripts/status: exit 1 listing what is missing, exit 0 once the demo has provisioned everything', async () => {
  const empty = await runKit('status')
  assert.is(empty.code, 1, empty.all)
  assert.match(empty.stdout, /✗ ecs service backend-flask\s+missing/)
  assert.is((await runKit('demo', [], { timeoutMs: 120000 })).code, 0)
  // The demo's own task-definition values; its secrets are not here, so parameters are checked by name and type.
  const full = await runKit('status', ['--json'], { env: { AWS_COGNITO_USER_POOL_ID: 'eu-west-2_DemoPool1', AWS_COGNITO_USER_POOL_CLIENT_ID: 'demo-cognito-client-id' } })
  assert.is(full.code, 0, full.all)
  const doc = JSON.parse(full.stdout) as StatusDocument
  assert.is(doc.ok, true)
  assert.is(doc.resources.length, 20)
  assert.ok(doc.resources.some((item) => item.kind === 'security group ingress' && item.name === 'tcp/4567 from 0.0.0.0/0'))
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
