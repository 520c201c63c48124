// Application Auto Scaling per service (lib/steps/auto-scaling.ts, lib/teardown/auto-scaling.ts):
// the declaration, the pure parts, and the step and teardown against moto, which models
// scalable targets and scaling policies for real.
import './helpers/guard.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling'
import { CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { openContext } from '../lib/aws/context.js'
import { ROOT } from '../lib/config/paths.js'
import { DEFAULT_SCALING, declaredServices, parseServices } from '../lib/config/services.js'
import { policyDrift, requestCountLabel, wantedPolicy } from '../lib/steps/auto-scaling.js'
import { recordingProxy } from './helpers/aws-proxy.js'
import { runKit } from './helpers/run.js'
import { withServices } from './helpers/services.js'
import { provisionStack, STACK_ENV } from './helpers/stack.js'

// ---- the declaration ----
const declaration = suite('lib/config/services: scaling')
const parse = (scaling: unknown, extra: Record<string, unknown> = {}) => parseServices('json/services.json', { a: { containerPort: 80, ...extra, ...(scaling === undefined ? {} : { scaling }) } })[0]

declaration('the repo declares 1-2 tasks on CPU 60 % for both services', () => {
  for (const s of declaredServices()) assert.equal(s.scaling, { min: 1, max: 2, cpuPercent: 60, scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 300 }, s.name)
})
declaration('absent: the defaults; false: no auto scaling; fields given keep the others at their defaults', () => {
  assert.equal(parse(undefined).scaling, DEFAULT_SCALING)
  assert.is(parse(false).scaling, undefined)
  assert.equal(parse({ max: 4 }).scaling, { ...DEFAULT_SCALING, max: 4 })
  const routed = parse({ min: 2, max: 6, cpuPercent: 70, requestsPerTarget: 500 }, { frontDoor: { healthCheckPath: '/', default: true } })
  assert.equal(routed.scaling, { min: 2, max: 6, cpuPercent: 70, requestsPerTarget: 500, scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 300 })
})
const BAD: Array<[string, unknown, Record<string, unknown>, string]> = [
  ['a number', 3, {}, 'json/services.json: a.scaling must be an object ({"min": 1, "max": 2, "cpuPercent": 60}) or false (no auto scaling)'],
  ['min below 0', { min: -1 }, {}, 'json/services.json: a.scaling.min must be a whole number of tasks from 0 to 5000, got -1'],
  ['max 0', { min: 0, max: 0 }, {}, 'json/services.json: a.scaling.max must be a whole number of tasks from 1 to 5000, got 0'],
  ['max below min', { min: 3, max: 2 }, {}, 'json/services.json: a.scaling.max (2) must be at least min (3)'],
  ['a fractional max', { max: 2.5 }, {}, 'json/services.json: a.scaling.max must be a whole number of tasks from 1 to 5000, got 2.5'],
  ['cpu above 100', { cpuPercent: 150 }, {}, 'json/services.json: a.scaling.cpuPercent must be a whole percentage from 1 to 100, got 150'],
  ['cpu as text', { cpuPercent: '60' }, {}, 'json/services.json: a.scaling.cpuPercent must be a whole percentage from 1 to 100, got "60"'],
  ['requests of 0', { requestsPerTarget: 0 }, { frontDoor: { healthCheckPath: '/', default: true } }, 'json/services.json: a.scaling.requestsPerTarget must be a whole number of requests per target from 1, got 0'],
  ['requests without the front door', { requestsPerTarget: 100 }, {}, 'json/services.json: a.scaling.requestsPerTarget needs the service routed through the front door (a "frontDoor" route): drop it to scale on CPU'],
  ['a misspelt field', { maxx: 4 }, {}, 'json/services.json: a.scaling.maxx is not a scaling field (known: min, max, cpuPercent, requestsPerTarget, scaleOutCooldownSeconds, scaleInCooldownSeconds)'],
]
for (const [what, scaling, extra, message] of BAD) {
  declaration(`a bad scaling declaration (${what}) is refused in one line naming the field`, () => {
    try {
      parse(scaling, extra)
      assert.unreachable('accepted')
    } catch (error) {
      assert.is((error as Error).message, message)
    }
  })
}
declaration.run()

// ---- pure parts of the step ----
const pure = suite('lib/steps/auto-scaling (pure)')
const LB = 'arn:aws:elasticloadbalancing:eu-west-2:123456789012:loadbalancer/app/cruddur-alb/50dc6c495c0c9188'
const TG = 'arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067'
pure('requestCountLabel: app/<lb>/<id>/targetgroup/<tg>/<id> from the two ARNs; anything else refused', () => {
  assert.is(requestCountLabel(LB, TG), 'app/cruddur-alb/50dc6c495c0c9188/targetgroup/cruddur-backend-flask-tg/73e2d6bc24d8a067')
  assert.throws(() => requestCountLabel(LB.replace('/app/', '/net/'), TG), /not an application load balancer and target group ARN/)
})
pure('wantedPolicy: CPU by default, requests per target when declared; policyDrift names each field that differs', () => {
  const cpu = wantedPolicy(DEFAULT_SCALING, undefined)
  assert.equal(cpu, { metric: 'ECSServiceAverageCPUUtilization', targetValue: 60, scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 300 })
  const requests = wantedPolicy({ ...DEFAULT_SCALING, requestsPerTarget: 200 }, 'app/x/1/targetgroup/y/2')
  assert.equal(requests, { metric: 'ALBRequestCountPerTarget', targetValue: 200, label: 'app/x/1/targetgroup/y/2', scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 300 })
  assert.equal(policyDrift(cpu, cpu), [])
  assert.equal(policyDrift({ ...cpu, targetValue: 75, scaleInCooldownSeconds: 60 }, cpu), ['target 75 → 60', 'scale-in cooldown 60s → 300s'])
  assert.equal(policyDrift(cpu, requests), ['metric ECSServiceAverageCPUUtilization → ALBRequestCountPerTarget', 'target 60 → 200', 'label none → app/x/1/targetgroup/y/2'])
})
pure.run()

// ---- cost: the monthly range from min to max tasks ----
const cost = suite('cost: the monthly range auto scaling allows')
cost('cost shows the month at every service\'s min tasks and at its max; the max is what the stack costs running that many', async () => {
  const r = await runKit('cost', ['--region', 'eu-west-2', '--json'], { env: { ECS_SERVICES: 'backend-flask,frontend-react-js' } })
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout)
  assert.equal({ ...doc.scaling, minUsd: undefined, maxUsd: undefined }, {
    minTasks: 2,
    maxTasks: 4,
    minUsd: undefined,
    maxUsd: undefined,
    services: { 'backend-flask': { min: 1, max: 2 }, 'frontend-react-js': { min: 1, max: 2 } },
  })
  // The templates run 1 task each, the declared min: the low end is the estimate itself.
  assert.is(doc.scaling.minUsd, doc.monthlyUsd)
  // The high end: the same stack with both service files at 2 tasks, priced as cost prices it.
  await withServices({}, {}, async (copy) => {
    for (const name of ['backend-flask', 'frontend-react-js']) {
      const file = `json/service-${name}.json`
      copy.write(file, JSON.stringify({ ...JSON.parse(readFileSync(join(copy.root, file), 'utf8')), desiredCount: 2 }, null, 2))
    }
    const two = JSON.parse((await copy.run('cost', ['--region', 'eu-west-2', '--json'], { env: { ECS_SERVICES: 'backend-flask,frontend-react-js' } })).stdout)
    assert.ok(Math.abs(two.monthlyUsd - doc.scaling.maxUsd) < 0.011, `${two.monthlyUsd} vs ${doc.scaling.maxUsd}`)
    // More tasks cost more; the load balancer's share does not grow with them.
    assert.ok(doc.scaling.maxUsd > doc.scaling.minUsd)
  })
  const text = await runKit('cost', ['--region', 'eu-west-2'], { env: { ECS_SERVICES: 'backend-flask,frontend-react-js' } })
  assert.match(text.stdout, /^  auto scaling: \$\d+\.\d\d a month at 2 tasks … \$\d+\.\d\d at 4 tasks \(backend-flask 1-2, frontend-react-js 1-2; "scaling" in json\/services\.json\)$/m)
})
cost('a service with "scaling": false is left out of the range; with none scaling, no range at all', async () => {
  await withServices({ 'frontend-react-js': { ...rawService('frontend-react-js'), scaling: false } }, {}, async (copy) => {
    const doc = JSON.parse((await copy.run('cost', ['--region', 'eu-west-2', '--json'], { env: { ECS_SERVICES: 'backend-flask,frontend-react-js' } })).stdout)
    assert.equal([doc.scaling.minTasks, doc.scaling.maxTasks, Object.keys(doc.scaling.services)], [1, 2, ['backend-flask']])
    const none = await copy.run('cost', ['--region', 'eu-west-2'], { env: { ECS_SERVICES: 'frontend-react-js' } })
    assert.is(none.code, 0, none.all)
    assert.not.match(none.stdout, /auto scaling/)
  })
})
cost.run()

// ---- against moto ----
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const aas = sdk.client(ApplicationAutoScalingClient, 'APPLICATION_AUTO_SCALING')
const RESOURCE = 'service/cruddur/backend-flask'

const target = async (resourceId = RESOURCE) =>
  (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [resourceId], ScalableDimension: 'ecs:service:DesiredCount' }))).ScalableTargets?.[0]
const policies = async (resourceId = RESOURCE) =>
  (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: resourceId, ScalableDimension: 'ecs:service:DesiredCount' }))).ScalingPolicies ?? []
const kit = (script: string, args: string[] = [], env: Record<string, string> = {}) => runKit(script, args, { env: { ...STACK_ENV, AWS_ENDPOINT_URL: proxy.url, ...env } })

const live = suite('auto scaling (against moto)')
const proxy = recordingProxy(live, motoUrl)

live('provision registers the scalable target (1-2 tasks) and a CPU 60 % target-tracking policy; a second provision makes no mutating call', async () => {
  const first = await provisionStack(proxy.url)
  assert.match(first.stdout, /created\s+scalable target backend-flask: service\/cruddur\/backend-flask, 1-2 tasks/)
  assert.match(first.stdout, /created\s+scaling policy backend-flask-target-tracking: target tracking CPU 60 %, scale out after 60s, in after 300s/)
  const t = await target()
  assert.equal([t?.MinCapacity, t?.MaxCapacity], [1, 2])
  const [p] = await policies()
  assert.is(p.PolicyName, 'backend-flask-target-tracking')
  assert.is(p.PolicyType, 'TargetTrackingScaling')
  const c = p.TargetTrackingScalingPolicyConfiguration
  assert.equal([c?.PredefinedMetricSpecification?.PredefinedMetricType, c?.TargetValue, c?.ScaleOutCooldown, c?.ScaleInCooldown], ['ECSServiceAverageCPUUtilization', 60, 60, 300])

  proxy.reset()
  const second = await kit('provision')
  assert.is(second.code, 0, second.all)
  assert.match(second.stdout, /unchanged\s+scalable target backend-flask: service\/cruddur\/backend-flask, 1-2 tasks/)
  assert.match(second.stdout, /unchanged\s+scaling policy backend-flask-target-tracking/)
  assert.equal(proxy.mutations().filter((c) => c.service === 'application-autoscaling'), [])
})

live('bounds changed by hand are put back as declared ("updated"); --dry-run plans it and changes nothing', async () => {
  await provisionStack(motoUrl)
  await aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', ResourceId: RESOURCE, MinCapacity: 3, MaxCapacity: 9 }))
  proxy.reset()
  const dry = await kit('application-autoscaling/register-scalable-target', ['backend-flask', '--dry-run'])
  assert.is(dry.code, 0, dry.all)
  assert.match(dry.stdout, /scalable target backend-flask: service\/cruddur\/backend-flask, 3-9 → 1-2 tasks/)
  assert.equal(proxy.mutations(), [])
  assert.equal([(await target())?.MinCapacity, (await target())?.MaxCapacity], [3, 9])
  const r = await kit('application-autoscaling/register-scalable-target', ['backend-flask', '--json'])
  assert.is(r.code, 0, r.all)
  const changes = JSON.parse(r.stdout).steps[0].changes
  assert.equal(changes.map((c: { resource: string; outcome: string }) => [c.resource, c.outcome]), [['scalable target', 'updated'], ['scaling policy', 'unchanged']])
  assert.equal([(await target())?.MinCapacity, (await target())?.MaxCapacity], [1, 2])
})

live('provision --dry-run on an empty account plans the scalable target and the policy, and calls nothing that changes', async () => {
  const r = await kit('provision', ['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /scalable target backend-flask: service\/cruddur\/backend-flask, 1-2 tasks/)
  assert.match(r.stdout, /scaling policy backend-flask-target-tracking: target tracking CPU 60 %/)
  assert.equal(proxy.mutations(), [])
  assert.is(await target(), undefined)
})

live('"scaling": false: no scalable target, and the step says auto scaling is off', async () => {
  await withServices({ 'backend-flask': { ...rawBackend(), scaling: false } }, {}, async (copy) => {
    const r = await copy.run('provision', [], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: motoUrl } })
    assert.is(r.code, 0, r.all)
    assert.not.match(r.stdout, /scalable target/)
    assert.is(await target(), undefined)
  })
})

live('a routed service declaring requestsPerTarget tracks ALBRequestCountPerTarget, labelled with its load balancer and target group', async () => {
  const { lbArn, tgArn } = await frontDoor()
  await withServices({ 'backend-flask': { ...rawBackend(), scaling: { min: 1, max: 3, requestsPerTarget: 250 } } }, {}, async (copy) => {
    const r = await copy.run('provision', [], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: motoUrl } })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, /created\s+scaling policy backend-flask-target-tracking: target tracking 250 requests per target/)
    const c = (await policies())[0].TargetTrackingScalingPolicyConfiguration
    assert.equal([c?.PredefinedMetricSpecification?.PredefinedMetricType, c?.TargetValue], ['ALBRequestCountPerTarget', 250])
    assert.is(c?.PredefinedMetricSpecification?.ResourceLabel, requestCountLabel(lbArn, tgArn))
    assert.equal([(await target())?.MinCapacity, (await target())?.MaxCapacity], [1, 3])
  })
  // Back to the repo's declaration (CPU): the same policy, updated in place.
  const back = await kit('application-autoscaling/register-scalable-target', ['backend-flask'])
  assert.is(back.code, 0, back.all)
  assert.match(back.stdout, /updated\s+scaling policy backend-flask-target-tracking: metric ALBRequestCountPerTarget → ECSServiceAverageCPUUtilization, target 250 → 60/)
  const policiesNow = await policies()
  assert.is(policiesNow.length, 1)
  assert.is(policiesNow[0].TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType, 'ECSServiceAverageCPUUtilization')
})

live('the step before the service exists: exit 1 naming the step to run first, nothing registered', async () => {
  const r = await kit('application-autoscaling/register-scalable-target', ['backend-flask'])
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /ECS service backend-flask is not in cluster cruddur: run \.\/scripts\/ecs\/create-service backend-flask first/)
  assert.is(await target(), undefined)
})

live('teardown deregisters the scalable target with its policy; --dry-run plans it', async () => {
  await provisionStack(motoUrl)
  proxy.reset()
  const dry = await kit('teardown', ['--dry-run'])
  assert.is(dry.code, 0, dry.all)
  assert.match(dry.stdout, /scalable target backend-flask: service\/cruddur\/backend-flask, 1-2 tasks, with its scaling policies/)
  assert.equal(proxy.mutations(), [])
  const r = await kit('teardown', ['--yes', '--poll', '0.2'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /deleted\s+scalable target backend-flask/)
  assert.is(await target(), undefined)
  assert.equal(await policies(), [])
  const again = await kit('teardown', ['--dry-run'])
  assert.match(again.stdout, /scalable target backend-flask: service\/cruddur\/backend-flask: none/)
})

live.run()

/** A service's declaration as the repo's json/services.json has it. */
function rawService(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'json/services.json'), 'utf8'))[name]
}
function rawBackend(): Record<string, unknown> {
  return rawService('backend-flask')
}

/** The front door as its steps would make it (they are another helper's): a load balancer and the backend's target group. */
async function frontDoor(): Promise<{ lbArn: string; tgArn: string }> {
  const ec2 = sdk.client(EC2Client, 'EC2')
  const elb = sdk.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).map((s) => s.SubnetId as string).slice(0, 2)
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'cruddur-alb', Subnets: subnets, Type: 'application' }))).LoadBalancers?.[0]
  const vpcId = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnets[0]] }))).Subnets?.[0]?.VpcId
  const tg = (await elb.send(new CreateTargetGroupCommand({ Name: 'cruddur-backend-flask-tg', Protocol: 'HTTP', Port: 4567, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups?.[0]
  return { lbArn: lb?.LoadBalancerArn as string, tgArn: tg?.TargetGroupArn as string }
}
