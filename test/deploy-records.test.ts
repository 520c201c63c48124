import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeServicesCommand, ECSClient, type ServiceDeployment } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import type { DeployDocument } from '../lib/deploy/command.js'
import { judgedBy, parseWaitUntil, recordVerdict, stageReached, StageLog, withRecord, LIFECYCLE_STAGES } from '../lib/deploy/records.js'
import type { Verdict } from '../lib/deploy/verdict.js'
import { RECORD_TIMELINES, startEcsTimeline, TIMELINES, type EcsTimeline, type Timeline } from '../lib/aws/rollout-emulator.js'
import { resetMoto } from './helpers/moto.js'
import { runKit, type RunResult } from './helpers/run.js'
import { deployFixture, FIXTURE_ENV, pushImage } from './helpers/deploy-fixture.js'
import { unroutedBackendFiles, withServices } from './helpers/services.js'
import { ROOT } from '../lib/config/paths.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// ---- pure: the verdict from a record ---------------------------------------------------------

const ARN = 'arn:aws:ecs:eu-west-2:123456789012:service-deployment/cruddur/backend-flask/NCWGC2ZR-taawPAYrIaU5'
const record = (fields: Partial<ServiceDeployment>): ServiceDeployment => ({ serviceDeploymentArn: ARN, targetServiceRevision: { requestedTaskCount: 1, runningTaskCount: 1 }, ...fields })

const pure = suite('deploy records: the verdict from ECS service deployment records (pure)')

pure('recordVerdict: SUCCESSFUL succeeds; ROLLBACK_* and STOPPED fail naming why; PENDING and IN_PROGRESS go on', () => {
  assert.is(recordVerdict(record({ status: 'SUCCESSFUL' }))?.kind, 'success')
  assert.is(recordVerdict(record({ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' })), undefined)
  assert.is(recordVerdict(record({ status: 'PENDING' })), undefined)
  const alarm = recordVerdict(
    record({
      status: 'ROLLBACK_IN_PROGRESS',
      lifecycleStage: 'BAKE_TIME',
      alarms: { status: 'TRIGGERED', alarmNames: ['cruddur-backend-flask-5xx', 'cruddur-backend-flask-unhealthy-hosts'], triggeredAlarmNames: ['cruddur-backend-flask-5xx'] },
    }),
  )
  assert.is(alarm?.kind, 'failure')
  assert.match((alarm as { reason: string }).reason, /^rolled back by CloudWatch alarm cruddur-backend-flask-5xx during BAKE_TIME; the rollback is still rolling out/)
  const breaker = recordVerdict(record({ status: 'ROLLBACK_SUCCESSFUL', deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 } }))
  assert.match((breaker as { reason: string }).reason, /^rolled back by the deployment circuit breaker after 3 failed tasks \(threshold 3\); the rollback is done/)
  const failedBack = recordVerdict(record({ status: 'ROLLBACK_FAILED', statusReason: 'the rollback could not place tasks' }))
  assert.match((failedBack as { reason: string }).reason, /rolled back: the rollback could not place tasks; the rollback FAILED too/)
  const stopped = recordVerdict(record({ status: 'STOPPED', statusReason: 'Service deployment stopped by StopServiceDeployment (ABORT).' }))
  assert.equal([stopped?.kind, (stopped as { cause: string }).cause], ['failure', 'stopped'])
  assert.match((stopped as { reason: string }).reason, /was stopped: Service deployment stopped by StopServiceDeployment \(ABORT\)\./)
  const stoppedByAlarm = recordVerdict(record({ status: 'STOPPED', lifecycleStage: 'BAKE_TIME', alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['cruddur-backend-flask-5xx'] } }))
  assert.match((stoppedByAlarm as { reason: string }).reason, /was stopped during BAKE_TIME by CloudWatch alarm cruddur-backend-flask-5xx/)
})

pure('withRecord: the record decides; the fail-fast rules still fail first; no record, DescribeServices decides; one rule picks the path', () => {
  const going: Verdict = { kind: 'in-progress', phase: 'settling', running: 1, desired: 1, pending: 0 }
  const done: Verdict = { kind: 'success', running: 1, desired: 1, reason: 'deployment ecs-svc/1 completed' }
  const pull: Verdict = { kind: 'failure', cause: 'cannot-pull', reason: 'the image cannot be pulled' }
  assert.is(withRecord(done, record({ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' })).kind, 'in-progress', 'ECS still bakes: not yet a success')
  assert.is(withRecord(going, record({ status: 'SUCCESSFUL' })).kind, 'success')
  assert.is(withRecord(pull, record({ status: 'IN_PROGRESS' })), pull)
  assert.is((withRecord(going, record({ status: 'ROLLBACK_REQUESTED', alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['a'] } })) as { cause: string }).cause, 'rollback')
  assert.is(withRecord(done, undefined), done)
  assert.is(judgedBy(undefined), 'describe-services')
  assert.is(judgedBy([]), 'records')
})

pure('--wait-until: deployed or stage:STAGE from the SDK enum, anything else refused naming them; a stage passed between polls counts as reached', () => {
  assert.equal(parseWaitUntil(undefined), { kind: 'deployed' })
  assert.equal(parseWaitUntil('stage:BAKE_TIME'), { kind: 'stage', stage: 'BAKE_TIME' })
  for (const bad of ['stage:BAKE', 'ready', 'stage:', 'bake_time']) {
    assert.throws(() => parseWaitUntil(bad), (e: Error) => /--wait-until must be "deployed" or "stage:STAGE" with STAGE one of .*BAKE_TIME/.test(e.message) && (e as { exitCode?: number }).exitCode === 2)
  }
  assert.ok(LIFECYCLE_STAGES.includes('PRODUCTION_TRAFFIC_SHIFT') && LIFECYCLE_STAGES.includes('CLEAN_UP'))
  assert.ok(stageReached('BAKE_TIME', 'BAKE_TIME'))
  assert.ok(stageReached('CLEAN_UP', 'BAKE_TIME'))
  assert.not.ok(stageReached('PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME'))
  assert.not.ok(stageReached(undefined, 'SCALE_UP'))
  const log = new StageLog()
  assert.is(log.observe('SCALE_UP', 0), undefined)
  assert.equal(log.observe('SCALE_UP', 500), undefined)
  assert.equal(log.observe('BAKE_TIME', 2000), { label: 'SCALE_UP', ms: 2000 })
  assert.is(log.summary(3000, (ms) => `${ms / 1000}s`), 'SCALE_UP 2s → BAKE_TIME 1s')
})

pure.run()

// ---- scripted ECS deployment records, through the scripts ----------------------------------

const ACCOUNT = '123456789012'
const FAST = ['--interval', '0.05', '--timeout', '20']
const timeline: EcsTimeline = await startEcsTimeline(process.env.AWS_ENDPOINT_URL as string, ACCOUNT)
const direct = await openContext(process.env, { mode: 'read-only' })
const ENV = { AWS_ENDPOINT_URL: timeline.url, ...FIXTURE_ENV, AWS_MAX_ATTEMPTS: '5' }

const deploy = (args: string[] = []): Promise<RunResult> => runKit('deploy', ['backend-flask', ...FAST, ...args], { env: ENV })
const documentOf = (r: RunResult): DeployDocument => {
  try {
    return JSON.parse(r.stdout) as DeployDocument
  } catch {
    throw new Error(`not a JSON document:\n${r.all}`)
  }
}
const useTimeline = (t: Timeline) => {
  timeline.use(t)
  timeline.calls.length = 0
}

const scripted = suite('deploy records (scripted ECS deployment records)')

scripted.before.each(async () => {
  await resetMoto()
  timeline.forget()
  await deployFixture(direct, { service: true, desired: 1 })
})

scripted('a canary that completes: judged from its record, each stage shown with its time, success (scripted ECS deployment records)', async () => {
  useTimeline(RECORD_TIMELINES.canary)
  await pushImage(direct, 'v2')
  const r = await deploy(['--json'])
  assert.is(r.code, 0, r.all)
  const doc = documentOf(r)
  assert.is(doc.outcome, 'success')
  assert.is(doc.judgedBy, 'records')
  assert.match(doc.reason, /^service deployment [\w-]+ SUCCESSFUL: 1\/1 tasks of the new revision run/)
  assert.equal(
    doc.stages?.map((s) => s.label),
    ['SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT (5 %)', 'BAKE_TIME', 'PRODUCTION_TRAFFIC_SHIFT (100 %)', 'BAKE_TIME', 'CLEAN_UP'],
  )
  assert.match(r.stderr, /judged from ECS's service deployment record/)
  assert.match(r.stderr, /✓ PRODUCTION_TRAFFIC_SHIFT \(5 %\) \d+s\n/)
  assert.match(r.stderr, /stages: SCALE_UP \d+s → TEST_TRAFFIC_SHIFT \d+s → PRODUCTION_TRAFFIC_SHIFT \(5 %\) \d+s → BAKE_TIME/)
  assert.is(timeline.polls(), RECORD_TIMELINES.canary.shows + 1, 'the verdict at the poll that shows SUCCESSFUL')
})

scripted('a canary rolled back by an alarm: a failure naming the alarm, at the poll that shows it (scripted ECS deployment records)', async () => {
  useTimeline(RECORD_TIMELINES.canaryAlarm)
  await pushImage(direct, 'v2')
  const r = await deploy()
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /\[FAILED\] deploy backend-flask: rollback: rolled back by CloudWatch alarm cruddur-backend-flask-5xx \(Service deployment rolled back because the CloudWatch alarm cruddur-backend-flask-5xx was triggered\.\) during BAKE_TIME/)
  assert.match(r.stdout, /✗ BAKE_TIME cut short after/)
  assert.is(timeline.polls(), RECORD_TIMELINES.canaryAlarm.shows + 1)
})

scripted('a blue/green whose bake is cut short by an alarm: failure naming it, within one poll (scripted ECS deployment records)', async () => {
  useTimeline(RECORD_TIMELINES.blueGreenBake)
  await pushImage(direct, 'v2')
  const r = await deploy(['--json'])
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.cause, 'rollback')
  assert.match(doc.reason, /rolled back by CloudWatch alarm cruddur-backend-flask-unhealthy-hosts .*during BAKE_TIME/)
  assert.is(timeline.polls(), RECORD_TIMELINES.blueGreenBake.shows + 1)
})

scripted('a rolling deployment rolled back by the circuit breaker: failure with the failed-task count (scripted ECS deployment records)', async () => {
  useTimeline(RECORD_TIMELINES.rollingBreaker)
  await pushImage(direct, 'v2')
  const r = await deploy(['--json'])
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.judgedBy, 'records')
  assert.match(doc.reason, /^rolled back by the deployment circuit breaker after 3 failed tasks \(threshold 3\)/)
  assert.is(timeline.polls(), RECORD_TIMELINES.rollingBreaker.shows + 1)
})

scripted('--wait-until stage:BAKE_TIME exits 0 once the deployment bakes, saying it goes on; scripts/wait then gives the verdict (scripted ECS deployment records)', async () => {
  useTimeline(RECORD_TIMELINES.canary)
  await pushImage(direct, 'v2')
  const r = await deploy(['--wait-until', 'stage:BAKE_TIME', '--json'])
  assert.is(r.code, 0, r.all)
  const doc = documentOf(r)
  assert.is(doc.outcome, 'reached')
  assert.match(doc.reason, /reached BAKE_TIME \(now BAKE_TIME\); the deployment goes on: follow it with scripts\/wait backend-flask/)
  assert.is(timeline.polls(), 4, 'BAKE_TIME is the fourth frame')
  const waited = await runKit('wait', ['backend-flask', ...FAST], { env: ENV })
  assert.is(waited.code, 0, waited.all)
  assert.match(waited.stdout, /\[OK\] wait backend-flask: service deployment [\w-]+ SUCCESSFUL/)
})

scripted('scripts/wait after an alarm rolled a canary back: the failure names the alarm (scripted ECS deployment records)', async () => {
  useTimeline(RECORD_TIMELINES.canaryAlarm)
  await pushImage(direct, 'v2')
  assert.is((await deploy(['--no-wait'])).code, 0)
  // Let ECS get as far as the rollback before anyone waits.
  const ecs = (await openContext({ ...process.env, AWS_ENDPOINT_URL: timeline.url }, { mode: 'read-only' })).client(ECSClient, 'ECS')
  for (let i = 0; i < RECORD_TIMELINES.canaryAlarm.shows; i++) await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))
  const r = await runKit('wait', ['backend-flask', ...FAST, '--json'], { env: ENV })
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  assert.is(doc.cause, 'rollback')
  assert.match(doc.reason, /rolled back by CloudWatch alarm cruddur-backend-flask-5xx/)
})

scripted('without records (moto answers HTTP 500): DescribeServices judges and says so; stage: is refused in one line before anything changes (scripted ECS rollout)', async () => {
  useTimeline(TIMELINES.clean)
  await pushImage(direct, 'v2')
  const refused = await deploy(['--wait-until', 'stage:BAKE_TIME'])
  assert.is(refused.code, 2, refused.all)
  assert.match(refused.stderr, /--wait-until stage:BAKE_TIME needs ECS's service deployment records, and this endpoint keeps none \(ListServiceDeployments does not answer\): use --wait-until deployed/)
  assert.is(refused.stderr.trim().split('\n').length, 1)
  assert.equal(timeline.mutations(), [])
  const bad = await deploy(['--wait-until', 'stage:BAKING'])
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /STAGE one of .*BAKE_TIME/)
  const r = await deploy(['--json'])
  assert.is(r.code, 0, r.all)
  assert.is(documentOf(r).judgedBy, 'describe-services')
  assert.match(r.stderr, /judged from DescribeServices \(this endpoint keeps no service deployment records/)
})

const rollback = (args: string[] = []): Promise<RunResult> => runKit('rollback', ['backend-flask', ...FAST, ...args], { env: ENV })
const followed = (r: RunResult): string[] => [...r.all.matchAll(/following service deployment (\S+)/g)].map((m) => m[1])

scripted('rollback judges from the record of the deployment it started: it completes, SUCCESSFUL, a success (scripted ECS deployment records)', async () => {
  useTimeline(RECORD_TIMELINES.canary)
  await pushImage(direct, 'v2')
  assert.is((await deploy()).code, 0)
  useTimeline(RECORD_TIMELINES.canary)
  const r = await rollback(['--to', 'backend-flask:1', '--json'])
  assert.is(r.code, 0, r.all)
  const doc = documentOf(r)
  assert.is(doc.outcome, 'success')
  assert.is(doc.judgedBy, 'records')
  assert.match(doc.taskDefinition ?? '', /:task-definition\/backend-flask:1$/)
  const ours = timeline.context()?.serviceDeploymentArn.split('/').pop()
  assert.equal(followed(r), [ours], 'the record of the rollback, not the deploy before it')
  assert.match(doc.reason, new RegExp(`^service deployment ${ours} SUCCESSFUL: 1/1 tasks of the new revision run`))
})

scripted('rollback whose own record ends ROLLBACK_SUCCESSFUL: a failure naming the alarm, never the SUCCESSFUL record of the same revision from a minute before (scripted ECS deployment records)', async () => {
  // backend-flask:2 deploys, goes back to :1 (a record of :1, SUCCESSFUL), deploys :2 again.
  useTimeline(RECORD_TIMELINES.canary)
  await pushImage(direct, 'v2')
  assert.is((await deploy()).code, 0)
  useTimeline(RECORD_TIMELINES.canary)
  assert.is((await rollback(['--to', 'backend-flask:1'])).code, 0)
  const earlier = timeline.context()?.serviceDeploymentArn.split('/').pop()
  useTimeline(RECORD_TIMELINES.canary)
  const again = await deploy()
  assert.is(again.code, 0, again.all)
  // Back to :1 again; an alarm rolls this one back. Its record is listed from the third poll on
  // (the API is eventually consistent): until then the earlier SUCCESSFUL record of :1 is the only one to match.
  const late: Timeline = { ...RECORD_TIMELINES.canaryAlarm, frames: RECORD_TIMELINES.canaryAlarm.frames.map((f, i) => (i < 2 ? { ...f, unlisted: true } : f)) }
  useTimeline(late)
  const r = await rollback(['--to', 'backend-flask:1', '--json'])
  assert.is(r.code, 1, r.all)
  const doc = documentOf(r)
  const ours = timeline.context()?.serviceDeploymentArn.split('/').pop()
  assert.equal(followed(r), [ours], `followed ${followed(r)}, not the earlier rollback's ${earlier}`)
  assert.is(doc.cause, 'rollback')
  assert.match(doc.reason, new RegExp(`^rolled back by CloudWatch alarm cruddur-backend-flask-5xx .*during BAKE_TIME; the rollback is (done|still rolling out) \\(service deployment ${ours}, ROLLBACK_(SUCCESSFUL|IN_PROGRESS)\\)`))
})

scripted('a CANARY service (not routed: through Service Connect) deploys with no false circuit-breaker note, its rollback alarms protect it; without them the note names them (scripted ECS deployment records)', async () => {
  await resetMoto()
  timeline.forget()
  await deployFixture(direct, { service: true, desired: 1, frontDoor: false })
  const backend = JSON.parse(readFileSync(join(ROOT, 'json/services.json'), 'utf8'))['backend-flask']
  const canary = { ...backend, frontDoor: false, deployment: { strategy: 'CANARY' } }
  await withServices({ 'backend-flask': canary }, unroutedBackendFiles(), async (kit) => {
    useTimeline(RECORD_TIMELINES.canary)
    await pushImage(direct, 'v2')
    const r = await kit.run('deploy', ['backend-flask', ...FAST], { env: ENV })
    assert.is(r.code, 0, r.all)
    assert.not.match(r.stdout, /circuit breaker/, 'ECS applies the breaker to ROLLING only: its absence is no finding for a canary')
    assert.not.match(r.stdout, /note:/)
    assert.match(r.stdout, /\[OK\] deploy backend-flask: service deployment [\w-]+ SUCCESSFUL/)
    const update = timeline.calls.filter((c) => c.action === 'UpdateService')
    assert.is(update.length, 1)
  })
  await withServices({ 'backend-flask': { ...canary, rollbackAlarms: false } }, unroutedBackendFiles(), async (kit) => {
    useTimeline(RECORD_TIMELINES.canary)
    await pushImage(direct, 'v3')
    const r = await kit.run('deploy', ['backend-flask', ...FAST], { env: ENV })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, /note: backend-flask deploys CANARY without rollback alarms \("rollbackAlarms": false in json\/services\.json; the circuit breaker is ROLLING's only\), so ECS rolls nothing back by itself/)
    assert.not.match(r.stdout, /turns on no deployment circuit breaker/)
  })
})

scripted.after(() => timeline.stop())

scripted.run()
