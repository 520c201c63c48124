// ECS's native deployment strategies as data (issue 17, item 1): the `deployment` declaration,
// what a CANARY, LINEAR or BLUE_GREEN service needs behind the front door (its alternate target
// group, its production listener rule, the role ECS shifts traffic with) and a changed strategy
// as a planned, in-place update. Against moto's real ELBv2, IAM and ECS; moto's CreateService
// drops deploymentConfiguration, so what the kit asked ECS for is read at a recording proxy.
import './helpers/guard.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { CreateServiceCommandInput, UpdateServiceCommandInput } from '@aws-sdk/client-ecs'
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam'
import { openContext } from '../lib/aws/context.js'
import { ROOT } from '../lib/config/paths.js'
import { alternateTargetGroupName, targetGroupName } from '../lib/config/names.js'
import { deploymentProblems, parseDeployment, parseServices, type ServiceDeclaration } from '../lib/config/services.js'
import { CATCH_ALL_PRIORITY, ruleAction, strategyRouteProblem, wantedListeners } from '../lib/front-door/listener-plan.js'
import { withFrontDoor, withStrategy } from '../lib/front-door/service-request.js'
import { strategyDrift } from '../lib/steps/ecs-service.js'
import { TRAFFIC_SHIFT_POLICY, TRAFFIC_SHIFT_ROLE } from '../lib/steps/iam-roles.js'
import { startAwsProxy, withProxy } from './helpers/aws-proxy.js'
import { resetMoto } from './helpers/moto.js'
import { startScriptedProxy } from './helpers/scripted-proxy.js'
import { unroutedBackendFiles, withServices } from './helpers/services.js'
import { STACK_ENV } from './helpers/stack.js'
import type { KitCopy } from './helpers/kit.js'

const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext({ ...process.env, AWS_ENDPOINT_URL: motoUrl }, { mode: 'read-only' })
const elb = sdk.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
const iam = sdk.client(IAMClient, 'IAM')

const FILE = 'json/services.json'
const shipped = JSON.parse(readFileSync(join(ROOT, FILE), 'utf8')) as Record<string, Record<string, unknown>>
const declare = (name: string, deployment: unknown): Record<string, unknown> => ({ [name]: { ...shipped[name], deployment } })
const parsed = (name: string, deployment: unknown): ServiceDeclaration => parseServices(FILE, { ...shipped, ...declare(name, deployment) }).find((s) => s.name === name) as ServiceDeclaration

// ---- the declaration (pure) ----------------------------------------------------------------

const pure = suite('deployment strategies as data (pure)')

pure('the shipped services deploy ROLLING; the others get ECS\'s defaults (canary 5 % / 10 min, linear 10 % / 6 min) and a 3-minute bake', () => {
  assert.equal(parseServices(FILE, shipped).map((s) => [s.name, s.deployment]), [
    ['backend-flask', { strategy: 'ROLLING' }],
    ['frontend-react-js', { strategy: 'ROLLING' }],
  ])
  const table: Array<[unknown, unknown]> = [
    [undefined, { strategy: 'ROLLING' }],
    [{}, { strategy: 'ROLLING' }],
    [{ strategy: 'CANARY' }, { strategy: 'CANARY', canaryPercent: 5, canaryBakeMinutes: 10, bakeMinutes: 3 }],
    [{ strategy: 'CANARY', canaryPercent: 0.5, canaryBakeMinutes: 0, bakeMinutes: 1440 }, { strategy: 'CANARY', canaryPercent: 0.5, canaryBakeMinutes: 0, bakeMinutes: 1440 }],
    [{ strategy: 'LINEAR' }, { strategy: 'LINEAR', stepPercent: 10, stepBakeMinutes: 6, bakeMinutes: 3 }],
    [{ strategy: 'LINEAR', stepPercent: 3 }, { strategy: 'LINEAR', stepPercent: 3, stepBakeMinutes: 6, bakeMinutes: 3 }],
    [{ strategy: 'BLUE_GREEN', bakeMinutes: 10 }, { strategy: 'BLUE_GREEN', bakeMinutes: 10 }],
  ]
  for (const [raw, want] of table) assert.equal(parseDeployment(FILE, 'backend-flask', raw), want, JSON.stringify(raw))
})

pure('a bad deployment declaration: one problem per bad field, naming it and what it takes; parseServices refuses it in one line', () => {
  const table: Array<[unknown, string[]]> = [
    ['CANARY', ['backend-flask.deployment must be an object such as {"strategy": "CANARY"}']],
    [{ strategy: 'canary' }, ['backend-flask.deployment.strategy must be one of ROLLING, CANARY, LINEAR, BLUE_GREEN, got "canary"']],
    [{ strategy: 'CANARY', canaryPercent: 0, canaryBakeMinutes: 1441 }, [
      'backend-flask.deployment.canaryPercent must be a percentage from 0.1 to 100 in steps of 0.1, got 0',
      'backend-flask.deployment.canaryBakeMinutes must be a whole number of minutes from 0 to 1440, got 1441',
    ]],
    [{ strategy: 'CANARY', canaryPercent: 5.25 }, ['backend-flask.deployment.canaryPercent must be a percentage from 0.1 to 100 in steps of 0.1, got 5.25']],
    [{ strategy: 'LINEAR', stepPercent: 2.9, bakeMinutes: 1.5 }, [
      'backend-flask.deployment.stepPercent must be a percentage from 3 to 100 in steps of 0.1, got 2.9',
      'backend-flask.deployment.bakeMinutes must be a whole number of minutes from 0 to 1440, got 1.5',
    ]],
    [{ strategy: 'ROLLING', bakeMinutes: 3 }, ['backend-flask.deployment.bakeMinutes does not apply to ROLLING (it takes no other field)']],
    [{ strategy: 'BLUE_GREEN', canaryPercent: 5 }, ['backend-flask.deployment.canaryPercent does not apply to BLUE_GREEN (it takes bakeMinutes)']],
    [{ strategy: 'CANARY', percent: 5 }, ['backend-flask.deployment.percent is not a deployment field (known: strategy, canaryPercent, canaryBakeMinutes, bakeMinutes, stepPercent, stepBakeMinutes)']],
  ]
  for (const [raw, want] of table) assert.equal(deploymentProblems('backend-flask', raw), want, JSON.stringify(raw))
  try {
    parseServices(FILE, { ...shipped, ...declare('backend-flask', { strategy: 'LINEAR', stepPercent: 1, stepBakeMinutes: -1 }) })
    assert.unreachable('a bad declaration is refused')
  } catch (error) {
    const message = (error as Error).message
    assert.not.match(message, '\n')
    assert.match(message, /^json\/services\.json: backend-flask\.deployment\.stepPercent .*; backend-flask\.deployment\.stepBakeMinutes /)
  }
})

pure('the service request: ROLLING keeps the file\'s circuit breaker; CANARY drops it (ECS applies it to ROLLING only) and adds the strategy and advancedConfiguration', () => {
  const file: CreateServiceCommandInput = {
    serviceName: 'backend-flask',
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
  }
  const resources = { alternateTargetGroupArn: 'arn:tg-2', productionListenerRule: 'arn:rule', roleArn: 'arn:role' }
  const rolling = parsed('backend-flask', undefined)
  assert.equal(withStrategy(withFrontDoor(file, rolling, 'arn:tg'), rolling, resources).deploymentConfiguration, file.deploymentConfiguration)
  const canary = parsed('backend-flask', { strategy: 'CANARY', canaryPercent: 10 })
  const request = withStrategy(withFrontDoor(file, canary, 'arn:tg'), canary, resources)
  assert.equal(request.deploymentConfiguration, {
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    strategy: 'CANARY',
    bakeTimeInMinutes: 3,
    canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 },
  })
  assert.equal(request.loadBalancers, [{ targetGroupArn: 'arn:tg', containerName: 'backend-flask', containerPort: 4567, advancedConfiguration: resources }])
  const linear = parsed('backend-flask', { strategy: 'LINEAR' })
  assert.equal(withStrategy(file, linear, {}).deploymentConfiguration?.linearConfiguration, { stepPercent: 10, stepBakeTimeInMinutes: 6 })
  // Not routed: ECS shifts through Service Connect, with no advancedConfiguration.
  const internal = parseServices(FILE, { ...shipped, 'backend-flask': { ...shipped['backend-flask'], frontDoor: false, deployment: { strategy: 'BLUE_GREEN' } } })[0]
  const viaConnect = withStrategy(withFrontDoor(file, internal, 'arn:tg'), internal, resources)
  assert.is(viaConnect.loadBalancers, undefined)
  assert.equal(viaConnect.deploymentConfiguration?.strategy, 'BLUE_GREEN')
})

pure('the production listener rule: the single route weighted to both groups, a catch-all /* at the last priority for the default service; two routes are refused', () => {
  const backend = parsed('backend-flask', { strategy: 'CANARY' })
  const frontend = parsed('frontend-react-js', { strategy: 'BLUE_GREEN' })
  const plan = wantedListeners([backend, frontend], {
    targetGroupArns: { 'backend-flask': 'tg-b', 'frontend-react-js': 'tg-f' },
    alternateTargetGroupArns: { 'backend-flask': 'tg-b2', 'frontend-react-js': 'tg-f2' },
  })
  assert.equal(plan.rules.map((r) => [r.priority, r.conditions[0].values[0], r.targetGroupArn, r.alternateTargetGroupArn]), [
    [1, '/api/*', 'tg-b', 'tg-b2'],
    [CATCH_ALL_PRIORITY, '/*', 'tg-f', 'tg-f2'],
  ])
  assert.equal(ruleAction(plan.rules[0]), { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'tg-b', Weight: 100 }, { TargetGroupArn: 'tg-b2', Weight: 0 }] } })
  // ROLLING: no catch-all, a plain forward (the plan of every shipped stack).
  const rolling = wantedListeners([parsed('backend-flask', undefined), parsed('frontend-react-js', undefined)], { targetGroupArns: { 'backend-flask': 'tg-b', 'frontend-react-js': 'tg-f' } })
  assert.equal(rolling.rules.map((r) => [r.priority, r.alternateTargetGroupArn]), [[1, undefined]])

  assert.is(strategyRouteProblem(backend, undefined), undefined)
  assert.is(strategyRouteProblem(frontend, 'example.com'), undefined)
  assert.match(strategyRouteProblem(backend, 'example.com') ?? '', 'reaches it by 2 listener rules (host api.example.com, path /api/*)')
  assert.is(strategyRouteProblem(parsed('backend-flask', undefined), 'example.com'), undefined)
  assert.is(targetGroupName('backend-flask'), 'cruddur-backend-flask-tg')
  assert.is(alternateTargetGroupName('backend-flask'), 'cruddur-backend-flask-tg-2')
  const long = alternateTargetGroupName('a-very-long-service-name-for-elb')
  assert.ok(long.length <= 32 && long.endsWith('-tg-2') && long !== targetGroupName('a-very-long-service-name-for-elb'), long)
})

pure('a changed strategy is drift to update in place; unknown (moto keeps no deploymentConfiguration) is none; the target groups count in either order', () => {
  const lb = { targetGroupArn: 'tg', containerName: 'backend-flask', containerPort: 4567 }
  const advanced = { alternateTargetGroupArn: 'tg-2', productionListenerRule: 'rule', roleArn: 'arn:aws:iam::1:role/R' }
  const wanted: CreateServiceCommandInput = {
    serviceName: 'backend-flask',
    deploymentConfiguration: { strategy: 'CANARY', bakeTimeInMinutes: 3, canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 10 } },
    loadBalancers: [{ ...lb, advancedConfiguration: advanced }],
  }
  assert.equal(strategyDrift(wanted, { loadBalancers: [{ ...lb, advancedConfiguration: advanced }] }), [])
  assert.equal(strategyDrift(wanted, { deploymentConfiguration: wanted.deploymentConfiguration, loadBalancers: [{ ...lb, targetGroupArn: 'tg-2', advancedConfiguration: { ...advanced, alternateTargetGroupArn: 'tg' } }] }), [])
  assert.equal(strategyDrift(wanted, { loadBalancers: [lb] }), ['deployment → CANARY 5 % for 10 min, bake 3 min', 'traffic shift none → target groups tg + tg-2, production rule rule, role R'])
  assert.equal(strategyDrift(wanted, { deploymentConfiguration: { ...wanted.deploymentConfiguration, canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 10 } }, loadBalancers: wanted.loadBalancers }), [
    'deployment CANARY 20 % for 10 min, bake 3 min → CANARY 5 % for 10 min, bake 3 min',
  ])
  // Back to ROLLING: the strategy, and the advancedConfiguration dropped.
  assert.equal(strategyDrift({ serviceName: 'backend-flask', loadBalancers: [lb] }, { deploymentConfiguration: wanted.deploymentConfiguration, loadBalancers: wanted.loadBalancers }), [
    'deployment CANARY 5 % for 10 min, bake 3 min → ROLLING',
    'traffic shift target groups tg + tg-2, production rule rule, role R → none',
  ])
})

pure.run()

// ---- against moto ---------------------------------------------------------------------------

const aws = suite('deployment strategies on moto (ELBv2, IAM, ECS; requests read at a recording proxy)')
aws.before.each(async () => {
  await resetMoto(motoUrl)
})

const provision = (copy: KitCopy, endpoint: string, args: string[] = []) => copy.run('provision', args, { env: { ...STACK_ENV, AWS_ENDPOINT_URL: endpoint } })
/** Provision again, through a recording proxy: exit 0 and no mutating call (`why` says what that shows). */
const provisionAgain = (copy: KitCopy, why: string) =>
  withProxy(startAwsProxy(motoUrl), async (counter) => {
    const again = await provision(copy, counter.url)
    assert.is(again.code, 0, again.all)
    assert.equal(counter.mutations(), [], why)
    return again
  })

async function groupArn(name: string): Promise<string | undefined> {
  const groups = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []
  return groups.find((g) => g.TargetGroupName === name)?.TargetGroupArn
}

async function roleExists(): Promise<boolean> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: TRAFFIC_SHIFT_ROLE }))
    return true
  } catch {
    return false
  }
}

aws('a service declared CANARY is created with its strategy, alternate target group, production listener rule and role (read at a recording proxy); a re-run changes nothing; teardown leaves nothing of it', async () => {
  await withServices(declare('backend-flask', { strategy: 'CANARY' }), {}, async (copy) => {
    const create = await withProxy(startScriptedProxy(motoUrl, () => undefined), async (recorder) => {
      const first = await provision(copy, recorder.url)
      assert.is(first.code, 0, first.all)
      assert.match(first.stdout, /created\s+target group cruddur-backend-flask-tg-2: alternate for CANARY deployments/, first.stdout)
      assert.match(first.stdout, /created\s+iam role CruddurECSInfrastructureRole/, first.stdout)
      assert.match(first.stdout, /created\s+ecs service backend-flask: .*deployment CANARY 5 % for 10 min, bake 3 min, shifting traffic between cruddur-backend-flask-tg and cruddur-backend-flask-tg-2/, first.stdout)
      return recorder.calls.find((c) => c.action === 'CreateService')?.body as CreateServiceCommandInput
    })
    assert.equal(create.deploymentConfiguration, {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      strategy: 'CANARY',
      bakeTimeInMinutes: 3,
      canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 10 },
      // The rollback alarms are what rolls a canary back (the circuit breaker is ROLLING's alone).
      alarms: { alarmNames: ['cruddur-backend-flask-5xx', 'cruddur-backend-flask-unhealthy-hosts', 'cruddur-backend-flask-tasks-below-desired'], enable: true, rollback: true },
    })
    const main = await groupArn('cruddur-backend-flask-tg')
    const alternate = await groupArn('cruddur-backend-flask-tg-2')
    assert.ok(main && alternate, 'both target groups exist')
    const [lb] = create.loadBalancers ?? []
    assert.is(lb.targetGroupArn, main)
    assert.is(lb.advancedConfiguration?.alternateTargetGroupArn, alternate)
    assert.match(lb.advancedConfiguration?.roleArn ?? '', /^arn:aws:iam::\d{12}:role\/CruddurECSInfrastructureRole$/)
    // The production rule is a real rule of the listener: /api/*, forwarding to both groups, all to the current one.
    const [rule] = (await elb.send(new DescribeRulesCommand({ RuleArns: [lb.advancedConfiguration?.productionListenerRule as string] }))).Rules ?? []
    assert.equal(rule.Conditions?.[0]?.PathPatternConfig?.Values ?? rule.Conditions?.[0]?.Values, ['/api/*'])
    assert.equal(rule.Actions?.[0]?.ForwardConfig?.TargetGroups?.map((g) => [g.TargetGroupArn, g.Weight]), [[main, 100], [alternate, 0]])
    // The role: trusted by ECS itself, with AWS's managed policy for load balancers.
    const role = (await iam.send(new GetRoleCommand({ RoleName: TRAFFIC_SHIFT_ROLE }))).Role
    assert.match(decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''), '"ecs.amazonaws.com"')
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: TRAFFIC_SHIFT_ROLE }))).AttachedPolicies ?? []
    assert.equal(attached.map((p) => p.PolicyName), [TRAFFIC_SHIFT_POLICY])

    const again = await provisionAgain(copy, 'a second provision changes nothing')
    assert.match(again.stdout, /^0 created, 0 updated, \d+ unchanged/m)

    const down = await copy.run('teardown', ['--yes'], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: motoUrl } })
    assert.is(down.code, 0, down.all)
    assert.match(down.stdout, /deleted\s+target group cruddur-backend-flask-tg-2/, down.stdout)
    assert.is(await groupArn('cruddur-backend-flask-tg-2'), undefined)
    assert.is(await groupArn('cruddur-backend-flask-tg'), undefined)
    assert.is(await roleExists(), false, 'the traffic-shift role goes too')
  })
})

aws('switching ROLLING → CANARY is a planned update: --dry-run plans it, provision updates the service in place (UpdateService read at a recording proxy), a second run makes no mutating call; and back to ROLLING', async () => {
  await withServices({}, {}, async (copy) => {
    const first = await provision(copy, motoUrl)
    assert.is(first.code, 0, first.all)
    assert.is(await roleExists(), false, 'ROLLING needs no traffic-shift role')
    assert.is(await groupArn('cruddur-backend-flask-tg-2'), undefined, 'nor an alternate target group')
    copy.write(FILE, JSON.stringify({ ...shipped, ...declare('backend-flask', { strategy: 'CANARY', canaryPercent: 10 }) }, null, 2))

    await withProxy(startAwsProxy(motoUrl), async (counter) => {
      const plan = await provision(copy, counter.url, ['--dry-run'])
      assert.is(plan.code, 0, plan.all)
      assert.match(plan.stdout, /would update\s+ecs service backend-flask: .*deployment → CANARY 10 % for 10 min, bake 3 min.*traffic shift none → .*cruddur-backend-flask-tg-2/, plan.stdout)
      assert.match(plan.stdout, /would create\s+target group cruddur-backend-flask-tg-2/, plan.stdout)
      assert.match(plan.stdout, /would update\s+listener rule HTTP:80 path \/api\/\*/, plan.stdout)
      assert.equal(counter.mutations(), [], 'a dry run changes nothing')
    })

    await withProxy(startScriptedProxy(motoUrl, () => undefined), async (recorder) => {
      const r = await provision(copy, recorder.url)
      assert.is(r.code, 0, r.all)
      assert.match(r.stdout, /updated\s+ecs service backend-flask: .*deployment → CANARY 10 % for 10 min/, r.stdout)
      assert.is(recorder.calls.filter((c) => c.action === 'CreateService').length, 0, 'the same service, updated in place')
      const update = recorder.calls.find((c) => c.action === 'UpdateService')?.body as UpdateServiceCommandInput
      assert.equal(update.deploymentConfiguration?.strategy, 'CANARY')
      assert.equal(update.deploymentConfiguration?.canaryConfiguration, { canaryPercent: 10, canaryBakeTimeInMinutes: 10 })
      assert.is(update.deploymentConfiguration?.deploymentCircuitBreaker, undefined)
      assert.is(update.loadBalancers?.[0]?.advancedConfiguration?.alternateTargetGroupArn, await groupArn('cruddur-backend-flask-tg-2'))
    })

    await provisionAgain(copy, 'a second provision changes nothing')

    // And back: the rule forwards to the one group again, the service is ROLLING with its circuit breaker.
    copy.write(FILE, JSON.stringify(shipped, null, 2))
    await withProxy(startScriptedProxy(motoUrl, () => undefined), async (back) => {
      const r = await provision(copy, back.url)
      assert.is(r.code, 0, r.all)
      assert.match(r.stdout, /updated\s+ecs service backend-flask: .*deployment CANARY 10 % for 10 min, bake 3 min → ROLLING/, r.stdout)
      const update = back.calls.find((c) => c.action === 'UpdateService')?.body as UpdateServiceCommandInput
      assert.equal(update.deploymentConfiguration?.strategy, 'ROLLING')
      assert.equal(update.deploymentConfiguration?.deploymentCircuitBreaker, { enable: true, rollback: true })
      assert.is(update.loadBalancers?.[0]?.advancedConfiguration, undefined)
    })
    const listener = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]?.LoadBalancerArn }))).Listeners?.[0]
    const rules = ((await elb.send(new DescribeRulesCommand({ ListenerArn: listener?.ListenerArn }))).Rules ?? []).filter((r) => !r.IsDefault)
    assert.equal(rules.map((r) => [r.Priority, r.Actions?.[0]?.TargetGroupArn ?? r.Actions?.[0]?.ForwardConfig?.TargetGroups?.map((g) => g.TargetGroupArn)]), [['1', await groupArn('cruddur-backend-flask-tg')]])
    await provisionAgain(copy, 'back on ROLLING, a second provision changes nothing')
  })
})

aws('a CANARY backend with DOMAIN_NAME (a host rule and a path rule) is refused before any change, naming both rules', async () => {
  await withServices(declare('backend-flask', { strategy: 'CANARY' }), {}, async (copy) => {
    await withProxy(startAwsProxy(motoUrl), async (counter) => {
      const r = await copy.run('provision', [], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: counter.url, DOMAIN_NAME: 'example.com' } })
      assert.is(r.code, 2, r.all)
      assert.match(r.all, 'reaches it by 2 listener rules (host api.example.com, path /api/*)')
      assert.equal(counter.mutations(), [])
    })
  })
})

aws('a CANARY service the front door does not route shifts through Service Connect: created with its strategy and rollback alarms, no alternate target group, rule or role made for it; a re-run changes nothing', async () => {
  const internal = { ...shipped['backend-flask'], frontDoor: false, deployment: { strategy: 'CANARY' } }
  await withServices({ 'backend-flask': internal }, unroutedBackendFiles(), async (copy) => {
    const recorder = await startScriptedProxy(motoUrl, () => undefined)
    let create: CreateServiceCommandInput
    try {
      const first = await provision(copy, recorder.url)
      assert.is(first.code, 0, first.all)
      assert.match(first.stdout, /created\s+ecs service backend-flask: .*deployment CANARY 5 % for 10 min, bake 3 min, shifting traffic through Service Connect/, first.stdout)
      assert.not.match(first.stdout, /tg-2|CruddurECSInfrastructureRole|listener/, 'nothing of the front door is made for it')
      create = recorder.calls.find((c) => c.action === 'CreateService')?.body as CreateServiceCommandInput
    } finally {
      await recorder.stop()
    }
    assert.equal(create.deploymentConfiguration, {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      strategy: 'CANARY',
      bakeTimeInMinutes: 3,
      canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 10 },
      // Not routed: no target group to watch, so the one alarm on its tasks is what rolls it back.
      alarms: { alarmNames: ['cruddur-backend-flask-tasks-below-desired'], enable: true, rollback: true },
    })
    assert.is(create.loadBalancers, undefined, 'no load balancer entry, so no advancedConfiguration')
    assert.is(create.serviceConnectConfiguration?.enabled, true)
    assert.is(await groupArn('cruddur-backend-flask-tg-2'), undefined)
    assert.is(await groupArn('cruddur-backend-flask-tg'), undefined)
    assert.is(await roleExists(), false, 'the traffic-shift role is for the front door only')

    const counter = await startAwsProxy(motoUrl)
    try {
      const again = await provision(copy, counter.url)
      assert.is(again.code, 0, again.all)
      assert.equal(counter.mutations(), [], 'a second provision changes nothing')
      assert.match(again.stdout, /^0 created, 0 updated, \d+ unchanged/m)
    } finally {
      await counter.stop()
    }
  })
})

aws('a CANARY service neither routed nor on Service Connect is refused before anything is made: exit 2, one line naming the file and the fix', async () => {
  const internal = { ...shipped['backend-flask'], frontDoor: false, deployment: { strategy: 'CANARY' } }
  const file = JSON.parse(readFileSync(join(ROOT, 'json/service-backend-flask.json'), 'utf8')) as Record<string, unknown>
  delete file.serviceConnectConfiguration
  await withServices({ 'backend-flask': internal }, { ...unroutedBackendFiles(), 'json/service-backend-flask.json': JSON.stringify(file, null, 2) }, async (copy) => {
    const counter = await startAwsProxy(motoUrl)
    try {
      const r = await provision(copy, counter.url)
      assert.is(r.code, 2, r.all)
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.match(
        r.stderr,
        'backend-flask deploys CANARY without the front door, so ECS shifts its traffic through Service Connect, which json/service-backend-flask.json does not turn on: enable serviceConnectConfiguration, route it through the front door, or make its "deployment" ROLLING',
      )
      assert.not.match(r.stderr, /\n\s+at /, 'no stack trace')
      assert.equal(counter.mutations(), [], 'nothing made')
    } finally {
      await counter.stop()
    }
  })
})

aws.run()
