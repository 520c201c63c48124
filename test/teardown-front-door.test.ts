import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm'
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { DescribeListenersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { ListHostedZonesCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53'
import { ListNamespacesCommand, ListServicesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery'
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { findLoadBalancer } from '../lib/front-door/lookup.js'
import { DEFAULT_TEARDOWN } from '../lib/teardown/options.js'
import { deleteLoadBalancerSecurityGroupStep } from '../lib/teardown/security-group.js'
import { stepContext } from '../lib/steps/step.js'
import { dnsKey, forwardsTo, isKitAlias, isKitCertificate, ruleMatch, validationCnames } from '../lib/teardown/front-door.js'
import { recordingProxy, withProxy } from './helpers/aws-proxy.js'
import { startScriptedProxy } from './helpers/scripted-proxy.js'
import { buildFrontDoor, foreignRecord, provisionFrontDoor } from './helpers/front-door-fixture.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { STACK_ENV } from './helpers/stack.js'

// ---- pure parts ----
const pure = suite('lib/teardown/front-door (pure)')
const LB = { name: 'cruddur-alb', dnsName: 'cruddur-alb-1.eu-west-2.elb.amazonaws.com' }
const NAMES = ['cruddur.example.com', 'api.cruddur.example.com']
const alias = (name: string, target: string, type: 'A' | 'AAAA' | 'CNAME' = 'A') => ({ Name: name, Type: type, AliasTarget: { DNSName: target, HostedZoneId: 'Z', EvaluateTargetHealth: false } })
pure('isKitAlias: only A/AAAA aliases of the kit’s names to the kit’s load balancer', () => {
  assert.ok(isKitAlias(alias('cruddur.example.com.', 'cruddur-alb-1.eu-west-2.elb.amazonaws.com'), NAMES, LB))
  assert.ok(isKitAlias(alias('API.cruddur.example.com.', 'dualstack.cruddur-alb-1.eu-west-2.elb.amazonaws.com.', 'AAAA'), NAMES, LB), 'case, dualstack. and the trailing dot do not matter')
  assert.not.ok(isKitAlias(alias('www.cruddur.example.com.', LB.dnsName), NAMES, LB), 'a name the kit does not make')
  assert.not.ok(isKitAlias(alias('cruddur.example.com.', 'other-alb-9.eu-west-2.elb.amazonaws.com'), NAMES, LB), 'another load balancer')
  assert.not.ok(isKitAlias({ Name: 'cruddur.example.com.', Type: 'A', ResourceRecords: [{ Value: '192.0.2.1' }] }, NAMES, LB), 'not an alias')
  // The load balancer already gone: a name ELB gives a load balancer called cruddur-alb.
  assert.ok(isKitAlias(alias('cruddur.example.com.', 'cruddur-alb-77.eu-west-2.elb.amazonaws.com.'), NAMES, { name: 'cruddur-alb' }))
  assert.not.ok(isKitAlias(alias('cruddur.example.com.', 'cruddur-alb2-77.eu-west-2.elb.amazonaws.com.'), NAMES, { name: 'cruddur-alb' }))
  assert.not.ok(isKitAlias(alias('cruddur.example.com.', 'd111.cloudfront.net.'), NAMES, { name: 'cruddur-alb' }))
})
pure('isKitCertificate: the domain, covering only the kit’s names', () => {
  assert.ok(isKitCertificate({ DomainName: 'cruddur.example.com', SubjectAlternativeNames: ['api.cruddur.example.com', 'cruddur.example.com'] }, NAMES))
  assert.not.ok(isKitCertificate({ DomainName: 'cruddur.example.com', SubjectAlternativeNames: ['cruddur.example.com', '*.cruddur.example.com'] }, NAMES))
  assert.not.ok(isKitCertificate({ DomainName: 'api.cruddur.example.com', SubjectAlternativeNames: ['api.cruddur.example.com'] }, NAMES))
})
pure('validationCnames, forwardsTo, ruleMatch, dnsKey', () => {
  const records = validationCnames({ DomainValidationOptions: [{ DomainName: 'a', ResourceRecord: { Name: '_x.A.example.com.', Type: 'CNAME', Value: '_y.acm-validations.aws.' } }, { DomainName: 'b' }] })
  assert.equal([...records], [['_x.a.example.com', '_y.acm-validations.aws']])
  assert.equal(forwardsTo({ Type: 'forward', TargetGroupArn: 'tg1', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'tg1' }, { TargetGroupArn: 'tg2' }] } }), ['tg1', 'tg2'])
  assert.equal(forwardsTo({ Type: 'redirect' }), [])
  assert.is(ruleMatch({ IsDefault: false, Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }] }), 'path-pattern /api/*')
  assert.is(ruleMatch({ IsDefault: false, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.x.com'] } }] }), 'host-header api.x.com')
  assert.is(ruleMatch({ IsDefault: true, Conditions: [] }), 'default')
  assert.is(dnsKey('DualStack.Foo.Example.COM.'), 'foo.example.com')
})
pure.run()

// ---- against moto's ELBv2, EC2, ACM, Route 53 and Cloud Map ----
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const elb = sdk.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
const ec2 = sdk.client(EC2Client, 'EC2')
const acm = sdk.client(ACMClient, 'ACM')
const route53 = sdk.client(Route53Client, 'ROUTE_53')
const sd = sdk.client(ServiceDiscoveryClient, 'SERVICEDISCOVERY')
const DOMAIN = 'cruddur.example.com'
const BOTH = { ECS_SERVICES: 'backend-flask,frontend-react-js' }

const teardown = (args: string[], env: Record<string, string | undefined> = {}) => runKit('teardown', args, { env: { ...STACK_ENV, ...BOTH, AWS_ENDPOINT_URL: proxy.url, ...env } })

/** What of the front door and the namespace exists, read back through the SDK (not through the kit). */
async function frontDoor() {
  const lb = await findLoadBalancer(elb, 'cruddur-alb')
  const targetGroups = ((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map((t) => t.TargetGroupName as string).sort()
  const listeners: Record<string, { default: string; rules: string[] }> = {}
  if (lb) {
    for (const l of (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? []) {
      const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []
      const action = l.DefaultActions?.[0]
      listeners[`${l.Protocol}:${l.Port}`] = {
        default: action?.Type === 'forward' ? (action.TargetGroupArn?.split('/')[1] as string) : `${action?.Type} ${action?.FixedResponseConfig?.StatusCode ?? action?.RedirectConfig?.Port ?? ''}`.trim(),
        rules: rules.filter((r) => !r.IsDefault).map((r) => `${ruleMatch(r)} → ${r.Actions?.[0]?.TargetGroupArn?.split('/')[1]}`),
      }
    }
  }
  const group = async (name: string) => ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }))).SecurityGroups ?? []).length
  const namespaces = ((await sd.send(new ListNamespacesCommand({}))).Namespaces ?? []).map((n) => n.Name)
  const cloudMapServices = ((await sd.send(new ListServicesCommand({}))).Services ?? []).map((s) => s.Name)
  const zones = (await route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []
  const records: string[] = []
  for (const zone of zones) {
    for (const r of (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id }))).ResourceRecordSets ?? []) records.push(`${dnsKey(r.Name ?? '')} ${r.Type}`)
  }
  const certificates = ((await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []).map((c) => c.DomainName)
  return {
    loadBalancer: lb ? 'cruddur-alb' : undefined,
    targetGroups,
    listeners,
    loadBalancerGroup: await group('cruddur-alb-sg'),
    servicesGroup: await group('crud-srv-sg'),
    namespaces,
    cloudMapServices,
    zones: zones.map((z) => dnsKey(z.Name ?? '')),
    records: records.sort(),
    certificates,
  }
}

/** What stays of the zone after teardown: the zone's own NS and SOA, and the record that is not the kit's. */
const ZONE_ONLY = [`${DOMAIN} NS`, `${DOMAIN} SOA`, `${dnsKey(foreignRecord(DOMAIN).Name)} A`].sort()
const NOTHING = { loadBalancer: undefined, targetGroups: [], listeners: {}, loadBalancerGroup: 0, servicesGroup: 0, namespaces: [], cloudMapServices: [] }
const index = (actions: string[], action: string) => actions.indexOf(action)
/** The calls that change something. Route 53 is a REST API: the proxy names its calls by method and path, and a GET reads. */
const changes = () => proxy.mutations().filter((c) => !c.action.startsWith('GET '))
const RECORD_CHANGE = /^POST \/2013-04-01\/hostedzone\/[^/]+\/rrset/

const test = suite('teardown removes the front door and the Service Connect namespace (against moto)')
const proxy = recordingProxy(test, motoUrl)

test('without a domain: the listener, its /api/* rule, both target groups, the load balancer, its group and the namespace go, in an order AWS accepts; a second run changes nothing', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH)
  proxy.reset()
  const r = await teardown(['--yes'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would delete\s+listener HTTP:80: of cruddur-alb, with 1 rule \(path-pattern \/api\/\*; default\)/)
  assert.match(r.stdout, /would delete\s+target group cruddur-backend-flask-tg: port 4567, health check \/api\/health-check/)
  assert.match(r.stdout, /would delete\s+target group cruddur-frontend-react-js-tg: port 3000, health check \//)
  assert.match(r.stdout, /would delete\s+load balancer cruddur-alb: cruddur-alb-\S+\.elb\.amazonaws\.com, internet-facing/)
  assert.match(r.stdout, /would delete\s+security group cruddur-alb-sg: sg-/)
  assert.match(r.stdout, /would delete\s+cloud map service backend-flask: in namespace cruddur, 1 instance deregistered/)
  assert.match(r.stdout, /would delete\s+cloud map namespace cruddur: ns-\S+, HTTP \(Service Connect\)/)
  assert.match(r.stdout, /deleted\s+load balancer cruddur-alb: .*gone after [\d.]+s/)
  assert.match(r.stdout, /route53\/delete-records\s+nothing to do/, 'no domain: no record')
  assert.not.match(r.stdout, /acm\/delete-certificate/, 'no --all: no certificate step')
  assert.equal(await frontDoor(), { ...NOTHING, zones: [], records: [], certificates: [] })

  // What refers to a resource goes before it: ECS services before their target groups, listeners
  // before target groups and the load balancer, the cluster before its namespace, the namespace's
  // Cloud Map services before it.
  const calls = changes()
  const actions = calls.map((c) => `${c.service === 'servicediscovery' ? 'cloudmap:' : ''}${c.action}`)
  assert.ok(index(actions, 'DeleteService') < index(actions, 'DeleteTargetGroup'), actions.join(' '))
  assert.ok(index(actions, 'DeleteListener') < index(actions, 'DeleteTargetGroup'), actions.join(' '))
  assert.ok(index(actions, 'DeleteListener') < index(actions, 'DeleteLoadBalancer'), actions.join(' '))
  assert.ok(index(actions, 'DeleteLoadBalancer') < actions.lastIndexOf('DeleteSecurityGroup'), actions.join(' '))
  assert.ok(index(actions, 'DeleteCluster') < index(actions, 'cloudmap:DeleteNamespace'), actions.join(' '))
  assert.ok(index(actions, 'cloudmap:DeregisterInstance') < index(actions, 'cloudmap:DeleteService'), actions.join(' '))
  assert.ok(index(actions, 'cloudmap:DeleteService') < index(actions, 'cloudmap:DeleteNamespace'), actions.join(' '))
  assert.is(actions.filter((a) => a === 'DeleteSecurityGroup').length, 2, 'the services’ group and the load balancer’s')

  proxy.reset()
  const again = await teardown(['--yes'])
  assert.is(again.code, 0, again.all)
  assert.equal(changes(), [])
  assert.match(again.stdout, /unchanged\s+load balancer cruddur-alb: already gone/)
  assert.match(again.stdout, /unchanged\s+cloud map namespace cruddur: already gone/)
})

test('with DOMAIN_NAME: the alias records go, never the hosted zone nor another record; the certificate and its validation records stay (data) until --all', async () => {
  const built = await provisionFrontDoor(sdk, motoUrl, BOTH, { domain: DOMAIN })
  const validation = (built.validationRecords ?? []).map((v) => `${dnsKey(v.Name)} CNAME`)
  assert.ok(validation.length > 0, 'the fixture wrote validation records')
  proxy.reset()
  const r = await teardown(['--yes'], { DOMAIN_NAME: DOMAIN })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would delete\s+dns record cruddur\.example\.com A: alias to cruddur-alb-\S+ in zone /)
  assert.match(r.stdout, /would delete\s+dns record api\.cruddur\.example\.com A: alias to cruddur-alb-/)
  assert.match(r.stdout, /would delete\s+listener HTTP:80: of cruddur-alb, with 0 rules \(default\)/)
  assert.match(r.stdout, /would delete\s+listener HTTPS:443: of cruddur-alb, with 2 rules \(host-header api\.cruddur\.example\.com; path-pattern \/api\/\*; default\)/)
  assert.match(r.stdout, /Left in place:[\s\S]*acm certificate cruddur\.example\.com[^\n]*data, kept: \.\/scripts\/teardown --all deletes it/)
  assert.match(r.stdout, /dns record _\S+\.cruddur\.example\.com CNAME[^\n]*data, kept/)
  let after = await frontDoor()
  assert.equal({ ...after, zones: undefined, records: undefined, certificates: undefined }, { ...NOTHING, zones: undefined, records: undefined, certificates: undefined })
  assert.equal(after.zones, [DOMAIN])
  assert.equal(after.records, [...ZONE_ONLY, ...validation].sort())
  assert.equal(after.certificates, [DOMAIN])
  const actions = changes().map((c) => c.action)
  const recordChange = actions.findIndex((a) => RECORD_CHANGE.test(a))
  assert.ok(recordChange >= 0 && recordChange < index(actions, 'DeleteLoadBalancer'), `the records pointing at the load balancer go before it: ${actions.join(' ')}`)
  assert.not.ok(actions.some((a) => a.startsWith('DELETE ')), 'no hosted zone deleted')
  assert.not.ok(actions.includes('DeleteCertificate'))

  const all = await teardown(['--all', '--yes'], { DOMAIN_NAME: DOMAIN })
  assert.is(all.code, 0, all.all)
  assert.match(all.stdout, /deleted\s+acm certificate cruddur\.example\.com: \S+, \w+, for /)
  assert.match(all.stdout, /deleted\s+dns record _\S+\.cruddur\.example\.com CNAME: the certificate's DNS validation/)
  after = await frontDoor()
  assert.equal(after.certificates, [])
  assert.equal(after.zones, [DOMAIN], 'the hosted zone is the user’s')
  assert.equal(after.records, ZONE_ONLY)
})

test('--all from the start: the certificate goes after the listener that holds it', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH, { domain: DOMAIN })
  proxy.reset()
  const r = await teardown(['--all', '--yes'], { DOMAIN_NAME: DOMAIN })
  assert.is(r.code, 0, r.all)
  const actions = changes().map((c) => c.action)
  assert.ok(actions.lastIndexOf('DeleteListener') < index(actions, 'DeleteCertificate'), actions.join(' '))
  const after = await frontDoor()
  assert.equal(after, { ...NOTHING, zones: [DOMAIN], records: ZONE_ONLY, certificates: [] })
})

test('--dry-run plans the front door and the namespace, and changes nothing', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH, { domain: DOMAIN })
  const before = await frontDoor()
  proxy.reset()
  const r = await teardown(['--all', '--dry-run'], { DOMAIN_NAME: DOMAIN })
  assert.is(r.code, 0, r.all)
  assert.equal(changes(), [])
  for (const line of [
    /would delete\s+listener HTTPS:443/,
    /would delete\s+target group cruddur-backend-flask-tg/,
    /would delete\s+load balancer cruddur-alb/,
    /would delete\s+security group cruddur-alb-sg/,
    /would delete\s+dns record api\.cruddur\.example\.com A/,
    /would delete\s+acm certificate cruddur\.example\.com/,
    /would delete\s+dns record _\S+ CNAME: the certificate's DNS validation/,
    /would delete\s+cloud map namespace cruddur/,
  ]) {
    assert.match(r.stdout, line)
  }
  assert.not.match(r.stdout, /mail\.cruddur\.example\.com/)
  assert.equal(await frontDoor(), before)
})

test('a teardown of backend-flask deletes its target group and its /api/* rule, and keeps the load balancer, its listener and group while frontend-react-js exists', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH)
  proxy.reset()
  const r = await teardown(['--yes'], { ECS_SERVICES: 'backend-flask' })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /deleted\s+listener rule HTTP:80 path-pattern \/api\/\*: forwarding to cruddur-backend-flask-tg/)
  assert.match(r.stdout, /deleted\s+target group cruddur-backend-flask-tg/)
  for (const shared of ['load balancer cruddur-alb', 'listener HTTP:80', 'security group cruddur-alb-sg', 'cloud map namespace cruddur']) {
    assert.match(r.stdout, new RegExp(`unchanged\\s+${shared.replace(/[/.*]/g, '\\$&')}: kept: shared with frontend-react-js \\(ACTIVE\\), not in ECS_SERVICES`), shared)
  }
  const after = await frontDoor()
  assert.is(after.loadBalancer, 'cruddur-alb')
  assert.equal(after.targetGroups, ['cruddur-frontend-react-js-tg'])
  assert.equal(after.listeners, { 'HTTP:80': { default: 'cruddur-frontend-react-js-tg', rules: [] } })
  assert.is(after.loadBalancerGroup, 1)
  assert.equal(after.namespaces, ['cruddur'])
  assert.not.ok(changes().some((c) => /^(DeleteLoadBalancer|DeleteListener|DeleteSecurityGroup|DeleteNamespace)$/.test(c.action)), JSON.stringify(changes()))
})

test('a teardown of frontend-react-js, the default route: the listener answers 503 instead, its target group goes, the backend’s rule stays', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH, { domain: DOMAIN })
  const r = await teardown(['--yes'], { ECS_SERVICES: 'frontend-react-js', DOMAIN_NAME: DOMAIN })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /deleted\s+listener default route HTTPS:443: forwarding to cruddur-frontend-react-js-tg; the listener answers 503 instead/)
  assert.match(r.stdout, /unchanged\s+dns record api\.cruddur\.example\.com A: kept: shared with backend-flask \(ACTIVE\)/)
  const after = await frontDoor()
  assert.equal(after.targetGroups, ['cruddur-backend-flask-tg'])
  assert.equal(after.listeners, {
    'HTTP:80': { default: 'redirect 443', rules: [] },
    'HTTPS:443': { default: 'fixed-response 503', rules: ['host-header api.cruddur.example.com → cruddur-backend-flask-tg', 'path-pattern /api/* → cruddur-backend-flask-tg'] },
  })
  assert.ok(after.records.includes(`api.${DOMAIN} A`) && after.records.includes(`${DOMAIN} A`), 'the alias records stay with the load balancer')
})

test('the load balancer\'s group while the services\' group stays (a service the front door does not route to): the rules naming it are revoked first, then it goes', async () => {
  const built = await buildFrontDoor(sdk)
  const run = await openContext({ ...process.env, ...STACK_ENV }, { mode: 'apply' })
  const step = deleteLoadBalancerSecurityGroupStep(DEFAULT_TEARDOWN)
  const plan = await step.run({ ...(await stepContext(run)), mode: 'dry-run', dryRun: true })
  assert.equal(plan.map((c) => `${c.resource} ${c.name}`).sort(), ['security group cruddur-alb-sg', 'security group rule crud-srv-sg tcp 3000', 'security group rule crud-srv-sg tcp 4567'])
  const fromAlb = async () =>
    ((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [built.servicesGroupId] }))).SecurityGroups?.[0]?.IpPermissions ?? []).filter((p) => p.UserIdGroupPairs?.some((u) => u.GroupId === built.loadBalancerGroupId)).length
  assert.is(await fromAlb(), 2, 'the plan changed nothing')
  const done = await step.run(await stepContext(run))
  assert.equal(done, plan)
  assert.is(await fromAlb(), 0)
  assert.is((await frontDoor()).loadBalancerGroup, 0)
  assert.is((await frontDoor()).servicesGroup, 1, 'the services\' group stays')
})

test('a namespace another cluster uses for Service Connect stays, and the plan says so', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH)
  await sdk.client(ECSClient, 'ECS').send(new CreateClusterCommand({ clusterName: 'another-team', serviceConnectDefaults: { namespace: 'cruddur' } }))
  const r = await teardown(['--yes'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /unchanged\s+cloud map namespace cruddur: kept: ECS cluster another-team also uses it for Service Connect/)
  assert.equal((await frontDoor()).namespaces, ['cruddur'])
  assert.equal((await frontDoor()).cloudMapServices, ['backend-flask'], 'nor are its Cloud Map services touched')
})

test('a namespace given as an ARN (SERVICE_CONNECT_NAMESPACE) is the user’s: kept, and said so', async () => {
  const built = await provisionFrontDoor(sdk, motoUrl, BOTH)
  const arn = ((await sd.send(new ListNamespacesCommand({}))).Namespaces ?? []).find((n) => n.Id === built.namespaceId)?.Arn as string
  const r = await teardown(['--yes'], { SERVICE_CONNECT_NAMESPACE: arn })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /unchanged\s+cloud map namespace arn:\S+: kept: SERVICE_CONNECT_NAMESPACE gives it as an ARN, so it was made before the kit/)
  const after = await frontDoor()
  assert.equal(after.namespaces, ['cruddur'])
  assert.is(after.loadBalancer, undefined)
})

test.run()

// ---- what moto finishes at once: a Cloud Map operation, a certificate a listener held (scripted) ----
// moto's DeleteNamespace operation is SUCCESS at the first read, and ACM deletes a certificate a
// listener has just let go of. AWS takes its time: these answers are scripted in front of moto.
const waits = suite('teardown waits for Cloud Map and ACM within its bound (scripted Cloud Map and ACM answers)')
waits.before.each(() => resetMoto(motoUrl))

/** GetOperation of DELETE_NAMESPACE reports `status` (with AWS's error fields when FAIL) for the first `reads` reads. */
const namespaceOperation = (status: 'PENDING' | 'FAIL', reads: number) => {
  let left = reads
  return startScriptedProxy(motoUrl, (call) =>
    call.action !== 'GetOperation'
      ? undefined
      : {
          edit: (up) => {
            const op = (up as { Operation?: Record<string, unknown> }).Operation
            if (op?.Type !== 'DELETE_NAMESPACE' || left <= 0) return up
            left -= 1
            return { Operation: { ...op, Status: status, ...(status === 'FAIL' ? { ErrorCode: 'RESOURCE_IN_USE', ErrorMessage: 'The namespace has associated services' } : {}) } }
          },
        },
  )
}

waits('DeleteNamespace: the operation is polled until SUCCESS; a FAIL is an error quoting Cloud Map (exit 1)', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH)
  await withProxy(namespaceOperation('PENDING', 3), async (pending) => {
    const r = await runKit('teardown', ['--yes', '--poll', '0.2'], { env: { ...STACK_ENV, ...BOTH, AWS_ENDPOINT_URL: pending.url } })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, /deleted\s+cloud map namespace cruddur/)
    assert.is(pending.answered.filter((a) => a === 'GetOperation').length, 5, 'one read of the instance\'s deregistration; three PENDING reads of the namespace\'s, then SUCCESS')
  })
  await resetMoto(motoUrl)
  await provisionFrontDoor(sdk, motoUrl, BOTH)
  await withProxy(namespaceOperation('FAIL', 1), async (failing) => {
    const r = await runKit('teardown', ['--yes', '--poll', '0.2'], { env: { ...STACK_ENV, ...BOTH, AWS_ENDPOINT_URL: failing.url } })
    assert.is(r.code, 1, r.all)
    assert.match(r.stdout, /✗ servicediscovery\/delete-namespace\s+Cloud Map could not delete namespace cruddur: RESOURCE_IN_USE The namespace has associated services/)
  })
})

waits('DeleteCertificate refused while ACM still counts the deleted listener (ResourceInUseException): retried until it goes', async () => {
  await provisionFrontDoor(sdk, motoUrl, BOTH, { domain: DOMAIN })
  let refusals = 2
  const acmBusy = await startScriptedProxy(motoUrl, (call) => {
    if (call.action !== 'DeleteCertificate' || refusals <= 0) return undefined
    refusals -= 1
    const arn = (call.body as { CertificateArn?: string }).CertificateArn
    return { status: 400, json: { __type: 'ResourceInUseException', message: `Certificate ${arn} in use.` } }
  })
  await withProxy(acmBusy, async () => {
    const r = await runKit('teardown', ['--all', '--yes', '--poll', '0.2'], { env: { ...STACK_ENV, ...BOTH, DOMAIN_NAME: DOMAIN, AWS_ENDPOINT_URL: acmBusy.url } })
    assert.is(r.code, 0, r.all)
    assert.is(acmBusy.seen.filter((a) => a === 'DeleteCertificate').length, 3)
    assert.match(r.stdout, /deleted\s+acm certificate cruddur\.example\.com/)
  })
  assert.equal((await frontDoor()).certificates, [])
})

waits.run()
