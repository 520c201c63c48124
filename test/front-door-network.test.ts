import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSubnetCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2'
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupCommand,
  SetSecurityGroupsCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { openContext } from '../lib/aws/context.js'
import { oneSubnetPerZone } from '../lib/aws/network.js'
import { declaredServices } from '../lib/config/services.js'
import { loadBalancerDrift, loadBalancerSubnets } from '../lib/steps/load-balancer.js'
import { otherRules, serviceGroupRules, staleRules, widerRules } from '../lib/steps/security-group.js'
import { fixedDrift, healthCheckDrift, targetGroupSettings } from '../lib/steps/target-group.js'
import type { StepsDocument } from '../lib/steps/apply.js'
import type { Change } from '../lib/steps/step.js'
import { recordingProxy } from './helpers/aws-proxy.js'
import { runKit } from './helpers/run.js'
import { withServices } from './helpers/services.js'

const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdkContext = await openContext({ ...process.env, AWS_ENDPOINT_URL: motoUrl }, { mode: 'read-only' })
const ec2 = sdkContext.client(EC2Client, 'EC2')
const elb = sdkContext.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')

const [backend, frontend] = ['backend-flask', 'frontend-react-js'].map((name) => declaredServices().find((s) => s.name === name)!)

// ---- pure parts ------------------------------------------------------------------------

const pure = suite('front door network: pure parts')

pure("services' rules: a routed service's port from the load balancer's group and from itself; an internal one's from itself only", () => {
  const worker = { name: 'worker', frontDoor: undefined }
  const rules = serviceGroupRules(
    [
      { service: backend, ports: [{ protocol: 'tcp', port: 4567 }] },
      { service: worker, ports: [{ protocol: 'tcp', port: 8080 }] },
    ],
    { groupId: 'sg-self', groupName: 'crud-srv-sg' },
    { groupId: 'sg-alb', groupName: 'cruddur-alb-sg' },
  )
  assert.equal(
    rules.map((r) => `${r.protocol}/${r.port} ${r.groupId}`).sort(),
    ['tcp/4567 sg-alb', 'tcp/4567 sg-self', 'tcp/8080 sg-self'],
  )
  assert.ok(rules.every((r) => r.cidr === undefined), 'no address range')
})

pure('stale rules: a container port from any range (IPv4 or IPv6) is stale; port 80, SSH and a group are not', () => {
  const ports = [{ protocol: 'tcp', port: 4567 }]
  const permissions = [
    { IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }], UserIdGroupPairs: [{ GroupId: 'sg-alb' }] },
    { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
  ]
  const stale = staleRules(permissions, ports)
  assert.equal(
    stale.map((r) => `${r.protocol}/${r.port} ${r.cidr}`).sort(),
    ['tcp/4567 0.0.0.0/0', 'tcp/4567 ::/0'],
  )
  assert.equal(otherRules(permissions, [], stale), ['tcp/80 from 0.0.0.0/0', 'tcp/22 from 203.0.113.0/24'])
})

pure('wider rules: a range or all traffic reaching a container port is named (not revoked); a range beside it is not', () => {
  const ports = [{ protocol: 'tcp', port: 4567 }]
  assert.equal(widerRules([{ IpProtocol: 'tcp', FromPort: 4000, ToPort: 5000, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }], ports), ['tcp/4000-5000 from 10.0.0.0/8 reaches container port 4567'])
  assert.equal(widerRules([{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], ports), ['all traffic from 0.0.0.0/0 reaches container port 4567'])
  assert.equal(widerRules([{ IpProtocol: 'tcp', FromPort: 5000, ToPort: 6000, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], ports), [])
  assert.equal(widerRules([{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], ports), [])
})

pure('subnets: one per zone (the lowest id); a single zone is an error saying how to add a default subnet in another', () => {
  const subnets = [
    { subnetId: 'subnet-b2', zone: 'eu-west-2b' },
    { subnetId: 'subnet-a9', zone: 'eu-west-2a' },
    { subnetId: 'subnet-a1', zone: 'eu-west-2a' },
  ]
  assert.equal(oneSubnetPerZone(subnets), [
    { subnetId: 'subnet-a1', zone: 'eu-west-2a' },
    { subnetId: 'subnet-b2', zone: 'eu-west-2b' },
  ])
  assert.throws(
    () => loadBalancerSubnets(subnets.slice(1), 'vpc-1', 'eu-west-2', ['eu-west-2a', 'eu-west-2b']),
    /only one Availability Zone \(eu-west-2a\).*aws ec2 create-default-subnet --availability-zone eu-west-2b --region eu-west-2/,
  )
})

pure('load balancer drift: another group, a missing subnet and the header attribute off are each named', () => {
  const lb = { SecurityGroups: ['sg-default'], AvailabilityZones: [{ SubnetId: 'subnet-a' }] }
  const drift = loadBalancerDrift(lb, { 'routing.http.drop_invalid_header_fields.enabled': 'false' }, { securityGroupId: 'sg-alb', subnetIds: ['subnet-a', 'subnet-b'] })
  assert.match(drift.securityGroups ?? '', 'sg-default (wanted: sg-alb)')
  assert.match(drift.subnets ?? '', 'subnet-a,subnet-b')
  assert.equal(drift.attributes, ['routing.http.drop_invalid_header_fields.enabled false (wanted: true)'])
  assert.equal(loadBalancerDrift({ SecurityGroups: ['sg-alb'], AvailabilityZones: [{ SubnetId: 'subnet-b' }, { SubnetId: 'subnet-a' }] }, { 'routing.http.drop_invalid_header_fields.enabled': 'true' }, { securityGroupId: 'sg-alb', subnetIds: ['subnet-a', 'subnet-b'] }), { attributes: [] })
})

pure("target group: the declaration's port and health path, week-7 settings; what cannot change is told apart from what can", () => {
  const wanted = targetGroupSettings(backend, 'vpc-1')
  assert.equal(
    [wanted.name, wanted.port, wanted.healthCheckPath, wanted.intervalSeconds, wanted.healthyThreshold, wanted.unhealthyThreshold, wanted.matcher, wanted.deregistrationDelaySeconds],
    ['cruddur-backend-flask-tg', 4567, '/api/health-check', 15, 2, 2, '200-399', 30],
  )
  assert.is(targetGroupSettings(frontend, 'vpc-1').healthCheckPath, '/')
  const group: TargetGroup = {
    Protocol: 'HTTP', Port: 4567, TargetType: 'ip', VpcId: 'vpc-1',
    HealthCheckProtocol: 'HTTP', HealthCheckPath: '/api/health-check', HealthCheckIntervalSeconds: 15, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: '200-399' },
  }
  assert.equal(fixedDrift(group, wanted), [])
  assert.equal(healthCheckDrift(group, wanted), [])
  assert.equal(fixedDrift({ ...group, Port: 8080, TargetType: 'instance' }, wanted), ['port 8080 (wanted: 4567)', 'target type instance (wanted: ip)'])
  assert.equal(healthCheckDrift({ ...group, HealthCheckPath: '/', HealthyThresholdCount: 5 }, wanted), ['health check path / (wanted: /api/health-check)', 'healthy threshold 5 (wanted: 2)'])
})

pure.run()

// ---- against moto ----------------------------------------------------------------------

const TASK_ENV = {
  AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool',
  AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id',
  PROD_CONNECTION_URL: 'postgresql://cruddur:pw-fd-net@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'rollbar-fd-net',
  HONEYCOMB_API_KEY: 'honeycomb-fd-net',
}
const kit = (script: string, args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runKit(script, args, { env: { ...TASK_ENV, AWS_ENDPOINT_URL: proxy.url, ...env } })

async function json(script: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<StepsDocument> {
  const r = await kit(script, ['--json', ...args], env)
  assert.is(r.code, 0, r.all)
  return JSON.parse(r.stdout) as StepsDocument
}

const MY_STEPS = /^(ec2\/create-security-group|ec2\/create-load-balancer-security-group|elbv2\/create-load-balancer|elbv2\/create-target-group:.*)$/
const changesOf = (doc: StepsDocument, id: RegExp): Change[] => doc.steps.filter((s) => id.test(s.id)).flatMap((s) => s.changes)
const line = (c: Change) => `${c.outcome} ${c.resource} ${c.name}`

async function group(name: string): Promise<SecurityGroup | undefined> {
  return (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }))).SecurityGroups?.[0]
}

/** "tcp/4567 from 0.0.0.0/0" or "tcp/4567 from sg-..." for each source of each rule, sorted. */
const sources = (g: SecurityGroup | undefined): string[] =>
  (g?.IpPermissions ?? [])
    .flatMap((p) => [
      ...(p.IpRanges ?? []).map((r) => r.CidrIp),
      ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
      ...(p.UserIdGroupPairs ?? []).map((x) => x.GroupId),
    ].map((s) => `${p.IpProtocol}/${p.FromPort} from ${s}`))
    .sort()

async function defaultVpc(): Promise<string> {
  return (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string
}

const targetGroup = async (name: string): Promise<TargetGroup | undefined> =>
  (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups?.find((g) => g.TargetGroupName === name)

const aws = suite('front door network against moto (ELBv2, EC2), through a recording proxy')
const proxy = recordingProxy(aws, motoUrl)

aws("provision on a fresh account: both groups, the ALB in ≥2 zones dropping invalid headers, the target groups; container ports only from the ALB's group and the services'; a second run changes nothing", async () => {
  const r = await kit('provision')
  assert.is(r.code, 0, r.all)

  const albGroup = await group('cruddur-alb-sg')
  assert.is(albGroup?.Description, 'Security group for the Cruddur load balancer')
  assert.is(albGroup?.VpcId, await defaultVpc())
  assert.equal(sources(albGroup), ['tcp/443 from 0.0.0.0/0', 'tcp/80 from 0.0.0.0/0'])
  const services = await group('crud-srv-sg')
  const [alb, self] = [albGroup?.GroupId, services?.GroupId]
  assert.equal(sources(services), [`tcp/3000 from ${alb}`, `tcp/3000 from ${self}`, `tcp/4567 from ${alb}`, `tcp/4567 from ${self}`].sort())

  const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]
  assert.is(lb?.Scheme, 'internet-facing')
  assert.is(lb?.Type, 'application')
  assert.equal(lb?.SecurityGroups, [alb])
  const zones = (lb?.AvailabilityZones ?? []).map((z) => z.ZoneName)
  assert.ok(zones.length >= 2, `zones: ${zones.join(', ')}`)
  assert.is(new Set(zones).size, zones.length, 'one subnet per zone')
  const attributes = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn }))).Attributes ?? []
  assert.is(attributes.find((a) => a.Key === 'routing.http.drop_invalid_header_fields.enabled')?.Value, 'true')
  assert.is(attributes.find((a) => a.Key === 'deletion_protection.enabled')?.Value ?? 'false', 'false')

  for (const [name, port, path] of [['cruddur-backend-flask-tg', 4567, '/api/health-check'], ['cruddur-frontend-react-js-tg', 3000, '/']] as const) {
    const tg = await targetGroup(name)
    assert.equal(
      [tg?.Protocol, tg?.Port, tg?.TargetType, tg?.VpcId, tg?.HealthCheckPath, tg?.HealthCheckIntervalSeconds, tg?.HealthyThresholdCount, tg?.UnhealthyThresholdCount, tg?.Matcher?.HttpCode],
      ['HTTP', port, 'ip', await defaultVpc(), path, 15, 2, 2, '200-399'],
      name,
    )
    const delay = (await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg?.TargetGroupArn }))).Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')
    assert.is(delay?.Value, '30', name)
  }

  proxy.reset()
  const again = await json('provision')
  assert.equal(proxy.mutations(), [])
  const mine = changesOf(again, MY_STEPS)
  assert.is(mine.length, 11, mine.map(line).join('\n'))
  assert.equal(mine.filter((c) => c.outcome !== 'unchanged').map(line), [])
  assert.ok(proxy.calls.some((c) => c.service === 'elasticloadbalancing'), 'the second run read the load balancer')
})

aws("an existing stack's world-open container ports are revoked by provision (planned by --dry-run, which changes nothing); SSH from a range stays", async () => {
  const vpcId = await defaultVpc()
  const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'crud-srv-sg', Description: 'Security group for Cruddur services on ECS', VpcId: vpcId }))
  const open = (port: number, cidr: string) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr }] })
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [open(4567, '0.0.0.0/0'), open(3000, '0.0.0.0/0'), open(22, '203.0.113.0/24')] }))
  const before = sources(await group('crud-srv-sg'))

  const plan = await json('provision', ['--dry-run'])
  assert.equal(proxy.mutations(), [])
  assert.equal(sources(await group('crud-srv-sg')), before)
  const planned = changesOf(plan, /^ec2\/create-security-group$/)
  assert.equal(planned.filter((c) => c.outcome === 'deleted').map(line), ['deleted security group ingress tcp/3000 from 0.0.0.0/0', 'deleted security group ingress tcp/4567 from 0.0.0.0/0'])
  assert.match(planned.find((c) => c.resource === 'security group')?.detail ?? '', 'also allows tcp/22 from 203.0.113.0/24 (not the kit\'s: left as is)')

  const r = await kit('provision')
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /deleted\s+security group ingress tcp\/4567 from 0\.0\.0\.0\/0/)
  assert.match(r.stdout, /deleted\s+security group ingress tcp\/3000 from 0\.0\.0\.0\/0/)
  const alb = (await group('cruddur-alb-sg'))?.GroupId
  assert.equal(sources(await group('crud-srv-sg')), ['tcp/22 from 203.0.113.0/24', `tcp/3000 from ${alb}`, `tcp/3000 from ${GroupId}`, `tcp/4567 from ${alb}`, `tcp/4567 from ${GroupId}`].sort())
})

aws('a drifted health path is put back (updated); a target group with the wrong port is a fault saying to delete it and re-run', async () => {
  assert.is((await kit('elbv2/create-target-group', ['backend-flask'])).code, 0)
  const tg = await targetGroup('cruddur-backend-flask-tg')
  await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg?.TargetGroupArn, HealthCheckPath: '/moved' }))
  const plan = await json('elbv2/create-target-group', ['--dry-run', 'backend-flask'])
  assert.equal(plan.summary, { created: 0, updated: 1, unchanged: 0, failed: 0 })
  assert.is((await targetGroup('cruddur-backend-flask-tg'))?.HealthCheckPath, '/moved')
  const fixed = await kit('elbv2/create-target-group', ['backend-flask'])
  assert.is(fixed.code, 0, fixed.all)
  assert.match(fixed.stdout, /updated\s+target group cruddur-backend-flask-tg: drifted, put back: health check path \/moved \(wanted: \/api\/health-check\)/)
  assert.is((await targetGroup('cruddur-backend-flask-tg'))?.HealthCheckPath, '/api/health-check')

  await elb.send(new CreateTargetGroupCommand({ Name: 'cruddur-frontend-react-js-tg', Protocol: 'HTTP', Port: 8080, TargetType: 'ip', VpcId: await defaultVpc() }))
  proxy.reset()
  const doc = await json('elbv2/create-target-group', ['frontend-react-js'])
  const [change] = doc.steps[0].changes
  assert.match(change.fault ?? '', /port 8080 \(wanted: 3000\).*cannot change in place.*ECS_SERVICES=frontend-react-js \.\/scripts\/teardown.*\.\/scripts\/provision/)
  assert.equal(proxy.mutations(), [])
  assert.is((await targetGroup('cruddur-frontend-react-js-tg'))?.Port, 8080)
})

aws("the load balancer's drifted security group and header attribute are put back; an internal one is a fault", async () => {
  assert.is((await kit('ec2/create-load-balancer-security-group')).code, 0)
  assert.is((await kit('elbv2/create-load-balancer')).code, 0)
  const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]
  const other = (await group('default'))?.GroupId as string
  await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: lb?.LoadBalancerArn, SecurityGroups: [other] }))
  await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn, Attributes: [{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'false' }] }))
  const r = await kit('elbv2/create-load-balancer')
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+load balancer cruddur-alb: .*drifted, put back: security groups sg-\w+ \(wanted: sg-\w+\); routing\.http\.drop_invalid_header_fields\.enabled false/)
  const after = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]
  assert.equal(after?.SecurityGroups, [(await group('cruddur-alb-sg'))?.GroupId])
  const attributes = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn }))).Attributes ?? []
  assert.is(attributes.find((a) => a.Key === 'routing.http.drop_invalid_header_fields.enabled')?.Value, 'true')

  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [await defaultVpc()] }] }))).Subnets ?? []
  await elb.send(new CreateLoadBalancerCommand({ Name: 'kit-test-internal', Scheme: 'internal', Subnets: subnets.slice(0, 2).map((s) => s.SubnetId as string) }))
  const doc = await json('elbv2/create-load-balancer', [], { LOAD_BALANCER_NAME: 'kit-test-internal' })
  assert.match(doc.steps[0].changes[0].fault ?? '', /internal application, not an internet-facing application load balancer: delete it/)
})

aws('a default VPC with subnets in one zone only: exit 1, one line saying how to add a default subnet; no load balancer', async () => {
  assert.is((await kit('ec2/create-load-balancer-security-group')).code, 0)
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [await defaultVpc()] }] }))).Subnets ?? []
  for (const s of subnets.slice(1)) await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId }))
  const r = await kit('elbv2/create-load-balancer')
  assert.is(r.code, 1, r.all)
  assert.match(r.all, /only one Availability Zone \(.+\).*aws ec2 create-default-subnet --availability-zone eu-west-2\w/)
  assert.equal((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [], [])
})

aws("INGRESS_CIDR is the load balancer group's source: narrowing it revokes the old range on 80/443 (SSH stays); a bad one is refused before any call", async () => {
  assert.is((await kit('ec2/create-load-balancer-security-group')).code, 0)
  const albGroup = (await group('cruddur-alb-sg'))?.GroupId
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: albGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] }] }))
  const r = await kit('ec2/create-load-balancer-security-group', [], { INGRESS_CIDR: '203.0.113.7/32' })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /deleted\s+security group ingress tcp\/80 from 0\.0\.0\.0\/0: INGRESS_CIDR is 203\.0\.113\.7\/32/)
  assert.match(r.stdout, 'also allows tcp/22 from 203.0.113.0/24')
  assert.equal(sources(await group('cruddur-alb-sg')), ['tcp/22 from 203.0.113.0/24', 'tcp/443 from 203.0.113.7/32', 'tcp/80 from 203.0.113.7/32'])
  proxy.reset()
  const bad = await kit('ec2/create-load-balancer-security-group', [], { INGRESS_CIDR: '300.0.0.1/32' })
  assert.is(bad.code, 2, bad.all)
  assert.is(bad.stderr.trim().split('\n').length, 1, bad.stderr)
  assert.match(bad.stderr, 'INGRESS_CIDR')
  assert.equal(proxy.calls, [])
})

aws('a target group for a service that is not routed (internal only) is refused (exit 2, one line) before any call', async () => {
  await withServices({ 'kit-test-worker': { description: 'a queue worker', containerPort: 8080, frontDoor: false } }, {}, async (copy) => {
    const r = await copy.run('elbv2/create-target-group', ['kit-test-worker'], { env: { AWS_ENDPOINT_URL: proxy.url } })
    assert.is(r.code, 2, r.all)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, 'kit-test-worker is not routed through the front door')
    assert.equal(proxy.calls, [])
  })
})

for (const [script, args, planned] of [
  ['ec2/create-load-balancer-security-group', [], ['created security group cruddur-alb-sg', 'created security group ingress tcp/80 from 0.0.0.0/0', 'created security group ingress tcp/443 from 0.0.0.0/0']],
  ['elbv2/create-load-balancer', [], ['created load balancer cruddur-alb']],
  ['elbv2/create-target-group', [], ['created target group cruddur-backend-flask-tg', 'created target group cruddur-frontend-react-js-tg']],
] as const) {
  aws(`${script}: --help; --dry-run --json on an empty account plans and calls nothing that changes`, async () => {
    const help = await runKit(script, ['--help'])
    assert.is(help.code, 0, help.all)
    assert.match(help.stdout, '--dry-run')
    assert.match(help.stdout, '--json')
    const doc = await json(script, ['--dry-run', ...args])
    assert.is(doc.dryRun, true)
    assert.equal(doc.steps.flatMap((s) => s.changes).map(line), planned)
    assert.equal(proxy.mutations(), [])
  })
}

aws.run()
