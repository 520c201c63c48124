// The deployment lifecycle in its corners (issue 13): after ECS's own rollback, after a failed
// deployment, while a stack is locked or a service paused, through slow answers, and what
// status and provision compare against after `deploy --tag`.
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DeleteClusterCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { holdStackLock } from '../lib/core/lock.js'
import type { DeployDocument } from '../lib/deploy/command.js'
import { resetMoto } from './helpers/moto.js'
import { runKit, type RunResult } from './helpers/run.js'
import { deployFixture, FIXTURE_ENV, pushImage as pushImageTo } from './helpers/deploy-fixture.js'
import { startEcsTimeline, TIMELINES, type EcsTimeline, type Timeline } from '../lib/aws/rollout-emulator.js'

const ACCOUNT = '123456789012'
const REGION = process.env.AWS_DEFAULT_REGION as string
const FAST = ['--interval', '0.05', '--timeout', '30']

const timeline: EcsTimeline = await startEcsTimeline(process.env.AWS_ENDPOINT_URL as string, ACCOUNT)
const direct = await openContext(process.env, { mode: 'read-only' })
const viaProxy = await openContext({ ...process.env, AWS_ENDPOINT_URL: timeline.url }, { mode: 'read-only' })

const ENV = { AWS_ENDPOINT_URL: timeline.url, ...FIXTURE_ENV, AWS_MAX_ATTEMPTS: '5' }

const deploy = (args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> =>
  runKit('deploy', ['backend-flask', ...FAST, ...args], { env: { ...ENV, ...env } })
const rollback = (args: string[] = []): Promise<RunResult> => runKit('rollback', ['backend-flask', ...FAST, ...args], { env: ENV })
const pushImage = (content: string, tag = 'latest') => pushImageTo(direct, content, tag)

async function setup({ service = true } = {}): Promise<void> {
  await resetMoto()
  timeline.forget()
  await deployFixture(direct, { service })
}

function useTimeline(t: Timeline, then: Timeline[] = []): void {
  timeline.use(t, { then })
  timeline.calls.length = 0
}

const documentOf = (r: RunResult): DeployDocument => {
  try {
    return JSON.parse(r.stdout) as DeployDocument
  } catch {
    throw new Error(`not a JSON document:\n${r.all}`)
  }
}

const updates = () => timeline.mutations().filter((c) => c.action === 'UpdateService' || c.action === 'RegisterTaskDefinition' || c.action === 'CreateService')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const lifecycle = suite('deploy lifecycle (scripted ECS rollout)')

lifecycle.before.each(() => setup())

lifecycle('after ECS rolled a failed deploy back, the failure names what runs; rollback says it is already there and changes nothing (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  await pushImage('v2')
  assert.is((await deploy()).code, 0)
  await pushImage('v3')
  assert.is((await deploy()).code, 0)
  useTimeline(TIMELINES.rollback, [TIMELINES.clean])
  await pushImage('v4')
  const failed = await deploy()
  assert.is(failed.code, 1, failed.all)
  assert.match(failed.stdout, /\[FAILED\] deploy backend-flask: rollback: ECS rolled back: the service now runs backend-flask:3( \(the rollback is still rolling out\))?; deployment ecs-svc\/\d+ of backend-flask:4 failed/)

  timeline.calls.length = 0
  const r = await rollback()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /already there: backend-flask runs backend-flask:3, the last revision that deployed successfully/)
  assert.equal(updates(), [], 'no deployment started')
})

lifecycle('a deploy of the revision a failed deployment still rolls out judges only tasks from now on; --force starts a fresh deployment (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.cannotPull)
  await pushImage('v2')
  const first = await deploy()
  assert.is(first.code, 1, first.all)
  assert.match(first.all, /cannot-pull/)
  // The cause is fixed outside the task definition (a route to ECR, the role): the same deployment now starts tasks that run.
  const ctx = timeline.context()
  assert.ok(ctx)
  useTimeline(TIMELINES.clean)
  timeline.arm({ ...ctx })
  const again = await deploy()
  assert.is(again.code, 0, again.all)
  assert.match(again.stdout, new RegExp(`already rolling out \\(deployment ${ctx.newId.replace('/', '\\/')}\\): following it`))
  assert.match(again.stdout, /\[OK\] deploy backend-flask/)
  assert.equal(updates(), [])

  const forced = await deploy(['--force'])
  assert.is(forced.code, 0, forced.all)
  assert.match(forced.stdout, /deployment ecs-svc\/\d+ of backend-flask:2 started, desired count 1 kept \(forced \(--force\)\)/)
  assert.is(updates().filter((c) => c.action === 'UpdateService').length, 1)
  assert.not.equal(timeline.context()?.newId, ctx.newId)
})

lifecycle('scripts/wait after ECS finished rolling a --no-wait deploy back: a failure naming what runs, not [OK] (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.rollback)
  await pushImage('v2')
  assert.is((await deploy(['--no-wait'])).code, 0)
  // Let ECS finish the rollback (the failed deployment is no longer listed) before anyone waits.
  const sdk = viaProxy.client(ECSClient, 'ECS')
  for (let i = 0; i < TIMELINES.rollback.frames.length + 1; i++) await sdk.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))
  const r = await runKit('wait', ['backend-flask', ...FAST, '--json'], { env: ENV })
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.cause, 'rollback')
  assert.match(doc.reason, /ECS rolled back: the service now runs backend-flask:1; deployment ecs-svc\/\d+ failed/)
})

lifecycle('deploy and rollback wait for the stack lock a teardown holds, changing nothing meanwhile (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  await pushImage('v2')
  for (const run of [() => deploy(), () => rollback(['--to', 'backend-flask:1'])]) {
    const said: string[] = []
    const release = await holdStackLock(`${timeline.url} ${REGION} cruddur`, 'the stack', 'teardown', { onWait: (l) => said.push(l), timeoutMs: 5000 })
    timeline.calls.length = 0
    const pending = run()
    await sleep(4000)
    assert.equal(updates(), [], 'nothing changed while the lock was held')
    release()
    const r = await pending
    assert.is(r.code, 0, r.all)
    assert.match(r.stderr, /waiting for another teardown \(pid \d+/)
    assert.ok(updates().length > 0)
  }
})

lifecycle('deploy refuses a paused service before any change and points at resume (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  // The fixture has the backend alone: pause exits 1 for a declared service that is missing (teardown's fix).
  const paused = await runKit('pause', [], { env: { ...ENV, ECS_SERVICES: 'backend-flask', AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL as string } })
  assert.is(paused.code, 0, paused.all)
  await pushImage('v2')
  timeline.calls.length = 0
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, /ECS service backend-flask is paused \(desired 0; resume brings back 1\): run \.\/scripts\/resume first/)
  assert.equal(updates(), [])
  assert.equal(timeline.mutations(), [])
})

lifecycle('a request timeout and a 503 page during the wait are polled through within its deadline (scripted ECS rollout)', async () => {
  useTimeline({
    ...TIMELINES.clean,
    frames: TIMELINES.clean.frames.map((f, i) => (i === 1 ? { ...f, stall: { count: 1, ms: 10_000 } } : i === 2 ? { ...f, unavailable: 1 } : f)),
  })
  await pushImage('v2')
  const r = await deploy([], { AWS_MAX_ATTEMPTS: '1', AWS_REQUEST_TIMEOUT: '4' })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /polling ECS failed after the SDK's retries \(TimeoutError\); trying again/)
  assert.match(r.stdout, /polling ECS failed after the SDK's retries \(NotAwsApiError, HTTP 503\); trying again/)
  assert.match(r.stdout, /\[OK\] deploy backend-flask/)
})

lifecycle('after deploy --tag, the task-definition step compares against the deployed image unless IMAGE_TAG is set (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  await pushImage('v2', 'v2')
  assert.is((await deploy(['--tag', 'v2'])).code, 0)
  const plan = await runKit('ecs/register-task-definition', ['backend-flask', '--dry-run'], { env: ENV })
  assert.is(plan.code, 0, plan.all)
  assert.match(plan.stdout, /unchanged\s+task definition backend-flask: backend-flask:2/)
  const status = await runKit('status', ['backend-flask'], { env: ENV })
  const line = status.stdout.split('\n').find((l) => /task definition backend-flask/.test(l)) ?? ''
  assert.match(line, /✓/, status.all)
  // Asked for by name, the tag is what counts.
  const named = await runKit('ecs/register-task-definition', ['backend-flask', '--dry-run'], { env: { ...ENV, IMAGE_TAG: 'latest' } })
  assert.match(named.stdout, /would update\s+task definition backend-flask: new revision after backend-flask:2, differs in containerDefinitions\[backend-flask\]\.image/)
})

const preconditions = suite('deploy lifecycle: checked before any change')

preconditions.before.each(() => setup({ service: false }))

preconditions('deploy without a cluster says so and registers nothing; rollback --to backend-flask:0 is refused before any call', async () => {
  await direct.client(ECSClient, 'ECS').send(new DeleteClusterCommand({ cluster: 'cruddur' }))
  await pushImage('v2')
  timeline.calls.length = 0
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, /ECS cluster cruddur not found: run \.\/scripts\/provision/)
  assert.equal(timeline.mutations(), [])

  timeline.calls.length = 0
  const to = await rollback(['--to', 'backend-flask:0'])
  assert.is(to.code, 2, to.all)
  assert.match(to.stderr, /--to must be a revision of backend-flask, e\.g\. backend-flask:3, got "backend-flask:0"/)
  assert.is(to.stdout, '')
  assert.equal(timeline.calls, [])
})

preconditions.after(() => timeline.stop())

lifecycle.run()
preconditions.run()
