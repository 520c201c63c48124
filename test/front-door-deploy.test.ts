import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2'
import { openContext } from '../lib/aws/context.js'
import type { DeployDocument } from '../lib/deploy/command.js'
import { elbEventFailure, targetVerdict, withTargets, type TargetSnapshot } from '../lib/deploy/target-health.js'
import type { Verdict } from '../lib/deploy/verdict.js'
import { events, startEcsTimeline, TARGET, TIMELINES, type EcsTimeline, type Timeline } from '../lib/aws/rollout-emulator.js'
import { resetMoto } from './helpers/moto.js'
import { runKit, type RunResult } from './helpers/run.js'
import { createFrontDoor, deployFixture, FIXTURE_ENV, pushImage, type FrontDoorFixture } from './helpers/deploy-fixture.js'
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'

// ---- pure: the verdict on the new tasks' targets -----------------------------------------

const TG = 'arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/cruddur-backend-flask-tg/0123456789abcdef'
const target = (id: string, State: string, Reason?: string, Description?: string): TargetHealthDescription =>
  ({ Target: { Id: id, Port: 4567, AvailabilityZone: 'eu-west-2a' }, HealthCheckPort: '4567', TargetHealth: { State, Reason, Description } }) as TargetHealthDescription
const snapshot = (taskIps: string[], targets: TargetHealthDescription[]): TargetSnapshot => ({ taskIps, groups: [{ targetGroupArn: TG, targets }] })

const pure = suite('front door deploy: the target verdict (pure)')

pure('targetVerdict: healthy only when every new task is a healthy target; unhealthy fails at once, quoting reason and description; old tasks do not count', () => {
  const cases: Array<[string, TargetSnapshot, number, string]> = [
    ['no task running yet', snapshot([], [target('10.0.0.9', 'healthy')]), 1, 'waiting'],
    ['new task not registered yet (only the old task, healthy)', snapshot(['10.0.1.5'], [target('10.0.0.9', 'healthy')]), 1, 'waiting'],
    ['initial', snapshot(['10.0.1.5'], [target('10.0.1.5', 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress')]), 1, 'waiting'],
    ['healthy', snapshot(['10.0.1.5'], [target('10.0.1.5', 'healthy'), target('10.0.0.9', 'draining', 'Target.DeregistrationInProgress')]), 1, 'healthy'],
    ['one of two healthy', snapshot(['10.0.1.5', '10.0.1.6'], [target('10.0.1.5', 'healthy'), target('10.0.1.6', 'initial')]), 2, 'waiting'],
    ['an OLD task unhealthy: not this deployment', snapshot(['10.0.1.5'], [target('10.0.1.5', 'healthy'), target('10.0.0.9', 'unhealthy', 'Target.Timeout')]), 1, 'healthy'],
    ['ELB internal error: not the app', snapshot(['10.0.1.5'], [target('10.0.1.5', 'unhealthy', 'Elb.InternalError')]), 1, 'waiting'],
    ['a wrong response code', snapshot(['10.0.1.5'], [target('10.0.1.5', 'unhealthy', 'Target.ResponseCodeMismatch', 'Health checks failed with these codes: [502]')]), 1, 'failure'],
  ]
  for (const [name, snap, desired, kind] of cases) assert.is(targetVerdict(snap, desired).kind, kind, `${name}: ${JSON.stringify(targetVerdict(snap, desired))}`)
  const failed = targetVerdict(snapshot(['10.0.1.5'], [target('10.0.1.5', 'unhealthy', 'Target.ResponseCodeMismatch', 'Health checks failed with these codes: [502]')]), 1)
  assert.is(
    (failed as { reason: string }).reason,
    "a new task fails the load balancer's health checks: target 10.0.1.5:4567 in cruddur-backend-flask-tg is unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [502])",
  )
})

pure("withTargets: ECS's success waits for healthy targets; a target failure or ECS's ELB event is a failure; ECS's failure comes first", () => {
  const success: Verdict = { kind: 'success', running: 1, desired: 1, reason: 'deployment ecs-svc/1 completed: 1/1 tasks run backend-flask:2' }
  const progress: Verdict = { kind: 'in-progress', phase: 'rolling out', running: 0, desired: 1, pending: 1 }
  const failure: Verdict = { kind: 'failure', cause: 'cannot-pull', reason: 'the image cannot be pulled' }
  const waiting = { kind: 'waiting', detail: 'cruddur-backend-flask-tg: 0/1 new targets healthy' } as const
  const healthy = { kind: 'healthy', detail: '1 new target healthy in cruddur-backend-flask-tg' } as const
  const bad = { kind: 'failure', reason: 'target 10.0.1.5:4567 is unhealthy: Target.Timeout' } as const
  assert.is(withTargets(success, waiting).kind, 'in-progress')
  assert.is(withTargets(success, healthy).kind, 'success')
  assert.match((withTargets(success, healthy) as { reason: string }).reason, '1 new target healthy in cruddur-backend-flask-tg')
  assert.equal(withTargets(progress, bad), { kind: 'failure', cause: 'load-balancer-health-check', reason: bad.reason })
  assert.equal(withTargets(failure, bad), failure)
  assert.is(withTargets(progress, waiting), progress)
  const event = `(service backend-flask) (task 0123456789abcdef0123456789abcdef) failed ELB health checks in (target-group ${TG}).`
  assert.is(elbEventFailure([{ message: '(service backend-flask) has started 1 tasks: (task abc).' }, { message: event }]), event)
  assert.is(elbEventFailure([{ message: '(service backend-flask) (task abc) failed container health checks.' }]), undefined)
  const fromEvent = withTargets(progress, waiting, event)
  assert.is(fromEvent.kind, 'failure')
  assert.match((fromEvent as { reason: string }).reason, 'failed ELB health checks in (target-group')
})

pure.run()

// ---- scripted rollouts behind the load balancer -------------------------------------------

const ACCOUNT = '123456789012'
const FAST = ['--interval', '0.05', '--timeout', '20']
const timeline: EcsTimeline = await startEcsTimeline(process.env.AWS_ENDPOINT_URL as string, ACCOUNT)
const direct = await openContext(process.env, { mode: 'read-only' })
const ENV = { AWS_ENDPOINT_URL: timeline.url, ...FIXTURE_ENV, AWS_MAX_ATTEMPTS: '5', ECS_SERVICES: 'backend-flask' }

const deploy = (args: string[] = []): Promise<RunResult> => runKit('deploy', ['backend-flask', ...FAST, ...args], { env: ENV })
const documentOf = (r: RunResult): DeployDocument => {
  try {
    return JSON.parse(r.stdout) as DeployDocument
  } catch {
    throw new Error(`not a JSON document:\n${r.all}`)
  }
}

let door: FrontDoorFixture
const rollout = suite('deploy behind the load balancer (scripted ECS rollout and target health)')
rollout.before.each(async () => {
  await resetMoto()
  timeline.forget()
  door = (await deployFixture(direct)) as FrontDoorFixture
  await pushImage(direct, 'v2')
})

const use = (t: Timeline) => {
  timeline.use(t)
  timeline.calls.length = 0
}

rollout('targets initial, then healthy: success only once healthy, the URL printed last (scripted ECS rollout and target health)', async () => {
  use(TIMELINES.behindLoadBalancer)
  const r = await deploy()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /\[OK\] deploy backend-flask: deployment .* completed: 1\/1 tasks run backend-flask:2; 1 new target healthy in cruddur-backend-flask-tg/)
  // The wait showed the targets on their way (the emulator answered DescribeTargetHealth in XML, parsed by the real SDK).
  assert.match(r.stdout, /targets: cruddur-backend-flask-tg: 0\/1 new targets healthy \(10\.0\.\d+\.\d+ initial: Elb\.(RegistrationInProgress|InitialHealthChecking)/)
  const lines = r.stdout.trim().split('\n')
  assert.is(lines.at(-1), `backend-flask is behind http://${door.dnsName}`)
  assert.ok(timeline.calls.some((c) => c.action === 'DescribeTargetHealth' && c.scripted))
  assert.ok(timeline.polls() >= TIMELINES.behindLoadBalancer.shows + 1, `no success before the targets were healthy (${timeline.polls()} polls)`)
  const json = await deploy(['--json', '--force'])
  assert.is(documentOf(json).url, `http://${door.dnsName}`)
})

rollout('targets failing their ELB health checks: fails fast, quoting the reason and description, within one poll (scripted ECS rollout and target health)', async () => {
  use(TIMELINES.elbUnhealthy)
  const r = await deploy(['--json'])
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.outcome, 'failure')
  assert.is(doc.cause, 'load-balancer-health-check')
  assert.match(doc.reason, /target 10\.0\.\d+\.\d+:4567 in cruddur-backend-flask-tg is unhealthy: Target\.ResponseCodeMismatch \(Health checks failed with these codes: \[502\]\)/)
  assert.ok(timeline.polls() <= TIMELINES.elbUnhealthy.shows + 1, `verdict after ${timeline.polls()} polls (shown at poll ${TIMELINES.elbUnhealthy.shows + 1})`)
  assert.is(doc.url, `http://${door.dnsName}`)
})

rollout("ECS's event \"failed ELB health checks\" alone also fails fast (scripted ECS rollout and target health)", async () => {
  const eventOnly: Timeline = {
    name: 'only the ECS event',
    truth: 'failure',
    shows: 2,
    frames: [
      TIMELINES.elbUnhealthy.frames[0],
      TIMELINES.elbUnhealthy.frames[1],
      { ...TIMELINES.elbUnhealthy.frames[1], targets: TARGET.checking, events: (c) => [events.elbUnhealthy(c, { taskArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:task/cruddur/0123456789abcdef0123456789abcdef`, startedBy: c.newId })] },
      ...TIMELINES.elbUnhealthy.frames.slice(3),
    ],
  }
  use(eventOnly)
  const r = await deploy(['--json'])
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.cause, 'load-balancer-health-check')
  assert.match(doc.reason, `failed ELB health checks in (target-group ${door.targetGroupArns['backend-flask']})`)
  assert.ok(timeline.polls() <= eventOnly.shows + 1, `verdict after ${timeline.polls()} polls`)
})

rollout('targets that never become healthy: the timeout says what the targets wait on (scripted ECS rollout and target health)', async () => {
  const stuck: Timeline = { name: 'targets stuck in initial', truth: 'failure', shows: Number.POSITIVE_INFINITY, frames: [TIMELINES.behindLoadBalancer.frames[0], TIMELINES.behindLoadBalancer.frames[2]] }
  use(stuck)
  const r = await runKit('deploy', ['backend-flask', '--interval', '0.05', '--timeout', '2', '--json'], { env: ENV })
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.cause, 'timeout')
  assert.match(doc.reason, /targets: cruddur-backend-flask-tg: 0\/1 new targets healthy \(10\.0\.\d+\.\d+ initial: Elb\.InitialHealthChecking/)
})

rollout('wait judges the same way: a deployment started with --no-wait whose targets fail (scripted ECS rollout and target health)', async () => {
  use(TIMELINES.elbUnhealthy)
  const started = await deploy(['--no-wait'])
  assert.is(started.code, 0, started.all)
  const r = await runKit('wait', ['backend-flask', ...FAST, '--json'], { env: ENV })
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.cause, 'load-balancer-health-check')
  assert.match(doc.reason, 'Target.ResponseCodeMismatch (Health checks failed with these codes: [502])')
})

rollout('deploy attaches a service made before the front door to its target group (UpdateService loadBalancers, read back) (scripted ECS rollout and target health)', async () => {
  await resetMoto()
  timeline.forget()
  await deployFixture(direct, { frontDoor: false })
  await pushImage(direct, 'v2')
  const made = await createFrontDoor(direct, ['backend-flask'])
  use(TIMELINES.behindLoadBalancer)
  const r = await deploy()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /settings differ in loadBalancers/)
  const ecs = direct.client(ECSClient, 'ECS')
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]
  assert.equal(service?.loadBalancers, [{ targetGroupArn: made.targetGroupArns['backend-flask'], containerName: 'backend-flask', containerPort: 4567 }])
  assert.is(service?.healthCheckGracePeriodSeconds, 60)
})

rollout.after(() => timeline.stop())
rollout.run()
