import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeServicesCommand, ECSClient, ListTagsForResourceCommand, waitUntilServicesStable } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import type { DeployDocument } from '../lib/deploy/command.js'
import { SUCCEEDED_TAG } from '../lib/deploy/deploy.js'
import { resetMoto } from './helpers/moto.js'
import { runKit, type RunResult } from './helpers/run.js'
import { deployFixture, FIXTURE_ENV, pushImage as pushImageTo } from './helpers/deploy-fixture.js'
import { startEcsTimeline, TIMELINES, type EcsTimeline, type Timeline } from '../lib/aws/rollout-emulator.js'

const ACCOUNT = '123456789012'
const REGION = process.env.AWS_DEFAULT_REGION as string
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`
const FAST = ['--interval', '0.05', '--timeout', '20']

const timeline: EcsTimeline = await startEcsTimeline(process.env.AWS_ENDPOINT_URL as string, ACCOUNT)
const direct = await openContext(process.env, { mode: 'read-only' })
const viaProxy = await openContext({ ...process.env, AWS_ENDPOINT_URL: timeline.url }, { mode: 'read-only' })
const ecs = direct.client(ECSClient, 'ECS')

const ENV = {
  AWS_ENDPOINT_URL: timeline.url,
  ...FIXTURE_ENV,
  AWS_MAX_ATTEMPTS: '5',
}

const deploy = (args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> =>
  runKit('deploy', ['backend-flask', ...FAST, ...args], { env: { ...ENV, ...env } })

const pushImage = (content: string) => pushImageTo(direct, content)

async function setup({ service = true, desired = 1 } = {}): Promise<void> {
  await resetMoto()
  timeline.forget()
  await deployFixture(direct, { service, desired })
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

const tagsOf = async (arn: string) => (await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? []

const rollout = suite('deploy, wait, rollback (scripted ECS rollout)')

rollout.before.each(() => setup())

rollout('a clean rollout: image pinned by digest, new revision, success, revision remembered (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  const digest = await pushImage('v2')
  const r = await deploy(['--json'])
  assert.is(r.code, 0, r.all)
  const doc = documentOf(r)
  assert.is(doc.outcome, 'success')
  assert.is(doc.registered, true)
  assert.is(doc.image, `${REGISTRY}/backend-flask@${digest}`)
  assert.match(doc.taskDefinition ?? '', /task-definition\/backend-flask:2$/)
  assert.match(doc.reason, /completed: 1\/1 tasks run backend-flask:2/)
  // Progress went to stderr, with ECS's events as they came.
  assert.match(r.stderr, /has started 1 tasks/)
  assert.match(r.stderr, /has reached a steady state/)
  assert.ok((await tagsOf(doc.taskDefinition as string)).some((t) => t.key === SUCCEEDED_TAG))
  assert.is(timeline.mutations().filter((c) => c.action === 'UpdateService').length, 1)
})

rollout('after deploy pinned the image by digest, the task-definition step sees no change while the tag still names it (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  await pushImage('v2')
  assert.is((await deploy()).code, 0)
  const plan = await runKit('ecs/register-task-definition', ['backend-flask', '--dry-run'], { env: ENV })
  assert.is(plan.code, 0, plan.all)
  assert.match(plan.stdout, /unchanged\s+task definition backend-flask: backend-flask:2/)
  // With IMAGE_TAG set, a new image under the tag is a change again.
  await pushImage('v3')
  const next = await runKit('ecs/register-task-definition', ['backend-flask', '--dry-run'], { env: { ...ENV, IMAGE_TAG: 'latest' } })
  assert.match(next.stdout, /would update\s+task definition backend-flask: new revision after backend-flask:2, differs in containerDefinitions\[backend-flask\]\.image/)
})

rollout('deploying what already runs: no new revision, no deployment, no mutating call (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  await pushImage('v2')
  assert.is((await deploy()).code, 0)
  timeline.calls.length = 0
  const r = await deploy()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /nothing to deploy: backend-flask:2 already runs \(1\/1 tasks/)
  assert.equal(timeline.mutations(), [])
})

rollout('a circuit-breaker rollback is a failure; waitUntilServicesStable calls the same timeline a success (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.rollback)
  await pushImage('v2')
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /rollback: ECS rolled back: the service now runs backend-flask:1 \(the rollback is still rolling out\); deployment ecs-svc\/\d+ of backend-flask:2 failed \(ECS deployment circuit breaker/)
  assert.match(r.stdout, /OutOfMemoryError/)
  assert.ok(timeline.polls() <= TIMELINES.rollback.shows + 1, `verdict after ${timeline.polls()} polls`)

  // The same timeline from the start, judged by the SDK's waiter.
  const ctx = timeline.context()
  assert.ok(ctx)
  useTimeline(TIMELINES.rollback)
  timeline.arm({ ...ctx, newTd: ctx.newTd, serviceName: 'backend-flask' })
  const sdk = viaProxy.client(ECSClient, 'ECS')
  const waited = await waitUntilServicesStable({ client: sdk, maxWaitTime: 20, minDelay: 0.05, maxDelay: 0.05 }, { cluster: 'cruddur', services: ['backend-flask'] })
  assert.is(waited.state, 'SUCCESS')
  const after = (await sdk.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]
  assert.match(after?.taskDefinition ?? '', /backend-flask:1$/, 'stable, on the OLD revision')
})

rollout('a crash loop: stopped tasks shown with exit codes as they happen, failure without a circuit breaker (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.crashLoop)
  await pushImage('v2')
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, /1 task stopped: EssentialContainerExited \| Essential container in task exited \| backend-flask exit 3/)
  assert.match(r.stdout, /\(3 so far\)/)
  assert.match(r.all, /crash-loop: the essential container keeps exiting the same way \(backend-flask exit 3\), 3 times/)
  assert.is(timeline.polls(), TIMELINES.crashLoop.shows + 1, 'the verdict comes at the poll that shows the third exit')
})

rollout('CannotPullContainerError: failure at the first stopped task, not after the circuit breaker (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.cannotPull)
  await pushImage('v2')
  const r = await deploy(['--json'])
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.cause, 'cannot-pull')
  assert.match(doc.reason, /CannotPullContainerError: pull image manifest has been retried/)
  assert.equal(doc.stopped?.map((s) => s.count), [1])
  assert.is(timeline.polls(), TIMELINES.cannotPull.shows + 1)
})

rollout('a failing health check: failure after the second unhealthy task (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.healthCheck)
  await pushImage('v2')
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /health-check: the container health check fails: 2 tasks stopped with "Task failed container health checks"/)
  assert.match(r.stdout, /failed container health checks\./)
})

rollout('desired count 0 is a failure, though ECS calls it completed and stable (scripted ECS rollout)', async () => {
  await setup({ desired: 0 })
  useTimeline(TIMELINES.desiredZero)
  await pushImage('v2')
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /desired-zero: the service's desired count is 0: backend-flask:2 would run no task/)
})

rollout('a second deployment started while waiting: superseded, a failure (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.superseded)
  await pushImage('v2')
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /superseded: deployment ecs-svc\/\d+ of backend-flask:2 was superseded by ecs-svc\/\d+ \(backend-flask:3\)/)
})

rollout('throttling during the wait: the SDK retries, the verdict is still right (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.throttled)
  await pushImage('v2')
  const r = await deploy()
  assert.is(r.code, 0, r.all)
  assert.is(timeline.throttled(), 4)
  assert.match(r.stdout, /\[OK\] deploy backend-flask/)
})

rollout('throttling beyond the SDK’s retries: the wait says so and goes on polling (scripted ECS rollout)', async () => {
  useTimeline({ ...TIMELINES.clean, frames: TIMELINES.clean.frames.map((f, i) => (i === 1 ? { ...f, throttle: 3 } : f)) })
  await pushImage('v2')
  const r = await deploy([], { AWS_MAX_ATTEMPTS: '2' })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /polling ECS failed after the SDK's retries \(ThrottlingException\); trying again/)
  assert.match(r.stdout, /\[OK\] deploy backend-flask/)
})

rollout('a rollout that never settles: the kit’s own --timeout ends the wait with a failure (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.neverSettles)
  await pushImage('v2')
  const t0 = performance.now()
  const r = await runKit('deploy', ['backend-flask', '--interval', '0.05', '--timeout', '1'], { env: ENV })
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /timeout: no verdict within 1s: deployment ecs-svc\/\d+ is still starting, 0\/1 running/)
  assert.ok(performance.now() - t0 < 10000)
})

rollout('--no-wait starts the deployment; scripts/wait gives its verdict (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  await pushImage('v2')
  const started = await deploy(['--no-wait'])
  assert.is(started.code, 0, started.all)
  assert.match(started.stdout, /deployment ecs-svc\/\d+ of backend-flask:2 started; follow it with scripts\/wait backend-flask/)
  const r = await runKit('wait', ['backend-flask', ...FAST], { env: ENV })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /\[OK\] wait backend-flask: deployment ecs-svc\/\d+ completed/)
})

rollout('scripts/wait during a circuit-breaker rollback reports the failed deployment (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.rollback)
  await pushImage('v2')
  assert.is((await deploy(['--no-wait'])).code, 0)
  // Let ECS get as far as the rollback before anyone waits.
  const sdk = viaProxy.client(ECSClient, 'ECS')
  for (let i = 0; i < TIMELINES.rollback.shows; i++) await sdk.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))
  const r = await runKit('wait', ['backend-flask', ...FAST, '--json'], { env: ENV })
  assert.is(r.code, 1, r.all)
  assert.is(documentOf(r).cause, 'rollback')
})

rollout('rollback goes to the last revision that succeeded, not the previous one; --rollback-on-failure does it itself (scripted ECS rollout)', async () => {
  // :2 deploys fine, :3 crash-loops, :4 cannot be pulled. The previous revision of :4 is :3.
  useTimeline(TIMELINES.clean)
  await pushImage('v2')
  assert.is((await deploy()).code, 0)
  useTimeline(TIMELINES.crashLoop)
  await pushImage('v3')
  assert.is((await deploy()).code, 1)
  useTimeline(TIMELINES.cannotPull, [TIMELINES.clean])
  await pushImage('v4')
  const failed = await deploy(['--rollback-on-failure', '--json'])
  assert.is(failed.code, 1, failed.all)
  const doc = documentOf(failed)
  assert.is(doc.cause, 'cannot-pull')
  assert.match(doc.rolledBack?.taskDefinition ?? '', /backend-flask:2$/)
  assert.is(doc.rolledBack?.outcome, 'success')

  // And by hand: from :4 (failing again) back to :2.
  useTimeline(TIMELINES.crashLoop)
  await pushImage('v5')
  assert.is((await deploy()).code, 1)
  useTimeline(TIMELINES.clean)
  const r = await runKit('rollback', ['backend-flask', ...FAST], { env: ENV })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /rollback backend-flask: from backend-flask:5 to backend-flask:2 \((deployment ecs-svc\/\d+ completed|deployed successfully by the kit at)/)
})

rollout('deploy creates the service when it is missing (scripted ECS rollout)', async () => {
  await setup({ service: false })
  useTimeline(TIMELINES.clean)
  const r = await deploy()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /service backend-flask created/)
  assert.match(r.stdout, /\[OK\] deploy backend-flask: deployment ecs-svc\/\d+ completed: 1\/1 tasks run backend-flask:1/)
})

const usage = suite('deploy, wait, rollback: usage and preconditions')

usage.before(() => setup())

usage('bad arguments exit 2 with one line; a missing image exits 1 saying what to push', async () => {
  const unknown = await runKit('deploy', ['no-such-service'], { env: ENV })
  assert.is(unknown.code, 2, unknown.all)
  assert.match(unknown.stderr, /service "no-such-service" is not declared in json\/services\.json/)
  const timeout = await runKit('wait', ['backend-flask', '--timeout', 'soon'], { env: ENV })
  assert.is(timeout.code, 2)
  assert.match(timeout.stderr, /--timeout must be a positive number of seconds/)
  const to = await runKit('rollback', ['backend-flask', '--to', 'other:1'], { env: ENV })
  assert.is(to.code, 2, to.all)
  const badTag = await deploy(['--tag', 'a b'])
  assert.is(badTag.code, 2, badTag.all)
  const missing = await deploy(['--tag', 'nope'])
  assert.is(missing.code, 1, missing.all)
  assert.match(missing.stderr, /no image backend-flask:nope in ECR: build and push it first/)
  assert.is(missing.stderr.trim().split('\n').length, 1)
})

usage('no cluster: one line saying what to run first', async () => {
  await resetMoto()
  timeline.forget()
  const r = await runKit('wait', ['backend-flask'], { env: ENV })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, /ECS cluster cruddur not found: run \.\/scripts\/provision/)
  await setup()
})

usage('rollback with no known success says so and names --to', async () => {
  const r = await runKit('rollback', ['backend-flask'], { env: ENV })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, /no revision of backend-flask other than the running backend-flask:1 is known to have deployed successfully: give one with --to backend-flask:N/)
})

usage('--help of each', async () => {
  for (const script of ['deploy', 'wait', 'rollback']) {
    const r = await runKit(script, ['--help'])
    assert.is(r.code, 0)
    assert.match(r.stdout, /--timeout SECONDS/)
  }
})

usage.after(() => timeline.stop())

rollout.run()
usage.run()
