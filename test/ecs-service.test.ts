import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { runSteps } from '../lib/steps/engine.js'
import { stepContext } from '../lib/steps/step.js'
import { serviceNamed } from '../lib/config/services.js'
import { familyOf, frontDoorDrift, serviceDrift, serviceStep } from '../lib/steps/ecs-service.js'
import type { CreateServiceCommandInput } from '@aws-sdk/client-ecs'
import { securityGroupStep } from '../lib/steps/security-group.js'
import { resetMoto } from './helpers/moto.js'
import { runKitWith } from './helpers/run.js'
import { createFrontDoor } from './helpers/deploy-fixture.js'
import { startScriptedProxy } from './helpers/scripted-proxy.js'
import type { StepsDocument } from '../lib/steps/apply.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

// These tests are about one service, the guide's backend; both declared services together are
// tested through provision (test/provision.test.ts).
const ONE_SERVICE = { ECS_SERVICES: 'backend-flask' }
const runKit = runKitWith(ONE_SERVICE)

const SCRIPT = 'ecs/create-service'
const ec2 = sdkContext.client(EC2Client, 'EC2')
const ecs = sdkContext.client(ECSClient, 'ECS')

async function createCluster(): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur', serviceConnectDefaults: { namespace: 'cruddur' } }))
}

async function registerTaskDefinition(): Promise<void> {
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'backend-flask',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'backend-flask', image: 'backend-flask', portMappings: [{ name: 'backend-flask', containerPort: 4567 }] }],
    }),
  )
}

async function createSecurityGroup(): Promise<void> {
  // The services' group admits the routed backend's port from the load balancer's group: that one first.
  const first = await runKit('ec2/create-load-balancer-security-group')
  assert.is(first.code, 0, first.all)
  const r = await runKit('ec2/create-security-group')
  assert.is(r.code, 0, r.all)
}

/** The load balancer and backend-flask's target group, by the kit's names (cruddur-alb, cruddur-backend-flask-tg). */
const frontDoor = () => createFrontDoor(sdkContext, ['backend-flask'])

async function prerequisites(): Promise<string> {
  const [door] = await Promise.all([frontDoor(), createCluster(), registerTaskDefinition(), createSecurityGroup()])
  return door.targetGroupArns['backend-flask']
}

async function defaultNetwork(): Promise<{ subnets: string[]; group?: string }> {
  const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }))).Subnets ?? []
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }, { Name: 'vpc-id', Values: [vpc] }] }),
  )
  return { subnets: subnets.map((s) => s.SubnetId as string).sort(), group: groups.SecurityGroups?.[0]?.GroupId }
}

async function service(): Promise<Service | undefined> {
  const found = await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))
  return found.services?.find((s) => s.serviceName === 'backend-flask')
}

async function serviceCount(): Promise<number> {
  return (await ecs.send(new ListServicesCommand({ cluster: 'cruddur' }))).serviceArns?.length ?? 0
}

type JsonReport = StepsDocument

// ---- pure parts ------------------------------------------------------------------------

const pure = suite('ECS service: pure parts')

pure('familyOf: family, family:revision and ARN', () => {
  assert.is(familyOf('backend-flask'), 'backend-flask')
  assert.is(familyOf('backend-flask:7'), 'backend-flask')
  assert.is(familyOf('arn:aws:ecs:eu-west-2:123456789012:task-definition/backend-flask:12'), 'backend-flask')
})

const wanted = {
  serviceName: 'backend-flask',
  desiredCount: 1,
  taskDefinition: 'backend-flask',
  launchType: 'FARGATE' as const,
  enableExecuteCommand: true,
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'] } },
}

pure('drift: nothing when the service matches (subnet order ignored, absent fields not compared)', () => {
  const actual: Service = {
    desiredCount: 1,
    taskDefinition: 'arn:aws:ecs:eu-west-2:123456789012:task-definition/backend-flask:3',
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'] } },
  }
  assert.equal(serviceDrift(wanted, actual), [])
})

pure('drift: every differing field is named, ECS Exec off with how to fix it', () => {
  const actual: Service = {
    desiredCount: 0,
    taskDefinition: 'arn:aws:ecs:eu-west-2:123456789012:task-definition/other:1',
    launchType: 'EC2',
    enableExecuteCommand: false,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-9'] } },
  }
  const drift = serviceDrift(wanted, actual)
  assert.is(drift.length, 6, drift.join('\n'))
  assert.ok(drift.some((d) => d.startsWith('desiredCount 0')))
  assert.ok(drift.some((d) => d.startsWith('task definition other')))
  assert.ok(drift.some((d) => d.startsWith('ECS Exec off') && d.includes('--enable-execute-command')))
})

pure('drift: every field the service file sets is compared when the answer carries it (the real file, rendered)', async () => {
  const { loadTemplate, render } = await import('../lib/templates/template.js')
  const file = render(loadTemplate('json/service-backend-flask.json'), (name) =>
    ({ CLUSTER: 'cruddur', NAMESPACE: 'cruddur', SECURITY_GROUP_ID: 'sg-1', SUBNET_IDS: ['subnet-a', 'subnet-b'] })[name],
    (name) => `set ${name}`,
  ) as CreateServiceCommandInput
  // What AWS answers for a service created from that file and left alone.
  const asCreated: Service = {
    desiredCount: 1,
    taskDefinition: 'arn:aws:ecs:eu-west-2:123456789012:task-definition/backend-flask:1',
    launchType: 'FARGATE',
    enableExecuteCommand: true,
    enableECSManagedTags: true,
    propagateTags: 'SERVICE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } },
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
    deployments: [
      {
        status: 'PRIMARY',
        serviceConnectConfiguration: {
          enabled: true,
          namespace: 'arn:aws:servicediscovery:eu-west-2:123456789012:namespace/ns-1',
          services: [{ portName: 'backend-flask', discoveryName: 'backend-flask', clientAliases: [{ port: 4567 }] }],
        },
      },
    ],
  }
  assert.equal(serviceDrift(file, asCreated), [])
  const changed: Service = {
    ...asCreated,
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 100, minimumHealthyPercent: 0 },
    deployments: [{ status: 'PRIMARY', serviceConnectConfiguration: { enabled: false } }],
  }
  assert.equal(serviceDrift(file, changed), [
    'propagateTags NONE (file: SERVICE)',
    'enableECSManagedTags false (file: true)',
    'assignPublicIp DISABLED (file: ENABLED)',
    'circuit breaker off, rollback off (file: on, rollback on)',
    'maximumPercent 100 (file: 200)',
    'minimumHealthyPercent 0 (file: 100)',
    'Service Connect off (file: on)',
  ])
})

pure('frontDoorDrift: a service without its load balancer, on another target group or another grace period needs the update; the same one does not', () => {
  const tg = 'arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/cruddur-backend-flask-tg/0123456789abcdef'
  const routed = { ...wanted, loadBalancers: [{ targetGroupArn: tg, containerName: 'backend-flask', containerPort: 4567 }], healthCheckGracePeriodSeconds: 60 }
  const cases: Array<[string, Service, number]> = [
    ['no load balancer (AWS answers an empty list)', { loadBalancers: [] }, 1],
    ['no load balancer, no list at all', {}, 1],
    ['another target group', { loadBalancers: [{ targetGroupArn: tg.replace('0123', '9999'), containerName: 'backend-flask', containerPort: 4567 }], healthCheckGracePeriodSeconds: 60 }, 1],
    ['another port', { loadBalancers: [{ targetGroupArn: tg, containerName: 'backend-flask', containerPort: 80 }], healthCheckGracePeriodSeconds: 60 }, 1],
    ['another grace period', { loadBalancers: routed.loadBalancers, healthCheckGracePeriodSeconds: 0 }, 1],
    ['both', { loadBalancers: [], healthCheckGracePeriodSeconds: 0 }, 2],
    ['as wanted', { loadBalancers: routed.loadBalancers, healthCheckGracePeriodSeconds: 60 }, 0],
    // moto's CreateService drops the grace period: an unknown is not a difference.
    ['as wanted, grace period not in the answer', { loadBalancers: routed.loadBalancers }, 0],
  ]
  for (const [name, actual, count] of cases) assert.is(frontDoorDrift(routed, actual).length, count, `${name}: ${frontDoorDrift(routed, actual).join('; ')}`)
  // An unrouted service's request (no loadBalancers) never asks for the update.
  assert.equal(frontDoorDrift(wanted, { loadBalancers: [] }), [])
  assert.match(frontDoorDrift(routed, { loadBalancers: [] })[0], 'load balancer none → ' + tg + '/backend-flask:4567')
  // serviceDrift names a differing load balancer too.
  assert.ok(serviceDrift(routed, { loadBalancers: [] }).some((d) => d.startsWith('load balancers none')))
})

pure.run()

// ---- against moto ----------------------------------------------------------------------

const aws = suite('ecs/create-service against moto')
aws.before.each(() => resetMoto())

aws('creates backend-flask with the security group and ALL default-VPC subnets', async () => {
  await prerequisites()
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /created\s+ecs service backend-flask/)
  const created = await service()
  const network = await defaultNetwork()
  assert.ok(network.group)
  assert.ok(network.subnets.length >= 3)
  assert.is(created?.status, 'ACTIVE')
  assert.is(created?.desiredCount, 1)
  assert.is(created?.launchType, 'FARGATE')
  assert.is(familyOf(created?.taskDefinition ?? ''), 'backend-flask')
  assert.equal(created?.networkConfiguration?.awsvpcConfiguration?.securityGroups, [network.group])
  assert.equal([...(created?.networkConfiguration?.awsvpcConfiguration?.subnets ?? [])].sort(), network.subnets)
  assert.is(created?.networkConfiguration?.awsvpcConfiguration?.assignPublicIp, 'ENABLED')
})

aws('second run: unchanged, no second service', async () => {
  await prerequisites()
  assert.is((await runKit(SCRIPT)).code, 0)
  const r = await runKit(SCRIPT, ['--json'])
  assert.is(r.code, 0, r.all)
  const report = JSON.parse(r.stdout) as JsonReport
  assert.equal(report.summary, { created: 0, updated: 0, unchanged: 1, failed: 0 })
  assert.match(report.steps[0].changes[0].detail ?? '', 'as json/service-backend-flask.json defines')
  assert.is(await serviceCount(), 1)
})

aws('drift: a desiredCount changed to 3 is reported, and left as it is', async () => {
  await prerequisites()
  assert.is((await runKit(SCRIPT)).code, 0)
  await ecs.send(new UpdateServiceCommand({ cluster: 'cruddur', service: 'backend-flask', desiredCount: 3 }))
  const r = await runKit(SCRIPT, ['--json'])
  assert.is(r.code, 0, r.all)
  const [change] = (JSON.parse(r.stdout) as JsonReport).steps[0].changes
  assert.is(change.outcome, 'unchanged')
  assert.match(change.detail ?? '', 'desiredCount 3 (file: 1)')
  assert.is((await service())?.desiredCount, 3)
})

aws('a deleted (INACTIVE) service is created again', async () => {
  await prerequisites()
  assert.is((await runKit(SCRIPT)).code, 0)
  await ecs.send(new DeleteServiceCommand({ cluster: 'cruddur', service: 'backend-flask', force: true }))
  assert.is((await service())?.status, 'INACTIVE')
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /created\s+ecs service backend-flask/)
  assert.is((await service())?.status, 'ACTIVE')
})

aws('missing cluster: a clear error naming the cluster and ./scripts/ecs/create-cluster, exit 1', async () => {
  await Promise.all([frontDoor(), registerTaskDefinition(), createSecurityGroup()])
  const r = await runKit(SCRIPT)
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, 'ECS cluster cruddur not found')
  assert.match(r.stdout, './scripts/ecs/create-cluster')
})

aws('missing security group: a clear error pointing at ec2/create-security-group, nothing created', async () => {
  await Promise.all([createCluster(), registerTaskDefinition()])
  const r = await runKit(SCRIPT)
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, 'security group crud-srv-sg not found')
  assert.match(r.stdout, './scripts/ec2/create-security-group')
  assert.is(await serviceCount(), 0)
})

aws('missing task definition: a clear error pointing at ecs/register-task-definition, nothing created', async () => {
  await Promise.all([frontDoor(), createCluster(), createSecurityGroup()])
  const r = await runKit(SCRIPT)
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, './scripts/ecs/register-task-definition')
  assert.is(await serviceCount(), 0)
})

aws('--dry-run with the prerequisites: plans the service, creates nothing', async () => {
  await prerequisites()
  const r = await runKit(SCRIPT, ['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would create\s+ecs service backend-flask/)
  assert.match(r.stdout, 'plan: 1 to create')
  assert.is(await serviceCount(), 0)
})

aws('--dry-run on an empty account: still plans, with the stand-in group, creates nothing', async () => {
  const r = await runKit(SCRIPT, ['--dry-run', '--json'])
  assert.is(r.code, 0, r.all)
  const [change] = (JSON.parse(r.stdout) as JsonReport).steps[0].changes
  assert.is(change.outcome, 'created')
  assert.match(change.detail ?? '', '(new crud-srv-sg)')
  assert.match(change.detail ?? '', 'ecs/create-cluster')
  await createCluster()
  assert.is(await serviceCount(), 0)
})

aws('security group and service steps in one dry run: the service plans with the group’s stand-in', async () => {
  const ctx = await stepContext(await openContext({ ...process.env, ...ONE_SERVICE }, { mode: 'dry-run' }))
  const reports = await runSteps([securityGroupStep, serviceStep(serviceNamed('backend-flask'))], ctx)
  assert.equal(
    reports.map((r) => [r.id, r.error]),
    [
      ['ec2/create-security-group', undefined],
      ['ecs/create-service:backend-flask', undefined],
    ],
  )
  assert.is(ctx.discovered.securityGroupId, '(new crud-srv-sg)')
  assert.equal(ctx.discovered.subnetIds, (await defaultNetwork()).subnets)
  assert.is(reports[1].changes[0].outcome, 'created')
  assert.is((await defaultNetwork()).group, undefined)
})

aws('unknown NAME: exit 2, one line naming the declarations file; a bad NAME too', async () => {
  for (const name of ['nope', '../etc']) {
    const r = await runKit(SCRIPT, [name])
    assert.is(r.code, 2, r.all)
    assert.is(r.stdout, '')
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, name === 'nope' ? 'not declared in json/services.json' : 'not a service name')
    assert.match(r.stderr, 'available: backend-flask')
  }
})

aws('NAME given: creates just that service; --help exits 0 and shows NAME', async () => {
  await prerequisites()
  const r = await runKit(SCRIPT, ['backend-flask', '--json'])
  assert.is(r.code, 0, r.all)
  assert.equal((JSON.parse(r.stdout) as JsonReport).summary.created, 1)
  assert.is(await serviceCount(), 1)
  const help = await runKit(SCRIPT, ['--help'])
  assert.is(help.code, 0)
  assert.match(help.stdout, 'NAME')
  assert.match(help.stdout, 'ECS_SERVICES')
})

// ---- behind the front door -------------------------------------------------------------

const MUTATING = /^(Create|Update|Delete|Put|Register|Deregister|Tag|Untag|Modify|Authorize|Revoke|Run|Start|Stop)/

aws('a routed service is created behind its target group, with the grace period (read back, and read at a recording proxy: moto drops the grace period)', async () => {
  const tg = await prerequisites()
  const proxy = await startScriptedProxy(process.env.AWS_ENDPOINT_URL as string, () => undefined)
  try {
    const r = await runKit(SCRIPT, [], { env: { AWS_ENDPOINT_URL: proxy.url } })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, /created\s+ecs service backend-flask.*behind cruddur-backend-flask-tg \(health-check grace 60 s\)/)
    const create = proxy.calls.find((c) => c.action === 'CreateService')?.body as CreateServiceCommandInput
    assert.equal(create.loadBalancers, [{ targetGroupArn: tg, containerName: 'backend-flask', containerPort: 4567 }])
    assert.is(create.healthCheckGracePeriodSeconds, 60)
  } finally {
    await proxy.stop()
  }
  assert.equal((await service())?.loadBalancers, [{ targetGroupArn: tg, containerName: 'backend-flask', containerPort: 4567 }])
})

aws('an existing service without the load balancer is updated in place (UpdateService), then a second run makes no mutating call', async () => {
  const tg = await prerequisites()
  const network = await defaultNetwork()
  // As the kit made it before the front door: same file, no load balancer.
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'cruddur',
      serviceName: 'backend-flask',
      taskDefinition: 'backend-flask',
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: network.subnets, securityGroups: [network.group as string], assignPublicIp: 'ENABLED' } },
    }),
  )
  const plan = await runKit(SCRIPT, ['--dry-run'])
  assert.is(plan.code, 0, plan.all)
  assert.match(plan.stdout, /would update\s+ecs service backend-flask.*load balancer none → .*cruddur-backend-flask-tg.*health-check grace 60 s/, plan.stdout)
  assert.equal((await service())?.loadBalancers ?? [], [], 'a dry run changes nothing')

  const r = await runKit(SCRIPT, ['--json'])
  assert.is(r.code, 0, r.all)
  const [change] = (JSON.parse(r.stdout) as JsonReport).steps[0].changes
  assert.is(change.outcome, 'updated', change.detail)
  assert.match(change.detail ?? '', 'a new deployment follows')
  const updated = await service()
  assert.equal(updated?.loadBalancers, [{ targetGroupArn: tg, containerName: 'backend-flask', containerPort: 4567 }])
  assert.is(updated?.healthCheckGracePeriodSeconds, 60)
  assert.is(await serviceCount(), 1, 'the same service, not a new one')

  const proxy = await startScriptedProxy(process.env.AWS_ENDPOINT_URL as string, () => undefined)
  try {
    const again = await runKit(SCRIPT, ['--json'], { env: { AWS_ENDPOINT_URL: proxy.url } })
    assert.is(again.code, 0, again.all)
    assert.equal((JSON.parse(again.stdout) as JsonReport).summary, { created: 0, updated: 0, unchanged: 1, failed: 0 })
    assert.equal(proxy.seen.filter((a) => MUTATING.test(a)), [])
  } finally {
    await proxy.stop()
  }
})

aws('a created routed service: a second run makes no mutating call (moto drops the grace period: an unknown is not a difference)', async () => {
  await prerequisites()
  assert.is((await runKit(SCRIPT)).code, 0)
  const proxy = await startScriptedProxy(process.env.AWS_ENDPOINT_URL as string, () => undefined)
  try {
    const r = await runKit(SCRIPT, [], { env: { AWS_ENDPOINT_URL: proxy.url } })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, /unchanged\s+ecs service backend-flask/)
    assert.equal(proxy.seen.filter((a) => MUTATING.test(a)), [])
  } finally {
    await proxy.stop()
  }
})

aws('missing target group: exit 1 naming elbv2/create-target-group, nothing created; --dry-run plans with a stand-in', async () => {
  await Promise.all([createCluster(), registerTaskDefinition(), createSecurityGroup()])
  const r = await runKit(SCRIPT)
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, 'target group cruddur-backend-flask-tg not found')
  assert.match(r.stdout, 'run ./scripts/elbv2/create-target-group backend-flask first')
  assert.is(await serviceCount(), 0)
  const plan = await runKit(SCRIPT, ['--dry-run', '--json'])
  assert.is(plan.code, 0, plan.all)
  const [change] = (JSON.parse(plan.stdout) as JsonReport).steps[0].changes
  assert.is(change.outcome, 'created')
  assert.match(change.detail ?? '', 'after elbv2/create-target-group backend-flask creates cruddur-backend-flask-tg')
  assert.is(await serviceCount(), 0)
})

aws.run()
