import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  AuthorizeSecurityGroupIngressCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2'
import { openContext } from '../lib/aws/context.js'
import { ConfigError } from '../lib/core/errors.js'
import { parseTemplate, loadTemplate } from '../lib/templates/template.js'
import { cidrProblem, containerPorts, missingRules, otherRules, wantedRules } from '../lib/steps/security-group.js'
import { resetMoto } from './helpers/moto.js'
import { runKitWith } from './helpers/run.js'
import type { StepsDocument } from '../lib/steps/apply.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

// These tests are about one service, the guide's backend; both declared services together are
// tested through provision (test/provision.test.ts).
const ONE_SERVICE = { ECS_SERVICES: 'backend-flask' }
const runKit = runKitWith(ONE_SERVICE)

const SCRIPT = 'ec2/create-security-group'
const ec2 = sdkContext.client(EC2Client, 'EC2')

async function defaultVpc(): Promise<string> {
  const found = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))
  return found.Vpcs?.[0]?.VpcId as string
}

/** Every group named crud-srv-sg, read through the SDK. */
async function groups(name = 'crud-srv-sg'): Promise<SecurityGroup[]> {
  const found = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }))
  return found.SecurityGroups ?? []
}

/** "tcp/4567 from 0.0.0.0/0" for each ingress rule of a group, sorted. */
const rules = (group: SecurityGroup): string[] =>
  (group.IpPermissions ?? [])
    .flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.IpProtocol}/${p.FromPort}${p.ToPort !== p.FromPort ? `-${p.ToPort}` : ''} from ${r.CidrIp}`))
    .sort()

type JsonReport = StepsDocument
async function runJson(args: string[] = [], env: Record<string, string> = {}): Promise<JsonReport> {
  const r = await runKit(SCRIPT, ['--json', ...args], { env })
  assert.is(r.code, 0, r.all)
  return JSON.parse(r.stdout) as JsonReport
}

// ---- pure parts ------------------------------------------------------------------------

const pure = suite('security group: pure parts')

pure('ports come from the task definition template: 4567/tcp for backend-flask', () => {
  assert.equal(containerPorts(loadTemplate('task-definitions/backend-flask.json')), [{ protocol: 'tcp', port: 4567 }])
})

pure('a port that is not a number is a ConfigError naming the file', () => {
  const template = parseTemplate('task-definitions/x.json', JSON.stringify({ containerDefinitions: [{ portMappings: [{ containerPort: '${PORT}' }] }] }))
  try {
    containerPorts(template)
    assert.unreachable('accepted a placeholder port')
  } catch (error) {
    assert.instance(error, ConfigError)
    assert.match((error as Error).message, 'task-definitions/x.json')
  }
})

pure('wanted rules: one per distinct port, protocol defaults to tcp', () => {
  const template = parseTemplate('t.json', JSON.stringify({ containerDefinitions: [{ portMappings: [{ containerPort: 3000 }] }, { portMappings: [{ containerPort: 4567, protocol: 'tcp' }] }] }))
  const ports = [...containerPorts(template), { protocol: 'tcp', port: 3000 }]
  assert.equal(wantedRules(ports, '0.0.0.0/0'), [
    { protocol: 'tcp', port: 3000, cidr: '0.0.0.0/0' },
    { protocol: 'tcp', port: 4567, cidr: '0.0.0.0/0' },
  ])
})

pure('missing rules: an exact rule or a covering range counts; another CIDR or port does not', () => {
  const wanted = wantedRules([{ protocol: 'tcp', port: 4567 }], '0.0.0.0/0')
  assert.equal(missingRules([], wanted), wanted)
  assert.equal(missingRules([{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], wanted), [])
  assert.equal(missingRules([{ IpProtocol: 'tcp', FromPort: 4000, ToPort: 5000, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], wanted), [])
  assert.equal(missingRules([{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], wanted), wanted)
  assert.equal(missingRules([{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }], wanted), wanted)
  assert.equal(missingRules([{ IpProtocol: 'udp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], wanted), wanted)
})

pure('other rules: the guide’s port 80 is named, the kit’s own rule is not', () => {
  const wanted = wantedRules([{ protocol: 'tcp', port: 4567 }], '0.0.0.0/0')
  const permissions = [
    { IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ]
  assert.equal(otherRules(permissions, wanted), ['tcp/80 from 0.0.0.0/0'])
  assert.equal(otherRules([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }], wanted), ['tcp/22 from ::/0'])
})

pure('CIDR beyond its shape: octets over 255 or a prefix over 32 are problems', () => {
  assert.is(cidrProblem('0.0.0.0/0'), undefined)
  assert.is(cidrProblem('203.0.113.7/32'), undefined)
  assert.match(cidrProblem('300.0.0.1/32') ?? '', 'INGRESS_CIDR')
  assert.match(cidrProblem('10.0.0.0/33') ?? '', 'INGRESS_CIDR')
})

pure.run()

// ---- against moto ----------------------------------------------------------------------

const aws = suite('ec2/create-security-group against moto')
aws.before.each(() => resetMoto())

/** The load balancer's group, which a routed service's ports admit: made first, as provision does. */
async function loadBalancerGroup(): Promise<string> {
  const r = await runKit('ec2/create-load-balancer-security-group')
  assert.is(r.code, 0, r.all)
  return (await groups('cruddur-alb-sg'))[0].GroupId as string
}

/** "tcp/4567 from sg-..." for each security-group source of each rule, sorted. */
const groupSources = (group: SecurityGroup): string[] =>
  (group.IpPermissions ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((g) => `${p.IpProtocol}/${p.FromPort} from ${g.GroupId}`)).sort()

aws('creates crud-srv-sg in the default VPC admitting tcp/4567 from the load balancer’s group and from itself; no address range, no port 80', async () => {
  const alb = await loadBalancerGroup()
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, 'created')
  const [group, ...more] = await groups()
  assert.is(more.length, 0)
  assert.is(group.VpcId, await defaultVpc())
  assert.is(group.Description, 'Security group for Cruddur services on ECS')
  assert.equal(rules(group), [])
  assert.equal(groupSources(group), [`tcp/4567 from ${alb}`, `tcp/4567 from ${group.GroupId}`].sort())
})

aws('without the load balancer’s group: exit 1 naming the script that makes it, nothing created', async () => {
  const r = await runKit(SCRIPT)
  assert.is(r.code, 1, r.all)
  assert.match(r.all, 'cruddur-alb-sg not found')
  assert.match(r.all, 'run ./scripts/ec2/create-load-balancer-security-group first')
  assert.is((await groups()).length, 0)
})

aws('second run: unchanged, no duplicate group or rule', async () => {
  await loadBalancerGroup()
  assert.is((await runKit(SCRIPT)).code, 0)
  const report = await runJson()
  assert.equal(report.summary, { created: 0, updated: 0, unchanged: 3, failed: 0 })
  const all = await groups()
  assert.is(all.length, 1)
  assert.is(groupSources(all[0]).length, 2)
})

aws('a revoked ingress rule is added back; the group itself is unchanged', async () => {
  const alb = await loadBalancerGroup()
  assert.is((await runKit(SCRIPT)).code, 0)
  const [group] = await groups()
  await ec2.send(
    new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, UserIdGroupPairs: [{ GroupId: alb }] }] }),
  )
  assert.equal(groupSources((await groups())[0]), [`tcp/4567 from ${group.GroupId}`])
  const report = await runJson()
  const changes = report.steps[0].changes
  assert.equal(
    changes.map((c) => [c.resource, c.name, c.outcome]),
    [
      ['security group', 'crud-srv-sg', 'unchanged'],
      ['security group ingress', 'tcp/4567 from crud-srv-sg (itself)', 'unchanged'],
      ['security group ingress', 'tcp/4567 from cruddur-alb-sg', 'created'],
    ],
  )
  assert.equal(groupSources((await groups())[0]), [`tcp/4567 from ${alb}`, `tcp/4567 from ${group.GroupId}`].sort())
})

aws('a port-80 rule someone added (the guide’s) is left alone and mentioned', async () => {
  await loadBalancerGroup()
  assert.is((await runKit(SCRIPT)).code, 0)
  const [group] = await groups()
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: group.GroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  )
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, 'also allows tcp/80 from 0.0.0.0/0')
  assert.equal(rules((await groups())[0]), ['tcp/80 from 0.0.0.0/0'])
})

aws('a container port open to INGRESS_CIDR (what the kit added before the front door) is revoked; a range over it is warned about, not revoked', async () => {
  await loadBalancerGroup()
  assert.is((await runKit(SCRIPT)).code, 0)
  const [group] = await groups()
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: group.GroupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '203.0.113.7/32' }] },
        { IpProtocol: 'tcp', FromPort: 4000, ToPort: 5000, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ],
    }),
  )
  const r = await runKit(SCRIPT, [], { env: { INGRESS_CIDR: '203.0.113.7/32' } })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /deleted\s+security group ingress tcp\/4567 from 203\.0\.113\.7\/32/)
  assert.match(r.stdout, /warning:\s+tcp\/4000-5000 from 10\.0\.0\.0\/8 reaches container port 4567: not the kit's, left as is/)
  assert.equal(rules((await groups())[0]), ['tcp/4000-5000 from 10.0.0.0/8'])
})

aws('INGRESS_CIDR=bad: exit 2, one line naming INGRESS_CIDR, nothing created', async () => {
  for (const bad of ['bad', '300.1.2.3/32']) {
    const r = await runKit(SCRIPT, [], { env: { INGRESS_CIDR: bad } })
    assert.is(r.code, 2, r.all)
    assert.is(r.stdout, '')
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, 'INGRESS_CIDR')
    assert.is((await groups()).length, 0)
  }
})

aws('--dry-run on an empty account: plans the group and its rules (the load balancer’s group a stand-in), creates nothing', async () => {
  const r = await runKit(SCRIPT, ['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would create\s+security group crud-srv-sg/)
  assert.match(r.stdout, /would create\s+security group ingress tcp\/4567 from cruddur-alb-sg/)
  assert.match(r.stdout, /would create\s+security group ingress tcp\/4567 from crud-srv-sg \(itself\)/)
  assert.match(r.stdout, 'plan: 3 to create')
  assert.is((await groups()).length, 0)
})

aws('--dry-run with a rule missing: plans it, adds nothing', async () => {
  await loadBalancerGroup()
  assert.is((await runKit(SCRIPT)).code, 0)
  const [group] = await groups()
  await ec2.send(
    new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, UserIdGroupPairs: [{ GroupId: group.GroupId }] }] }),
  )
  const r = await runKit(SCRIPT, ['--dry-run', '--json'])
  assert.is(r.code, 0, r.all)
  const report = JSON.parse(r.stdout) as JsonReport
  assert.is(report.dryRun, true)
  assert.equal(report.summary, { created: 1, updated: 0, unchanged: 2, failed: 0 })
  assert.is(groupSources((await groups())[0]).length, 1)
})

aws('no default VPC: a clear error naming `aws ec2 create-default-vpc`, exit 1', async () => {
  const vpcId = await defaultVpc()
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
  for (const s of subnets.Subnets ?? []) await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId }))
  await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))
  const r = await runKit(SCRIPT)
  assert.is(r.code, 1, r.all)
  assert.match(r.all, 'no default VPC')
  assert.match(r.all, 'aws ec2 create-default-vpc')
  assert.is((await groups()).length, 0)
})

aws('--help names the variables and exits 0', async () => {
  const r = await runKit(SCRIPT, ['--help'])
  assert.is(r.code, 0)
  assert.match(r.stdout, 'LOAD_BALANCER_SECURITY_GROUP_NAME')
  assert.match(r.stdout, '--dry-run')
})

aws.run()
