// Rollback alarms (lib/steps/rollback-alarms.ts, lib/teardown/alarms.ts, the service request's
// deploymentConfiguration.alarms, status): the declaration, the pure parts, and provision,
// status and teardown against moto, which models CloudWatch alarms for real (ECS's CreateService
// there drops deploymentConfiguration: what the kit asked for is read at a recording proxy).
import './helpers/guard.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch'
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient, UpdateClusterCommand, UpdateServiceCommand, type CreateServiceCommandInput } from '@aws-sdk/client-ecs'
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { openContext } from '../lib/aws/context.js'
import { ROOT } from '../lib/config/paths.js'
import { DEFAULT_ROLLBACK_ALARMS, declaredServices, parseServices } from '../lib/config/services.js'
import { withRollbackAlarms } from '../lib/front-door/service-request.js'
import { rollbackAlarmsDrift } from '../lib/steps/ecs-service.js'
import { alarmDrift, loadBalancerDimension, rollbackAlarmNames, targetGroupDimension, wantedAlarm } from '../lib/steps/rollback-alarms.js'
import { recordingProxy, withProxy } from './helpers/aws-proxy.js'
import { runKit } from './helpers/run.js'
import { startScriptedProxy } from './helpers/scripted-proxy.js'
import { withServices } from './helpers/services.js'
import { provisionStack, STACK_ENV } from './helpers/stack.js'

// ---- the declaration ----
const declaration = suite('lib/config/services: rollbackAlarms')
const parse = (rollbackAlarms: unknown) => parseServices('json/services.json', { a: { containerPort: 80, ...(rollbackAlarms === undefined ? {} : { rollbackAlarms }) } })[0]

declaration('the repo declares none: both services get the defaults (5 % 5xx, 1 unhealthy host, 1 task missing, 2 of 3 minutes)', () => {
  assert.equal(DEFAULT_ROLLBACK_ALARMS, { target5xxPercent: 5, unhealthyHosts: 1, tasksBelowDesired: 1, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 })
  for (const s of declaredServices()) assert.equal(s.rollbackAlarms, DEFAULT_ROLLBACK_ALARMS, s.name)
})
declaration('absent or true: the defaults; false: none; fields given keep the others at their defaults', () => {
  assert.equal(parse(undefined).rollbackAlarms, DEFAULT_ROLLBACK_ALARMS)
  assert.equal(parse(true).rollbackAlarms, DEFAULT_ROLLBACK_ALARMS)
  assert.is(parse(false).rollbackAlarms, undefined)
  assert.equal(parse({ target5xxPercent: 1.5, evaluationPeriods: 5 }).rollbackAlarms, { ...DEFAULT_ROLLBACK_ALARMS, target5xxPercent: 1.5, evaluationPeriods: 5 })
  assert.equal(parse({ tasksBelowDesired: false }).rollbackAlarms, { ...DEFAULT_ROLLBACK_ALARMS, tasksBelowDesired: false }, 'the task count alone opted out')
})
const BAD: Array<[string, unknown, string]> = [
  ['a number', 5, 'json/services.json: a.rollbackAlarms must be an object ({"target5xxPercent": 5, "unhealthyHosts": 1}) or false (no rollback alarms)'],
  ['a 5xx rate of 0', { target5xxPercent: 0 }, 'json/services.json: a.rollbackAlarms.target5xxPercent must be a percentage above 0, up to 100, got 0'],
  ['a 5xx rate as text', { target5xxPercent: '5' }, 'json/services.json: a.rollbackAlarms.target5xxPercent must be a percentage above 0, up to 100, got "5"'],
  ['no task missing', { tasksBelowDesired: 0 }, 'json/services.json: a.rollbackAlarms.tasksBelowDesired must be a whole number of tasks from 1 to 5000, or false (no such alarm, no Container Insights), got 0'],
  ['no unhealthy host', { unhealthyHosts: 0 }, 'json/services.json: a.rollbackAlarms.unhealthyHosts must be a whole number of targets from 1 to 5000, got 0'],
  ['a period of 90 s', { periodSeconds: 90 }, 'json/services.json: a.rollbackAlarms.periodSeconds must be a multiple of 60 seconds, got 90'],
  ['more datapoints than periods', { datapointsToAlarm: 4 }, 'json/services.json: a.rollbackAlarms.datapointsToAlarm (4) must be at most evaluationPeriods (3)'],
  ['more than a day', { periodSeconds: 3600, evaluationPeriods: 25 }, 'json/services.json: a.rollbackAlarms.evaluationPeriods × periodSeconds must be at most 86400 seconds (one day), got 90000'],
  ['a misspelt field', { target5xx: 2 }, 'json/services.json: a.rollbackAlarms.target5xx is not a rollback alarm field (known: target5xxPercent, unhealthyHosts, tasksBelowDesired, periodSeconds, evaluationPeriods, datapointsToAlarm)'],
]
for (const [what, raw, message] of BAD) {
  declaration(`a bad rollbackAlarms declaration (${what}) is refused in one line naming the field`, () => {
    try {
      parse(raw)
      assert.unreachable('accepted')
    } catch (error) {
      assert.is((error as Error).message, message)
    }
  })
}
declaration.run()

// ---- pure parts ----
const pure = suite('lib/steps/rollback-alarms (pure)')
const LB = 'arn:aws:elasticloadbalancing:eu-west-2:123456789012:loadbalancer/app/cruddur-alb/50dc6c495c0c9188'
const TG = 'arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067'
const FRONT = { loadBalancer: 'app/cruddur-alb/50dc6c495c0c9188', targetGroup: 'targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067' }

pure('the dimensions are the ARNs\' suffixes; anything else is refused', () => {
  assert.is(loadBalancerDimension(LB), FRONT.loadBalancer)
  assert.is(targetGroupDimension(TG), FRONT.targetGroup)
  assert.throws(() => loadBalancerDimension(LB.replace('/app/', '/net/')), /not an application load balancer ARN/)
})
pure('names: a routed service gets three alarms, an internal one the task count alone, an opted-out one none', () => {
  const routed = declaredServices().find((s) => s.name === 'backend-flask')!
  assert.equal(rollbackAlarmNames(routed), ['cruddur-backend-flask-5xx', 'cruddur-backend-flask-unhealthy-hosts', 'cruddur-backend-flask-tasks-below-desired'])
  assert.equal(rollbackAlarmNames({ ...routed, frontDoor: undefined }), ['cruddur-backend-flask-tasks-below-desired'])
  const noTaskCount = { ...routed, rollbackAlarms: { ...DEFAULT_ROLLBACK_ALARMS, tasksBelowDesired: false as const } }
  assert.equal(rollbackAlarmNames(noTaskCount), ['cruddur-backend-flask-5xx', 'cruddur-backend-flask-unhealthy-hosts'], '"tasksBelowDesired": false drops that alarm alone')
  assert.equal(rollbackAlarmNames({ ...noTaskCount, frontDoor: undefined }), [], 'an internal service without it has none')
  assert.equal(rollbackAlarmNames({ ...routed, rollbackAlarms: undefined }), [])
})
pure('withRollbackAlarms keeps the file\'s circuit breaker and adds the alarms with rollback on; the drift names what differs', () => {
  const service = declaredServices().find((s) => s.name === 'frontend-react-js')!
  const file: CreateServiceCommandInput = { serviceName: 'frontend-react-js', deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200 } }
  const wanted = withRollbackAlarms(file, service)
  assert.equal(wanted.deploymentConfiguration, {
    deploymentCircuitBreaker: { enable: true, rollback: true },
    maximumPercent: 200,
    alarms: { alarmNames: ['cruddur-frontend-react-js-5xx', 'cruddur-frontend-react-js-unhealthy-hosts', 'cruddur-frontend-react-js-tasks-below-desired'], enable: true, rollback: true },
  })
  assert.equal(withRollbackAlarms(file, { ...service, rollbackAlarms: undefined }), file)
  // AWS returns deploymentConfiguration always; moto's CreateService drops it: nothing to compare.
  assert.equal(rollbackAlarmsDrift(wanted, { serviceName: 'frontend-react-js' }), [])
  assert.equal(rollbackAlarmsDrift(wanted, { deploymentConfiguration: { ...wanted.deploymentConfiguration, alarms: { ...wanted.deploymentConfiguration!.alarms!, alarmNames: [...wanted.deploymentConfiguration!.alarms!.alarmNames!].reverse() } } }), [])
  assert.equal(rollbackAlarmsDrift(wanted, { deploymentConfiguration: { maximumPercent: 200 } }), [
    'rollback alarms none → cruddur-frontend-react-js-5xx,cruddur-frontend-react-js-tasks-below-desired,cruddur-frontend-react-js-unhealthy-hosts (rollback on)',
  ])
})
pure('alarmDrift: nothing for the alarm as wanted; each field that differs, named', () => {
  const want = wantedAlarm('unhealthy-hosts', 'backend-flask', 'cruddur', DEFAULT_ROLLBACK_ALARMS, FRONT)
  const have = { ...want, StateValue: 'OK' } as MetricAlarm
  assert.equal(alarmDrift(have, want), [])
  assert.equal(alarmDrift({ ...have, Threshold: 3, EvaluationPeriods: 5, TreatMissingData: 'breaching' }, want), ['threshold 3 → 1', 'evaluation periods 5 → 3', 'missing data breaching → notBreaching'])
  const rate = wantedAlarm('5xx', 'backend-flask', 'cruddur', DEFAULT_ROLLBACK_ALARMS, FRONT)
  assert.equal(alarmDrift(rate as MetricAlarm, rate), [])
  const slower = wantedAlarm('5xx', 'backend-flask', 'cruddur', { ...DEFAULT_ROLLBACK_ALARMS, periodSeconds: 300 }, FRONT)
  assert.equal(alarmDrift(rate as MetricAlarm, slower), ['period 60 s → 300 s'])
  const elsewhere = wantedAlarm('5xx', 'backend-flask', 'cruddur', DEFAULT_ROLLBACK_ALARMS, { ...FRONT, targetGroup: 'targetgroup/other/1' })
  assert.match(alarmDrift(rate as MetricAlarm, elsewhere).join(), /^metric .*TargetGroup=targetgroup\/cruddur-backend-flask-tg.* → .*TargetGroup=targetgroup\/other\/1/)
  // Unknown dimensions (a dry run before the front door exists) are not a difference.
  assert.equal(alarmDrift(rate as MetricAlarm, elsewhere, false), [])
})
pure.run()

// ---- against moto ----
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const cw = sdk.client(CloudWatchClient, 'CLOUDWATCH')
const ecs = sdk.client(ECSClient, 'ECS')
const elb = sdk.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
const NAMES = ['cruddur-backend-flask-5xx', 'cruddur-backend-flask-unhealthy-hosts', 'cruddur-backend-flask-tasks-below-desired']

const alarms = async (): Promise<Map<string, MetricAlarm>> =>
  new Map(((await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'cruddur-' }))).MetricAlarms ?? []).map((a) => [a.AlarmName as string, a]))
const backend = async () => (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]
const kit = (script: string, args: string[] = [], env: Record<string, string> = {}) => runKit(script, args, { env: { ...STACK_ENV, AWS_ENDPOINT_URL: proxy.url, ...env } })
const dims = (a: { Dimensions?: Array<{ Name?: string; Value?: string }> } | undefined) => Object.fromEntries((a?.Dimensions ?? []).map((d) => [d.Name, d.Value]))

const live = suite('rollback alarms (against moto)')
const proxy = recordingProxy(live, motoUrl)

live('provision creates the three alarms with the declared thresholds on the front door\'s dimensions, and names them in the service\'s deploymentConfiguration (read at a recording proxy)', async () => {
  const recorder = await startScriptedProxy(motoUrl, () => undefined)
  const first = await withProxy(recorder, () => provisionStack(recorder.url))
  assert.match(first.stdout, /created\s+cloudwatch alarm cruddur-backend-flask-5xx: targets' 5xx above 5 % of requests, 2 of 3 periods of 60 s/)
  assert.match(first.stdout, /created\s+cloudwatch alarm cruddur-backend-flask-unhealthy-hosts: 1\+ unhealthy targets, 2 of 3 periods of 60 s/)
  assert.match(first.stdout, /created\s+cloudwatch alarm cruddur-backend-flask-tasks-below-desired: 1\+ tasks below desired/)
  // The cluster step turns Container Insights on, so the task-count alarm has its metrics: no warning.
  assert.not.match(first.stdout, /Container Insights is off/)
  const insights = async () =>
    (await ecs.send(new DescribeClustersCommand({ clusters: ['cruddur'], include: ['SETTINGS'] }))).clusters?.[0]?.settings?.find((s) => s.name === 'containerInsights')?.value
  assert.is(await insights(), 'enabled')
  // Turned off behind the kit's back, the alarm step says what it then cannot see.
  await ecs.send(new UpdateClusterCommand({ cluster: 'cruddur', settings: [{ name: 'containerInsights', value: 'disabled' }] }))
  const off = await kit('cloudwatch/put-rollback-alarms', ['backend-flask', '--dry-run'])
  assert.match(off.stdout, /Container Insights is off on the cluster: this alarm sees no data and stays OK/)
  await ecs.send(new UpdateClusterCommand({ cluster: 'cruddur', settings: [{ name: 'containerInsights', value: 'enabled' }] }))

  const lbArn = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]?.LoadBalancerArn as string
  const tgArn = (await elb.send(new DescribeTargetGroupsCommand({ Names: ['cruddur-backend-flask-tg'] }))).TargetGroups?.[0]?.TargetGroupArn as string
  const found = await alarms()
  assert.equal([...found.keys()].sort(), [...NAMES].sort())
  const hosts = found.get('cruddur-backend-flask-unhealthy-hosts')
  assert.equal([hosts?.Namespace, hosts?.MetricName, hosts?.Statistic, hosts?.Threshold, hosts?.ComparisonOperator, hosts?.EvaluationPeriods, hosts?.DatapointsToAlarm, hosts?.Period, hosts?.TreatMissingData], [
    'AWS/ApplicationELB', 'UnHealthyHostCount', 'Maximum', 1, 'GreaterThanOrEqualToThreshold', 3, 2, 60, 'notBreaching',
  ])
  assert.equal(dims(hosts), { TargetGroup: targetGroupDimension(tgArn), LoadBalancer: loadBalancerDimension(lbArn) })
  const rate = found.get('cruddur-backend-flask-5xx')
  assert.equal([rate?.Threshold, rate?.ComparisonOperator, rate?.TreatMissingData], [5, 'GreaterThanThreshold', 'notBreaching'])
  assert.is(rate?.Metrics?.find((m) => m.ReturnData)?.Expression, '100 * FILL(errors, 0) / requests')
  assert.equal(rate?.Metrics?.filter((m) => m.MetricStat).map((m) => [m.MetricStat?.Metric?.MetricName, m.MetricStat?.Stat, dims(m.MetricStat?.Metric)]), [
    ['HTTPCode_Target_5XX_Count', 'Sum', { LoadBalancer: loadBalancerDimension(lbArn), TargetGroup: targetGroupDimension(tgArn) }],
    ['RequestCount', 'Sum', { LoadBalancer: loadBalancerDimension(lbArn), TargetGroup: targetGroupDimension(tgArn) }],
  ])
  const tasks = found.get('cruddur-backend-flask-tasks-below-desired')
  assert.equal(tasks?.Metrics?.filter((m) => m.MetricStat).map((m) => [m.MetricStat?.Metric?.Namespace, m.MetricStat?.Metric?.MetricName, dims(m.MetricStat?.Metric)]), [
    ['ECS/ContainerInsights', 'DesiredTaskCount', { ClusterName: 'cruddur', ServiceName: 'backend-flask' }],
    ['ECS/ContainerInsights', 'RunningTaskCount', { ClusterName: 'cruddur', ServiceName: 'backend-flask' }],
  ])

  const create = recorder.calls.find((c) => c.action === 'CreateService')?.body as CreateServiceCommandInput
  assert.equal(create.deploymentConfiguration?.alarms, { alarmNames: NAMES, enable: true, rollback: true })
  assert.equal(create.deploymentConfiguration?.deploymentCircuitBreaker, { enable: true, rollback: true }, 'the file\'s circuit breaker is kept')
  // The alarms exist before the service that names them.
  assert.ok(recorder.seen.lastIndexOf('PutMetricAlarm') < recorder.seen.indexOf('CreateService'))

  proxy.reset()
  const second = await kit('provision')
  assert.is(second.code, 0, second.all)
  for (const name of NAMES) assert.match(second.stdout, new RegExp(`unchanged\\s+cloudwatch alarm ${name}`))
  assert.equal(proxy.mutations().filter((c) => c.service === 'monitoring' || c.service === 'ecs'), [])
})

live('provision --dry-run on an empty account plans the three alarms (after the target group the run would create) and changes nothing', async () => {
  const r = await kit('provision', ['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would create\s+cloudwatch alarm cruddur-backend-flask-5xx: targets' 5xx above 5 % of requests, 2 of 3 periods of 60 s \(after elbv2\/create-target-group backend-flask creates cruddur-backend-flask-tg\)/)
  assert.match(r.stdout, /would create\s+cloudwatch alarm cruddur-backend-flask-tasks-below-desired/)
  assert.equal(proxy.mutations(), [])
  assert.equal((await alarms()).size, 0)
})

live('a changed threshold in the declaration updates that alarm ("updated", naming the field); --dry-run plans it and changes nothing', async () => {
  await provisionStack(motoUrl)
  const raw = JSON.parse(readFileSync(join(ROOT, 'json/services.json'), 'utf8'))['backend-flask']
  await withServices({ 'backend-flask': { ...raw, rollbackAlarms: { target5xxPercent: 2, unhealthyHosts: 2 } } }, {}, async (copy) => {
    proxy.reset()
    const dry = await copy.run('cloudwatch/put-rollback-alarms', ['backend-flask', '--dry-run'], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: proxy.url } })
    assert.is(dry.code, 0, dry.all)
    assert.match(dry.stdout, /cloudwatch alarm cruddur-backend-flask-5xx: threshold 5 → 2/)
    assert.match(dry.stdout, /cloudwatch alarm cruddur-backend-flask-unhealthy-hosts: threshold 1 → 2/)
    assert.equal(proxy.mutations(), [])
    assert.is((await alarms()).get('cruddur-backend-flask-5xx')?.Threshold, 5)
    const r = await copy.run('provision', ['--json'], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: motoUrl } })
    assert.is(r.code, 0, r.all)
    const changes = (JSON.parse(r.stdout).steps as Array<{ id: string; changes: Array<{ name: string; outcome: string }> }>)
      .find((s) => s.id === 'cloudwatch/put-rollback-alarms:backend-flask')?.changes.map((c) => [c.name, c.outcome])
    assert.equal(changes, [['cruddur-backend-flask-5xx', 'updated'], ['cruddur-backend-flask-unhealthy-hosts', 'updated'], ['cruddur-backend-flask-tasks-below-desired', 'unchanged']])
  })
  const now = await alarms()
  assert.equal([now.get('cruddur-backend-flask-5xx')?.Threshold, now.get('cruddur-backend-flask-unhealthy-hosts')?.Threshold, now.get('cruddur-backend-flask-tasks-below-desired')?.Threshold], [2, 2, 1])
})

live('an existing service without the alarms (AWS returns its deploymentConfiguration) is updated in place with them, circuit breaker kept; a second run changes nothing', async () => {
  await provisionStack(motoUrl)
  // As an older kit left it: AWS answers a deploymentConfiguration without alarms (moto keeps what UpdateService gives it).
  await ecs.send(new UpdateServiceCommand({ cluster: 'cruddur', service: 'backend-flask', deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 } }))
  proxy.reset()
  const plan = await kit('ecs/create-service', ['backend-flask', '--dry-run'])
  assert.is(plan.code, 0, plan.all)
  assert.match(plan.stdout, /would update\s+ecs service backend-flask: in cluster cruddur: rollback alarms none → cruddur-backend-flask-5xx,.* \(rollback on\) \(UpdateService\)/)
  assert.equal(proxy.mutations(), [])
  const r = await kit('provision')
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+ecs service backend-flask: in cluster cruddur: rollback alarms none →/)
  const config = (await backend())?.deploymentConfiguration
  assert.equal(config?.alarms, { alarmNames: NAMES, enable: true, rollback: true })
  assert.equal(config?.deploymentCircuitBreaker, { enable: true, rollback: true })
  proxy.reset()
  const again = await kit('provision')
  assert.is(again.code, 0, again.all)
  assert.match(again.stdout, /unchanged\s+ecs service backend-flask/)
  assert.equal(proxy.mutations().filter((c) => c.service === 'ecs' || c.service === 'monitoring'), [])
})

live('"rollbackAlarms": false: no alarm, none in the service request', async () => {
  const raw = JSON.parse(readFileSync(join(ROOT, 'json/services.json'), 'utf8'))['backend-flask']
  await withServices({ 'backend-flask': { ...raw, rollbackAlarms: false } }, {}, async (copy) => {
    const recorder = await startScriptedProxy(motoUrl, () => undefined)
    await withProxy(recorder, async () => {
      const r = await copy.run('provision', [], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: recorder.url } })
      assert.is(r.code, 0, r.all)
      assert.not.match(r.stdout, /cloudwatch alarm/)
    })
    const create = recorder.calls.find((c) => c.action === 'CreateService')?.body as CreateServiceCommandInput
    assert.is(create.deploymentConfiguration?.alarms, undefined)
    assert.equal([...(await alarms()).keys()], [])
  })
})

live('status shows each alarm\'s state; one in ALARM is a ✗ line with its reason, exit 1, and in --json', async () => {
  await provisionStack(motoUrl)
  const ok = await kit('status', ['--json'])
  const doc = JSON.parse(ok.stdout)
  const states = doc.services[0].alarms as Array<{ name: string; state: string }>
  assert.equal(states.map((a) => a.name), NAMES)
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'cruddur-backend-flask-5xx', StateValue: 'ALARM', StateReason: 'Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (5.0)' }))
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'cruddur-backend-flask-unhealthy-hosts', StateValue: 'OK', StateReason: 'test' }))
  const r = await kit('status')
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, /^  ✗ alarm cruddur-backend-flask-5xx: ALARM: Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold \(5\.0\)$/m)
  assert.match(r.stdout, /^  ✓ alarm cruddur-backend-flask-unhealthy-hosts: OK$/m)
  const json = await kit('status', ['--json'])
  assert.is(json.code, 1)
  const alarmed = (JSON.parse(json.stdout).services[0].alarms as Array<{ name: string; state: string; reason?: string }>).find((a) => a.name === 'cruddur-backend-flask-5xx')
  assert.equal([alarmed?.state, alarmed?.reason], ['ALARM', 'Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (5.0)'])
})

live('teardown deletes the alarms of the services it deletes; --dry-run plans it and deletes nothing', async () => {
  await provisionStack(motoUrl)
  proxy.reset()
  const dry = await kit('teardown', ['--dry-run'])
  assert.is(dry.code, 0, dry.all)
  for (const name of NAMES) assert.match(dry.stdout, new RegExp(`cloudwatch alarm ${name}: rollback alarm of backend-flask`))
  assert.equal(proxy.mutations(), [])
  assert.is((await alarms()).size, 3)
  const r = await kit('teardown', ['--yes', '--poll', '0.2'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /deleted\s+cloudwatch alarm cruddur-backend-flask-5xx/)
  assert.is((await alarms()).size, 0)
  const again = await kit('teardown', ['--dry-run'])
  assert.match(again.stdout, /cloudwatch alarms backend-flask: cruddur-backend-flask-5xx, .*: none/)
})

live.run()
