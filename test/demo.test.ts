import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { dockerTestEnv } from './helpers/docker.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
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
  assert.is(doc.resources.length, 20)
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
