// The front door's listeners and its optional domain (acm/request-certificate,
// elbv2/create-listeners, route53/create-records) against moto's real ELBv2, ACM and Route 53,
// through a recording proxy. The load balancer and target groups are made here with the SDK,
// as their own steps would make them.
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm'
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  type Listener,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53'
import { openContext } from '../lib/aws/context.js'
import { targetGroupName } from '../lib/config/names.js'
import { elbv2 } from '../lib/front-door/lookup.js'
import { isMutation, recordingProxy, type Call } from './helpers/aws-proxy.js'
import { runKit } from './helpers/run.js'

const DOMAIN = 'cruddur.example.com'
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext({ ...process.env, AWS_ENDPOINT_URL: motoUrl }, { mode: 'read-only' })
const ec2 = sdk.client(EC2Client, 'EC2')
const elb = elbv2(sdk)
const acm = sdk.client(ACMClient, 'ACM')
const dns = sdk.client(Route53Client, 'ROUTE_53')

const mutating = (calls: readonly Call[]): string[] => calls.filter(isMutation).map((c) => `${c.service} ${c.action}`)

const run = (script: string, args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runKit(script, args, { env: { AWS_ENDPOINT_URL: proxy.url, DOMAIN_NAME: undefined, ...env } })

/** The load balancer and both target groups, as the front door's network steps make them. */
async function makeLoadBalancer(): Promise<{ lb: string; backend: string; frontend: string }> {
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets ?? []
  const created = await elb.send(
    new CreateLoadBalancerCommand({ Name: 'cruddur-alb', Type: 'application', Scheme: 'internet-facing', Subnets: subnets.slice(0, 2).map((s) => s.SubnetId as string) }),
  )
  const vpcId = subnets[0].VpcId
  const group = async (service: string, port: number) =>
    (await elb.send(new CreateTargetGroupCommand({ Name: targetGroupName(service), Protocol: 'HTTP', Port: port, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups?.[0]
      ?.TargetGroupArn as string
  return { lb: created.LoadBalancers?.[0]?.LoadBalancerArn as string, backend: await group('backend-flask', 4567), frontend: await group('frontend-react-js', 3000) }
}

async function listeners(lb: string): Promise<Array<{ listener: Listener; rules: Rule[] }>> {
  const found = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb }))).Listeners ?? []
  const out = []
  for (const listener of found.sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0))) {
    const rules = ((await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? []).filter((r) => !r.IsDefault)
    out.push({ listener, rules })
  }
  return out
}

const ruleSummary = (r: Rule) => [
  r.Priority,
  (r.Conditions ?? []).map((c) => `${c.Field} ${[...(c.HostHeaderConfig?.Values ?? c.PathPatternConfig?.Values ?? c.Values ?? [])].join(',')}`).join(' & '),
  r.Actions?.[0]?.TargetGroupArn,
]

async function makeZone(): Promise<string> {
  const zone = await dns.send(new CreateHostedZoneCommand({ Name: DOMAIN, CallerReference: `test-${Date.now()}` }))
  return (zone.HostedZone?.Id as string).replace('/hostedzone/', '')
}

const records = async (zoneId: string): Promise<ResourceRecordSet[]> => (await dns.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? []

const test = suite('front door listeners and domain (moto ELBv2, ACM, Route 53, through a recording proxy)')
const proxy = recordingProxy(test, motoUrl)

test('without a domain: HTTP:80 forwards /api/* to the backend and the rest to the frontend; a second run changes nothing', async () => {
  const { lb, backend, frontend } = await makeLoadBalancer()
  const certificate = await run('acm/request-certificate')
  assert.is(certificate.code, 0, certificate.all)
  assert.match(certificate.stdout, /acm\/request-certificate\s+nothing to do/)
  assert.equal(proxy.calls.filter((c) => c.service === 'acm' || c.service === 'route53'), [], 'no ACM or Route 53 call without a domain')

  // Someone's listener on a port the kit does not use: left alone, mentioned.
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: 'HTTP', Port: 8080, DefaultActions: [{ Type: 'forward', TargetGroupArn: frontend }] }))
  const r = await run('elbv2/create-listeners')
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /unchanged\s+load balancer cruddur-alb: also has listener HTTP:8080 \(not the kit's: left as is\)/)
  assert.match(r.stdout, /created\s+listener HTTP:80: forwards to frontend-react-js/)
  assert.match(r.stdout, /created\s+listener rule HTTP:80 path \/api\/\*: priority 1, forwards to backend-flask/)
  const [http, ...others] = await listeners(lb)
  assert.equal(others.map((o) => o.listener.Port), [8080])
  assert.is(http.listener.Protocol, 'HTTP')
  assert.is(http.listener.DefaultActions?.[0]?.TargetGroupArn, frontend)
  assert.equal(http.rules.map(ruleSummary), [['1', 'path-pattern /api/*', backend]])

  proxy.reset()
  const again = await run('elbv2/create-listeners')
  assert.is(again.code, 0, again.all)
  assert.equal(mutating(proxy.calls), [])
  assert.match(again.stdout, /0 created, 0 updated, 3 unchanged/)

  // A run of the backend alone leaves the frontend's default in place.
  proxy.reset()
  const backendOnly = await run('elbv2/create-listeners', [], { ECS_SERVICES: 'backend-flask' })
  assert.is(backendOnly.code, 0, backendOnly.all)
  assert.equal(mutating(proxy.calls), [])
  assert.is((await listeners(lb))[0].listener.DefaultActions?.[0]?.TargetGroupArn, frontend)
})

test('with DOMAIN_NAME: certificate ISSUED for both names, validation records, 80→443, TLS 1.2+ policy, host rule, alias records; a second run changes nothing', async () => {
  const { lb, backend, frontend } = await makeLoadBalancer()
  const zoneId = await makeZone()
  const env = { DOMAIN_NAME: DOMAIN }

  const cert = await run('acm/request-certificate', [], env)
  assert.is(cert.code, 0, cert.all)
  assert.match(cert.stdout, /created\s+certificate cruddur\.example\.com: covering cruddur\.example\.com, api\.cruddur\.example\.com/)
  // moto issues after 3 s: at least one progress line on stderr while ACM validates.
  assert.match(cert.stderr, /waiting for ACM to validate the certificate for cruddur\.example\.com \(PENDING_VALIDATION, \d+ s of 600 s\)/)
  const [summary] = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []
  const detail = (await acm.send(new DescribeCertificateCommand({ CertificateArn: summary.CertificateArn }))).Certificate
  assert.is(detail?.Status, 'ISSUED')
  assert.equal([...(detail?.SubjectAlternativeNames ?? [])].sort(), ['api.cruddur.example.com', 'cruddur.example.com'])
  const validation = (detail?.DomainValidationOptions ?? []).map((o) => o.ResourceRecord?.Name?.toLowerCase().replace(/\.$/, ''))
  const cnames = (await records(zoneId)).filter((r) => r.Type === 'CNAME').map((r) => r.Name?.toLowerCase().replace(/\.$/, ''))
  for (const name of new Set(validation)) assert.ok(cnames.includes(name), `validation record ${name} in the zone (${cnames.join(', ')})`)

  const l = await run('elbv2/create-listeners', [], env)
  assert.is(l.code, 0, l.all)
  const [http, https] = await listeners(lb)
  assert.is(http.listener.Port, 80)
  assert.equal(http.listener.DefaultActions?.[0]?.RedirectConfig, { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' })
  assert.equal(http.rules, [])
  assert.is(https.listener.Protocol, 'HTTPS')
  assert.is(https.listener.Certificates?.[0]?.CertificateArn, summary.CertificateArn)
  assert.is(https.listener.SslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06')
  assert.is(https.listener.DefaultActions?.[0]?.TargetGroupArn, frontend)
  assert.equal(https.rules.map(ruleSummary), [
    ['1', 'host-header api.cruddur.example.com', backend],
    ['2', 'path-pattern /api/*', backend],
  ])

  const d = await run('route53/create-records', [], env)
  assert.is(d.code, 0, d.all)
  const aliases = (await records(zoneId)).filter((r) => r.Type === 'A')
  assert.equal(aliases.map((r) => r.Name).sort(), ['api.cruddur.example.com.', 'cruddur.example.com.'])
  const lbDns = await sdkLoadBalancer()
  for (const a of aliases) {
    assert.is(a.AliasTarget?.DNSName?.replace(/\.$/, '').toLowerCase(), lbDns.DNSName?.toLowerCase())
    assert.is(a.AliasTarget?.HostedZoneId, lbDns.CanonicalHostedZoneId)
    assert.is(a.AliasTarget?.EvaluateTargetHealth, false)
  }

  proxy.reset()
  for (const script of ['acm/request-certificate', 'elbv2/create-listeners', 'route53/create-records']) {
    const again = await run(script, [], env)
    assert.is(again.code, 0, again.all)
    assert.match(again.stdout, /0 created, 0 updated, \d+ unchanged/, script)
  }
  assert.equal(mutating(proxy.calls), [])

  // ACM renews only while the validation records are in DNS: a deleted one is written back.
  const validationRecord = (await records(zoneId)).find((r) => r.Type === 'CNAME') as ResourceRecordSet
  await dns.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: validationRecord }] } }))
  const rewritten = await run('acm/request-certificate', [], env)
  assert.is(rewritten.code, 0, rewritten.all)
  assert.match(rewritten.stdout, /created\s+DNS validation record _\w+\.(api\.)?cruddur\.example\.com CNAME/)
  assert.ok((await records(zoneId)).some((r) => r.Name === validationRecord.Name && r.Type === 'CNAME'))
})

async function sdkLoadBalancer() {
  return ((await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers ?? [])[0]
}

test('switching from no domain to a domain removes the stale HTTP:80 path rule and makes 80 a redirect', async () => {
  const { lb } = await makeLoadBalancer()
  await makeZone()
  assert.is((await run('elbv2/create-listeners')).code, 0)
  assert.is((await listeners(lb))[0].rules.length, 1)

  const env = { DOMAIN_NAME: DOMAIN }
  assert.is((await run('acm/request-certificate', [], env)).code, 0)
  const r = await run('elbv2/create-listeners', [], env)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+listener HTTP:80: redirects to HTTPS:443/)
  assert.match(r.stdout, /deleted\s+listener rule HTTP:80 #1 path-pattern \/api\/\*/)
  assert.match(r.stdout, /created\s+listener HTTPS:443/)
  const [http, https] = await listeners(lb)
  assert.equal(http.rules, [])
  assert.is(http.listener.DefaultActions?.[0]?.Type, 'redirect')
  assert.is(https.rules.length, 2)

  // And back: without the domain, 443 (a port of the kit's) goes, 80 forwards again.
  const back = await run('elbv2/create-listeners')
  assert.is(back.code, 0, back.all)
  assert.match(back.stdout, /deleted\s+listener HTTPS:443: no longer wanted \(with its 2 rules\)/)
  const after = await listeners(lb)
  assert.equal(after.map((x) => x.listener.Port), [80])
  assert.is(after[0].rules.length, 1)
})

test('DOMAIN_NAME without its hosted zone: one line saying how to make it, exit 1, nothing created', async () => {
  await makeLoadBalancer()
  proxy.reset()
  for (const script of ['acm/request-certificate', 'route53/create-records']) {
    const r = await run(script, [], { DOMAIN_NAME: DOMAIN })
    assert.is(r.code, 1, r.all)
    const lines = r.all.split('\n').filter((line) => line.includes('hosted zone'))
    assert.is(lines.length, 1, r.all)
    assert.match(lines[0], 'no public hosted zone for cruddur.example.com in Route 53: make it with `aws route53 create-hosted-zone --name cruddur.example.com --caller-reference <unique>`')
    assert.not.match(r.all, /\n\s+at /, 'no stack trace')
  }
  assert.equal(mutating(proxy.calls), [])
  assert.equal((await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [], [])
})

test('--dry-run plans the certificate, listeners and records and changes nothing', async () => {
  const { lb } = await makeLoadBalancer()
  const zoneId = await makeZone()
  proxy.reset()
  const env = { DOMAIN_NAME: DOMAIN }
  const cert = await run('acm/request-certificate', ['--dry-run'], env)
  assert.is(cert.code, 0, cert.all)
  assert.match(cert.stdout, /would create\s+certificate cruddur\.example\.com/)
  assert.not.match(cert.stderr, /waiting for ACM/)
  const l = await run('elbv2/create-listeners', ['--dry-run'], env)
  assert.is(l.code, 0, l.all)
  assert.match(l.stdout, /would create\s+listener HTTPS:443: forwards to frontend-react-js; certificate \(new certificate for cruddur\.example\.com\); SSL policy ELBSecurityPolicy-TLS13-1-2-2021-06/)
  assert.match(l.stdout, /would create\s+listener rule HTTPS:443 host api\.cruddur\.example\.com: priority 1, forwards to backend-flask/)
  const d = await run('route53/create-records', ['--dry-run'], env)
  assert.is(d.code, 0, d.all)
  assert.match(d.stdout, /would create\s+DNS alias record api\.cruddur\.example\.com A/)
  assert.equal(mutating(proxy.calls), [])
  assert.equal(await listeners(lb), [])
  assert.equal((await records(zoneId)).filter((r) => r.Type === 'A' || r.Type === 'CNAME'), [])
})

test('provision with DOMAIN_NAME runs the certificate before the listeners, then the records; a second provision changes none of them', async () => {
  const { lb } = await makeLoadBalancer()
  const zoneId = await makeZone()
  const env = {
    DOMAIN_NAME: DOMAIN,
    AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool',
    AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id',
    PROD_CONNECTION_URL: 'postgresql://cruddur:pw@db.example.invalid:5432/cruddur',
    ROLLBAR_ACCESS_TOKEN: 'rollbar',
    HONEYCOMB_API_KEY: 'honeycomb',
  }
  const first = await run('provision', [], env)
  const order = ['acm/request-certificate', 'elbv2/create-listeners', 'route53/create-records'].map((id) => first.stdout.search(new RegExp(`[✓✗-] ${id}`)))
  assert.ok(order.every((i) => i >= 0), first.all)
  assert.ok(order[0] < order[1], 'the certificate before the listeners')
  assert.match(first.stdout, /✓ elbv2\/create-listeners\s+4 created  /)
  const [, https] = await listeners(lb)
  assert.is(https?.listener.Protocol, 'HTTPS')
  assert.equal((await records(zoneId)).filter((r) => r.Type === 'A').length, 2)

  proxy.reset()
  const second = await run('provision', [], env)
  for (const id of ['acm/request-certificate', 'elbv2/create-listeners', 'route53/create-records']) {
    assert.match(second.stdout, new RegExp(`✓ ${id.replace('/', '\\/')}\\s+\\d+ unchanged`), `${id}: ${second.all}`)
  }
  const front = mutating(proxy.calls).filter((c) => /^(acm|route53|elasticloadbalancing) /.test(c))
  assert.equal(front, [])
})

test('no load balancer yet: the listeners say which step to run first; --dry-run plans on stand-ins', async () => {
  const r = await run('elbv2/create-listeners')
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, /load balancer cruddur-alb not found: run \.\/scripts\/elbv2\/create-load-balancer first/)
  const plan = await run('elbv2/create-listeners', ['--dry-run'])
  assert.is(plan.code, 0, plan.all)
  assert.match(plan.stdout, /would create\s+listener rule HTTP:80 path \/api\/\*: priority 1, forwards to backend-flask/)
  const noZone = await run('route53/create-records', ['--dry-run'], { DOMAIN_NAME: DOMAIN })
  assert.is(noZone.code, 1, 'no zone: even the plan says so')
  await makeZone()
  const planned = await run('route53/create-records', ['--dry-run'], { DOMAIN_NAME: DOMAIN })
  assert.is(planned.code, 0, planned.all)
  assert.match(planned.stdout, /would create\s+DNS alias record cruddur\.example\.com A: to the new load balancer cruddur-alb/)
  assert.equal(mutating(proxy.calls), [])
})

test('a bad CERTIFICATE_WAIT_SECONDS is refused before any call (exit 2)', async () => {
  const r = await run('acm/request-certificate', [], { DOMAIN_NAME: DOMAIN, CERTIFICATE_WAIT_SECONDS: 'ten' })
  assert.is(r.code, 2, r.all)
  assert.match(r.all, /CERTIFICATE_WAIT_SECONDS must be a number of seconds between 0 and 3600, got "ten"/)
  assert.equal(proxy.calls, [])
})

test('the wait for ISSUED times out in one line saying what ACM waits for; re-running resumes with the same certificate', async () => {
  await makeZone()
  // moto issues 3 s after the request: a 1 s bound times out.
  const r = await run('acm/request-certificate', [], { DOMAIN_NAME: DOMAIN, CERTIFICATE_WAIT_SECONDS: '1' })
  assert.is(r.code, 1, r.all)
  assert.match(
    r.stdout,
    /certificate for cruddur\.example\.com still PENDING_VALIDATION after 1 s: ACM is waiting to find the validation records of .*cruddur\.example\.com \(CNAME _.*\) in public DNS .*re-run to resume waiting/,
  )
  await new Promise((resolve) => setTimeout(resolve, 3000))
  proxy.reset()
  const again = await run('acm/request-certificate', [], { DOMAIN_NAME: DOMAIN })
  assert.is(again.code, 0, again.all)
  assert.match(again.stdout, /unchanged\s+certificate cruddur\.example\.com: arn:aws:acm:.* \((ISSUED|PENDING_VALIDATION)\)/)
  assert.equal(mutating(proxy.calls), [], 'no second request, the records already there')
  assert.is(((await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []).length, 1)
})

test('--help of each new script names what it does and its variables', async () => {
  const table: Array<[string, RegExp[]]> = [
    ['acm/request-certificate', [/DOMAIN_NAME/, /CERTIFICATE_WAIT_SECONDS/, /--dry-run/, /re-running resumes/]],
    ['elbv2/create-listeners', [/LOAD_BALANCER_NAME/, /DOMAIN_NAME/, /HTTPS:443/, /--json/]],
    ['route53/create-records', [/DOMAIN_NAME/, /alias A records/, /never created or deleted/]],
  ]
  for (const [script, patterns] of table) {
    const r = await runKit(script, ['--help'])
    assert.is(r.code, 0, r.all)
    for (const p of patterns) assert.match(r.stdout, p, `${script}: ${p}`)
  }
})

test.run()
