// The front door end to end, as a user runs it: provision brings it up (with and without
// DOMAIN_NAME), status shows the URL, a second provision changes nothing, teardown leaves
// nothing of it. Against moto's real ELBv2, ACM, Route 53 and Cloud Map, through a recording proxy.
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm'
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs'
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53'
import { ListNamespacesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery'
import { openContext } from '../lib/aws/context.js'
import { recordingProxy } from './helpers/aws-proxy.js'
import { runKit } from './helpers/run.js'
import { STACK_ENV } from './helpers/stack.js'

const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext({ ...process.env, AWS_ENDPOINT_URL: motoUrl }, { mode: 'read-only' })
const elb = sdk.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
const ec2 = sdk.client(EC2Client, 'EC2')
const ecs = sdk.client(ECSClient, 'ECS')
const acm = sdk.client(ACMClient, 'ACM')
const route53 = sdk.client(Route53Client, 'ROUTE_53')
const cloudMap = sdk.client(ServiceDiscoveryClient, 'SERVICEDISCOVERY')

// Both declared services: the front door routes /api/* to one and the rest to the other.
const ENV = { ...STACK_ENV, ECS_SERVICES: undefined }
const kit = (script: string, args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runKit(script, args, { env: { ...ENV, AWS_ENDPOINT_URL: proxy.url, ...env } })

async function frontDoor() {
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []
  const groups = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []
  const lb = lbs.find((l) => l.LoadBalancerName === 'cruddur-alb')
  const listeners = lb ? ((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? []) : []
  const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['cruddur-alb-sg'] }] }))).SecurityGroups ?? []
  return { lb, lbs, groups, listeners, sg }
}
const tgName = (groups: Array<{ TargetGroupArn?: string; TargetGroupName?: string }>, arn: string | undefined) => groups.find((g) => g.TargetGroupArn === arn)?.TargetGroupName

const test = suite('the front door end to end: provision, status, a second run, teardown (moto ELBv2, ACM, Route 53, Cloud Map)')
const proxy = recordingProxy(test, motoUrl)

test('without a domain: HTTP on the load balancer, /api/* to the backend, the rest to the frontend; status shows the URL; nothing left after teardown', async () => {
  const first = await kit('provision')
  assert.is(first.code, 0, first.all)
  const { lb, groups, listeners } = await frontDoor()
  assert.ok(lb?.DNSName, 'the load balancer exists')
  assert.is(lb?.Scheme, 'internet-facing')
  assert.equal(listeners.map((l) => [l.Port, l.Protocol]), [[80, 'HTTP']])
  assert.is(tgName(groups, listeners[0].DefaultActions?.[0]?.TargetGroupArn), 'cruddur-frontend-react-js-tg')
  const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: listeners[0].ListenerArn }))).Rules ?? []
  const api = rules.find((r) => r.Conditions?.some((c) => c.Field === 'path-pattern'))
  assert.equal(api?.Conditions?.[0]?.PathPatternConfig?.Values ?? api?.Conditions?.[0]?.Values, ['/api/*'])
  assert.is(tgName(groups, api?.Actions?.[0]?.TargetGroupArn), 'cruddur-backend-flask-tg')

  // The services sit behind their target groups; the backend knows its origins.
  const services = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask', 'frontend-react-js'] }))).services ?? []
  assert.equal(
    services.map((s) => [s.serviceName, tgName(groups, s.loadBalancers?.[0]?.targetGroupArn), s.loadBalancers?.[0]?.containerPort]),
    [['backend-flask', 'cruddur-backend-flask-tg', 4567], ['frontend-react-js', 'cruddur-frontend-react-js-tg', 3000]],
  )
  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'backend-flask' }))).taskDefinition
  const env = Object.fromEntries((td?.containerDefinitions?.[0]?.environment ?? []).map((e) => [e.name, e.value]))
  assert.is(env.FRONTEND_URL, `http://${lb?.DNSName}`)
  assert.is(env.BACKEND_URL, `http://${lb?.DNSName}`)

  const status = await kit('status')
  assert.ok(status.stdout.includes(`http://${lb?.DNSName}`), status.all)

  proxy.reset()
  const second = await kit('provision')
  assert.is(second.code, 0, second.all)
  assert.equal(proxy.mutations(), [], 'a second provision changes nothing')
  assert.match(second.stdout, /^0 created, 0 updated, \d+ unchanged/m)

  const down = await kit('teardown', ['--yes'])
  assert.is(down.code, 0, down.all)
  const after = await frontDoor()
  assert.equal([after.lbs.length, after.groups.length, after.sg.length], [0, 0, 0], down.all)
  const namespaces = (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces ?? []
  assert.equal(namespaces.map((n) => n.Name), [], 'the Service Connect namespace goes too')
})

test('with DOMAIN_NAME and its hosted zone: HTTPS with an issued certificate, api.<domain> to the backend, alias records; teardown keeps the zone', async () => {
  const domain = 'cruddur.example.com'
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: domain, CallerReference: `t-${Date.now()}` }))
  const zoneId = zone.HostedZone?.Id
  const first = await kit('provision', [], { DOMAIN_NAME: domain })
  assert.is(first.code, 0, first.all)
  const { lb, groups, listeners } = await frontDoor()
  assert.equal(listeners.map((l) => [l.Port, l.Protocol]).sort(), [[443, 'HTTPS'], [80, 'HTTP']])
  const http = listeners.find((l) => l.Port === 80)
  assert.is(http?.DefaultActions?.[0]?.Type, 'redirect')
  assert.is(http?.DefaultActions?.[0]?.RedirectConfig?.Port, '443')
  const https = listeners.find((l) => l.Port === 443)
  const certificates = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []
  assert.equal(certificates.map((c) => [c.DomainName, c.Status]), [[domain, 'ISSUED']])
  assert.is(https?.Certificates?.[0]?.CertificateArn, certificates[0].CertificateArn)
  const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: https?.ListenerArn }))).Rules ?? []
  const host = rules.find((r) => r.Conditions?.some((c) => c.Field === 'host-header'))
  assert.is(tgName(groups, host?.Actions?.[0]?.TargetGroupArn), 'cruddur-backend-flask-tg')

  const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? []
  const aliases = records.filter((r) => r.Type === 'A').map((r) => [r.Name, r.AliasTarget?.DNSName?.replace(/\.$/, '').replace(/^dualstack\./, '')])
  assert.equal(aliases.sort(), [[`${domain}.`, lb?.DNSName?.toLowerCase()], [`api.${domain}.`, lb?.DNSName?.toLowerCase()]].sort())

  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'backend-flask' }))).taskDefinition
  const env = Object.fromEntries((td?.containerDefinitions?.[0]?.environment ?? []).map((e) => [e.name, e.value]))
  assert.equal([env.FRONTEND_URL, env.BACKEND_URL], [`https://${domain}`, `https://api.${domain}`])
  const status = await kit('status', [], { DOMAIN_NAME: domain })
  assert.ok(status.stdout.includes(`https://${domain}`) && status.stdout.includes(`https://api.${domain}`), status.all)

  proxy.reset()
  const second = await kit('provision', [], { DOMAIN_NAME: domain })
  assert.is(second.code, 0, second.all)
  assert.equal(proxy.mutations(), [], 'a second provision changes nothing')

  const down = await kit('teardown', ['--yes', '--all'], { DOMAIN_NAME: domain })
  assert.is(down.code, 0, down.all)
  const after = await frontDoor()
  assert.equal([after.lbs.length, after.groups.length, after.sg.length], [0, 0, 0], down.all)
  assert.equal((await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [], [])
  const left = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? []
  assert.equal(left.map((r) => r.Type).sort(), ['NS', 'SOA'], 'only the zone itself remains')
})

test.run()
