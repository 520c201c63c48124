import './helpers/guard.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../lib/config/paths.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { evaluate, globMatch, parseAccepted, parseFailOn } from '../lib/audit/engine.js'
import { formatHuman, toSarif } from '../lib/audit/format.js'
import { localSnapshot, parameterNameOf, plannedLoadBalancer } from '../lib/audit/local.js'
import { declaredServices } from '../lib/config/services.js'
import { routedServices } from '../lib/front-door/routes.js'
import { existsSync } from 'node:fs'
import { actionMatches, RULES, ruleById, secretLooking, type Finding } from '../lib/audit/rules.js'
import { tlsPolicyVerdict } from '../lib/audit/front-door-rules.js'
import { parseImage, type Snapshot } from '../lib/audit/snapshot.js'
import { rollbackGuard, type RollbackSettings } from '../lib/deploy/deploy.js'

const ACCOUNT = '123456789012'
const REGISTRY = `${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com`
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`
const TAGS = [{ key: 'project', value: 'cruddur' }]

/** A stack where every rule holds. Each case below breaks exactly one thing in a copy. */
function good(): Snapshot {
  const td = {
    family: 'app',
    file: 'task-definitions/app.json',
    networkMode: 'awsvpc',
    executionRoleArn: role('Exec'),
    taskRoleArn: role('Task'),
    requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [
      {
        name: 'app',
        image: `${REGISTRY}/app:v1`,
        user: '1000:1000',
        readonlyRootFilesystem: true,
        environment: [
          { name: 'PORT', value: '4567' },
          { name: 'AWS_COGNITO_USER_POOL_CLIENT_ID', value: '5a1b2c3d4e' },
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'https://api.honeycomb.io' },
        ],
        secrets: [{ name: 'CONNECTION_URL', valueFrom: `arn:aws:ssm:eu-west-2:${ACCOUNT}:parameter/cruddur/app/CONNECTION_URL` }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/cruddur/fargate-cluster' } },
        portMappings: [{ containerPort: 4567, protocol: 'tcp' }],
      },
    ],
    tags: TAGS,
  }
  return {
    mode: 'live',
    region: 'eu-west-2',
    account: ACCOUNT,
    registry: REGISTRY,
    cluster: { name: 'cruddur', exists: true, containerInsights: 'enabled', tags: TAGS },
    services: [
      {
        name: 'app',
        file: 'json/service-app.json',
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        enableExecuteCommand: true,
        assignPublicIp: 'DISABLED',
        circuitBreaker: { enable: true, rollback: true },
        tags: TAGS,
        taskDefinition: td,
      },
    ],
    roles: [
      {
        name: 'Exec',
        trust: { Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        policies: [
          {
            name: 'ExecPolicy',
            kind: 'inline',
            file: 'policies/service-execution-policy.json',
            document: {
              Statement: [
                { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
                { Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: `arn:aws:ecr:eu-west-2:${ACCOUNT}:repository/*` },
              ],
            },
          },
        ],
      },
      {
        name: 'Task',
        trust: { Statement: [{ Effect: 'Allow', Principal: { Service: ['ecs-tasks.amazonaws.com'] }, Action: 'sts:AssumeRole' }] },
        policies: [
          {
            name: 'TaskPolicy',
            kind: 'inline',
            file: 'policies/task-role-policy.json',
            document: {
              Statement: {
                Effect: 'Allow',
                Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
                Resource: '*',
              },
            },
          },
          { name: 'AWSXRayDaemonWriteAccess', kind: 'aws-managed', arn: 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess' },
        ],
      },
    ],
    securityGroups: [{ name: 'crud-srv-sg', id: 'sg-1', ingress: [{ protocol: 'tcp', fromPort: 4567, toPort: 4567, cidr: '0.0.0.0/0' }] }],
    parameters: [{ name: '/cruddur/app/CONNECTION_URL', type: 'SecureString', referencedBy: ['app'] }],
    repositories: [
      {
        name: 'app',
        exists: true,
        scanOnPush: true,
        tagMutability: 'IMMUTABLE',
        lifecyclePolicy: { rules: [] },
        repositoryPolicy: null,
        scans: [{ image: `${REGISTRY}/app:v1`, status: 'COMPLETE', counts: { MEDIUM: 3, LOW: 9 } }],
      },
    ],
    logGroups: [{ name: '/cruddur/fargate-cluster', exists: true, retentionDays: 1, kits: true }],
    trails: [{ name: 'main', multiRegion: true, isLogging: true }],
    recorders: [{ name: 'default', recording: true }],
    loadBalancer: {
      name: 'cruddur-alb',
      dropInvalidHeaderFields: true,
      accessLogs: true,
      deletionProtection: true,
      listeners: [
        { protocol: 'HTTP', port: 80, actions: [{ type: 'redirect', redirectProtocol: 'HTTPS' }] },
        { protocol: 'HTTPS', port: 443, sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', actions: [{ type: 'forward' }, { type: 'forward' }] },
      ],
    },
    unreadable: [],
    absent: [],
  }
}

const lb = (s: Snapshot) => s.loadBalancer!
const routeApp = (s: Snapshot) => Object.assign(s.services[0], { routed: true, containerPort: 4567 })
const container = (s: Snapshot) => s.services[0].taskDefinition!.containerDefinitions[0]
const td = (s: Snapshot) => s.services[0].taskDefinition!
const taskPolicy = (s: Snapshot) => s.roles[1].policies[0] as { document: { Statement: unknown } }

/** [rule, what breaks it, the break, a fragment the finding's message must hold]. */
const CASES: Array<[string, string, (s: Snapshot) => void, RegExp]> = [
  ['KIT-ECS-001', 'assignPublicIp ENABLED', (s) => (s.services[0].assignPublicIp = 'ENABLED'), /assignPublicIp is ENABLED/],
  ['KIT-ECS-002', 'privileged', (s) => (container(s).privileged = true), /privileged/],
  ['KIT-ECS-003', 'no user', (s) => delete container(s).user, /no "user"/],
  ['KIT-ECS-003', 'user root', (s) => (container(s).user = 'root'), /"root" is root/],
  ['KIT-ECS-003', 'user 0:0', (s) => (container(s).user = '0:0'), /is root/],
  ['KIT-ECS-004', 'writable root with exec on', (s) => (container(s).readonlyRootFilesystem = false), /trade-off: ECS Exec/],
  [
    'KIT-ECS-004',
    'writable root with exec off',
    (s) => {
      delete container(s).readonlyRootFilesystem
      s.services[0].enableExecuteCommand = false
    },
    /can change its files/,
  ],
  ['KIT-ECS-005', 'AWS_ACCESS_KEY_ID in environment', (s) => container(s).environment!.push({ name: 'AWS_ACCESS_KEY_ID', value: 'x' }), /AWS_ACCESS_KEY_ID/],
  ['KIT-ECS-005', 'an access key id as a value', (s) => container(s).environment!.push({ name: 'KEY', value: 'AKIAABCDEFGHIJKLMNOP' }), /KEY in plain/],
  ['KIT-ECS-006', 'a secret-looking name', (s) => container(s).environment!.push({ name: 'ROLLBAR_ACCESS_TOKEN', value: 'abc' }), /name ROLLBAR_ACCESS_TOKEN says secret/],
  ['KIT-ECS-006', 'a URL with a password', (s) => container(s).environment!.push({ name: 'DB', value: 'postgresql://u:pw@db:5432/x' }), /URL with a password/],
  ['KIT-ECS-006', 'a private key', (s) => container(s).environment!.push({ name: 'CERT', value: '-----BEGIN RSA PRIVATE KEY-----\nabc' }), /private key/],
  ['KIT-ECS-007', 'AWS keys as secrets', (s) => container(s).secrets!.push({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: '/x/AWS_SECRET_ACCESS_KEY' }), /overrides the task role/],
  ['KIT-ECS-008', 'no logConfiguration', (s) => delete container(s).logConfiguration, /no logConfiguration/],
  ['KIT-ECS-008', 'log driver none', (s) => (container(s).logConfiguration = { logDriver: 'none' }), /no logConfiguration/],
  ['KIT-ECS-008', 'a log group that does not exist', (s) => (s.logGroups[0].exists = false), /does not exist/],
  ['KIT-LOGS-001', 'no retention', (s) => delete s.logGroups[0].retentionDays, /never expire/],
  ['KIT-ECS-009', 'platform 1.3.0', (s) => (s.services[0].platformVersion = '1.3.0'), /platformVersion 1\.3\.0/],
  ['KIT-ECS-010', 'Container Insights disabled', (s) => (s.cluster.containerInsights = 'disabled'), /containerInsights is disabled/],
  ['KIT-ECS-010', 'Container Insights never set', (s) => delete s.cluster.containerInsights, /not set/],
  ['KIT-ECS-011', 'untagged task definition', (s) => (td(s).tags = []), /no tags/],
  ['KIT-ECS-011', 'only aws: tags on the service', (s) => (s.services[0].tags = [{ key: 'aws:ecs:serviceName', value: 'x' }]), /no tags/],
  ['KIT-ECS-011', 'untagged cluster', (s) => (s.cluster.tags = []), /no tags/],
  ['KIT-IAM-001', 'one role for both', (s) => (td(s).taskRoleArn = td(s).executionRoleArn), /both Exec/],
  [
    'KIT-IAM-002',
    'CloudWatchFullAccess attached',
    (s) => s.roles[1].policies.push({ name: 'CloudWatchFullAccess', kind: 'aws-managed', arn: 'arn:aws:iam::aws:policy/CloudWatchFullAccess' }),
    /CloudWatchFullAccess is attached/,
  ],
  [
    'KIT-IAM-003',
    's3:GetObject on *',
    (s) => (taskPolicy(s).document.Statement = [taskPolicy(s).document.Statement, { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]),
    /s3:GetObject on every resource/,
  ],
  ['KIT-IAM-003', 'Action *', (s) => (taskPolicy(s).document.Statement = [{ Effect: 'Allow', Action: '*', Resource: '*' }]), /"Action": "\*"/],
  ['KIT-IAM-004', 'exec on, no ssmmessages', (s) => (taskPolicy(s).document.Statement = [{ Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' }]), /ssmmessages:CreateControlChannel/],
  ['KIT-IAM-004', 'exec on, no task role', (s) => delete td(s).taskRoleArn, /no taskRoleArn/],
  ['KIT-IAM-005', 'trust Principal AWS *', (s) => (s.roles[0].trust = { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }), /any AWS account/],
  ['KIT-EC2-001', 'tcp/80 open, nothing listens', (s) => s.securityGroups[0].ingress.push({ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }), /tcp\/80 open to 0\.0\.0\.0\/0/],
  ['KIT-EC2-001', 'all traffic from ::/0', (s) => s.securityGroups[0].ingress.push({ protocol: '-1', cidr: '::/0' }), /all traffic open to ::\/0/],
  ['KIT-EC2-001', 'a range around the port', (s) => (s.securityGroups[0].ingress[0] = { protocol: 'tcp', fromPort: 4560, toPort: 4570, cidr: '0.0.0.0/0' }), /10 tcp ports in 4560-4570/],
  ['KIT-SSM-001', 'a String parameter as a secret', (s) => (s.parameters[0].type = 'String'), /a String \(plain text/],
  ['KIT-ECR-001', 'scan on push off', (s) => (s.repositories[0].scanOnPush = false), /scan on push is off/],
  ['KIT-ECR-002', 'mutable tags', (s) => (s.repositories[0].tagMutability = 'MUTABLE'), /tags are MUTABLE/],
  ['KIT-ECR-003', 'no lifecycle policy', (s) => (s.repositories[0].lifecyclePolicy = null), /no lifecycle policy/],
  ['KIT-ECR-004', 'policy open to *', (s) => (s.repositories[0].repositoryPolicy = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:*' }] }), /Principal "\*"/],
  ['KIT-ECR-005', 'HIGH findings', (s) => (s.repositories[0].scans![0].counts = { HIGH: 2 }), /0 CRITICAL and 2 HIGH/],
  ['KIT-ECS-012', 'a Docker Hub image', (s) => (container(s).image = 'nginx:alpine'), /from Docker Hub/],
  ['KIT-ECS-012', "another account's ECR", (s) => (container(s).image = '999999999999.dkr.ecr.eu-west-2.amazonaws.com/app:v1'), /another account/],
  ['KIT-ECS-013', 'no circuit breaker', (s) => delete s.services[0].circuitBreaker, /no deployment circuit breaker/],
  ['KIT-ACCT-001', 'no trail', (s) => (s.trails = []), /no CloudTrail trail/],
  ['KIT-ACCT-001', 'a trail not logging', (s) => (s.trails = [{ name: 'main', isLogging: false }]), /not logging/],
  ['KIT-ACCT-002', 'no recorder', (s) => (s.recorders = []), /no AWS Config recorder/],
  ['KIT-ACCT-002', 'a recorder stopped', (s) => (s.recorders = [{ name: 'default', recording: false }]), /not recording/],
  ['KIT-ECS-014', 'host network mode', (s) => (td(s).networkMode = 'host'), /networkMode host/],
  ['KIT-ECS-015', 'host PID', (s) => (td(s).pidMode = 'host'), /pidMode host/],
  ['KIT-ELB-001', 'HTTP:80 forwards beside HTTPS:443', (s) => (lb(s).listeners[0].actions = [{ type: 'forward' }]), /HTTP:80 forwards in plain text/],
  ['KIT-ELB-001', 'a rule on HTTP:80 forwards', (s) => lb(s).listeners[0].actions.push({ type: 'forward' }), /forwards in plain text/],
  ['KIT-ELB-001', 'HTTP:80 redirects to HTTP', (s) => (lb(s).listeners[0].actions = [{ type: 'redirect', redirectProtocol: 'HTTP' }]), /redirects in plain text/],
  ['KIT-ELB-002', 'invalid header fields kept', (s) => (lb(s).dropInvalidHeaderFields = false), /drop_invalid_header_fields\.enabled is false/],
  ['KIT-ELB-003', 'no access logs', (s) => (lb(s).accessLogs = false), /access_logs\.s3\.enabled is false/],
  ['KIT-ELB-004', 'no deletion protection', (s) => (lb(s).deletionProtection = false), /deletion_protection\.enabled is false/],
  ['KIT-ELB-005', 'ELBSecurityPolicy-2016-08', (s) => (lb(s).listeners[1].sslPolicy = 'ELBSecurityPolicy-2016-08'), /ELBSecurityPolicy-2016-08 accepts TLS 1\.0\/1\.1/],
  ['KIT-ELB-005', 'a TLS 1.1 policy', (s) => (lb(s).listeners[1].sslPolicy = 'ELBSecurityPolicy-TLS-1-1-2017-01'), /accepts TLS 1\.0\/1\.1/],
  ['KIT-ELB-005', 'a policy the kit does not know', (s) => (lb(s).listeners[1].sslPolicy = 'my-custom-policy'), /my-custom-policy is not a predefined policy/],
  ['KIT-EC2-002', "a routed service's port open to the world", routeApp, /app's container port tcp\/4567 is open to 0\.0\.0\.0\/0/],
  [
    'KIT-EC2-002',
    "a routed service's port open to one address",
    (s) => {
      routeApp(s)
      s.securityGroups[0].ingress[0].cidr = '203.0.113.7/32'
    },
    /open to 203\.0\.113\.7\/32: clients can bypass the load balancer/,
  ],
]

const rules = suite('audit rules: each fires where broken, quiet where it holds (table over snapshots)')

rules('there are at least twenty rules, ids unique, every one with a severity, public ids or a stated source, and a help link', () => {
  assert.ok(RULES.length >= 20, `${RULES.length} rules`)
  assert.is(new Set(RULES.map((r) => r.id)).size, RULES.length)
  for (const r of RULES) {
    assert.match(r.id, /^KIT-[A-Z0-9]+-\d{3}$/)
    assert.ok(['critical', 'high', 'medium', 'low'].includes(r.severity))
    assert.match(r.helpUri, /^https:\/\//)
  }
})

rules('the good stack: every rule checked, no finding', () => {
  for (const rule of RULES) assert.equal(rule.check(good()), [], rule.id)
})

rules('every rule has a case that breaks it', () => {
  const covered = new Set(CASES.map(([id]) => id))
  assert.equal(RULES.map((r) => r.id).filter((id) => !covered.has(id)), [])
})

for (const [id, what, breakIt, message] of CASES) {
  rules(`${id} fires on: ${what}; only that rule fires`, () => {
    const s = good()
    breakIt(s)
    const found = ruleById(id)!.check(s) as Finding[]
    assert.ok(found.length > 0, `${id} stayed quiet`)
    assert.match(found.map((f) => f.message).join('\n'), message)
    for (const f of found) {
      assert.ok(f.resource.includes(':'), f.resource)
      assert.ok(f.fix.length > 10)
    }
    // The break is specific: other rules stay quiet (where two rules see the same break: one role for both also leaves the task role without ssmmessages).
    const others = RULES.filter((r) => r.id !== id)
      .map((r) => [r.id, r.check(s) ?? []] as const)
      .filter(([, f]) => f.length > 0)
      .map(([rid]) => rid)
    const related: Record<string, string[]> = { 'KIT-IAM-001': ['KIT-IAM-004'], 'KIT-ECS-005': ['KIT-ECS-006'] }
    assert.equal(others.filter((o) => !(related[id] ?? []).includes(o)), [], `${id} case also tripped ${others.join(', ')}`)
  })
}

rules('quiet where the rule holds: LATEST and 1.4.0 platforms, actions that need "*", a port that is listened on', () => {
  const s = good()
  s.services[0].platformVersion = '1.4.0'
  assert.equal(ruleById('KIT-ECS-009')!.check(s), [])
  delete s.services[0].platformVersion
  assert.equal(ruleById('KIT-ECS-009')!.check(s), [])
  // ecr:GetAuthorizationToken and ssmmessages need "*": not flagged (they are in the good stack on "*").
  taskPolicy(s).document.Statement = [{ Effect: 'Allow', Action: ['ssmmessages:*', 'xray:PutTraceSegments'], Resource: '*' }]
  assert.equal(ruleById('KIT-IAM-003')!.check(s), [])
  assert.equal(ruleById('KIT-IAM-004')!.check(s), [], 'ssmmessages:* covers the four channels')
  s.securityGroups[0].ingress.push({ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/8' })
  assert.equal(ruleById('KIT-EC2-001')!.check(s), [], 'not open to the world')
})

rules('KIT-ECS-013: ROLLING needs the circuit breaker; CANARY, LINEAR and BLUE_GREEN (no breaker: ECS applies it to ROLLING only) need rollback alarms; the finding names what is missing', () => {
  const alarms = { alarmNames: ['cruddur-app-5xx'], enable: true, rollback: true }
  const table: Array<[string, Partial<Snapshot['services'][number]>, RegExp | undefined]> = [
    ['ROLLING (no strategy named) with the breaker', { circuitBreaker: { enable: true, rollback: true } }, undefined],
    ['ROLLING named, with the breaker', { strategy: 'ROLLING', circuitBreaker: { enable: true, rollback: true } }, undefined],
    ['ROLLING without the breaker', { circuitBreaker: undefined }, /^no deployment circuit breaker/],
    ['ROLLING with rollback alarms but no breaker', { strategy: 'ROLLING', circuitBreaker: { enable: false }, rollbackAlarms: alarms }, /^no deployment circuit breaker/],
    ['CANARY with rollback alarms, no breaker', { strategy: 'CANARY', circuitBreaker: undefined, rollbackAlarms: alarms }, undefined],
    ['LINEAR with rollback alarms, no breaker', { strategy: 'LINEAR', circuitBreaker: undefined, rollbackAlarms: alarms }, undefined],
    ['BLUE_GREEN with rollback alarms, the breaker off', { strategy: 'BLUE_GREEN', circuitBreaker: { enable: false, rollback: false }, rollbackAlarms: alarms }, undefined],
    ['CANARY without alarms', { strategy: 'CANARY', circuitBreaker: undefined }, /^deploys CANARY without rollback alarms \(ECS applies the circuit breaker to ROLLING only\)/],
    ['CANARY with the breaker on but no alarms (ECS ignores it)', { strategy: 'CANARY', circuitBreaker: { enable: true, rollback: true } }, /^deploys CANARY without rollback alarms/],
    ['BLUE_GREEN with alarms that do not roll back', { strategy: 'BLUE_GREEN', rollbackAlarms: { ...alarms, rollback: false } }, /^deploys BLUE_GREEN without rollback alarms/],
    ['LINEAR with alarms disabled', { strategy: 'LINEAR', rollbackAlarms: { ...alarms, enable: false } }, /^deploys LINEAR without rollback alarms/],
    ['CANARY with an empty alarm list', { strategy: 'CANARY', rollbackAlarms: { alarmNames: [], enable: true, rollback: true } }, /^deploys CANARY without rollback alarms/],
    ['CODE_DEPLOY controller: not ECS\'s to roll back', { deploymentController: 'CODE_DEPLOY', circuitBreaker: undefined }, undefined],
  ]
  for (const [what, fields, message] of table) {
    const s = good()
    Object.assign(s.services[0], fields)
    const found = ruleById('KIT-ECS-013')!.check(s) as Finding[]
    if (!message) {
      assert.equal(found, [], what)
      continue
    }
    assert.is(found.length, 1, what)
    assert.match(found[0].message, message, what)
    assert.is(found[0].resource, 'service:app', what)
    if (/^deploys/.test(found[0].message)) {
      assert.equal([found[0].file, found[0].key], ['json/services.json', 'app'], what)
      assert.match(found[0].fix, /drop "rollbackAlarms": false from app in json\/services\.json and run \.\/scripts\/provision/, what)
    } else assert.is(found[0].file, 'json/service-app.json', what)
  }
})

rules('rollbackGuard (what deploy\'s note and KIT-ECS-013 share): the breaker under ROLLING, rollback alarms under the others', () => {
  const alarms = { alarmNames: ['a'], enable: true, rollback: true }
  const table: Array<[RollbackSettings | undefined, ReturnType<typeof rollbackGuard>]> = [
    [undefined, { strategy: 'ROLLING', missing: 'circuit breaker' }],
    [{ deploymentCircuitBreaker: { enable: true, rollback: true } }, { strategy: 'ROLLING' }],
    [{ strategy: 'ROLLING', alarms }, { strategy: 'ROLLING', missing: 'circuit breaker' }],
    [{ strategy: 'CANARY', alarms }, { strategy: 'CANARY' }],
    [{ strategy: 'CANARY', deploymentCircuitBreaker: { enable: true } }, { strategy: 'CANARY', missing: 'rollback alarms' }],
    [{ strategy: 'LINEAR', alarms: { ...alarms, rollback: false } }, { strategy: 'LINEAR', missing: 'rollback alarms' }],
    [{ strategy: 'BLUE_GREEN', alarms }, { strategy: 'BLUE_GREEN' }],
  ]
  for (const [config, want] of table) assert.equal(rollbackGuard(config), want, JSON.stringify(config))
})

rules('severity of a finding can be worse than the rule: CRITICAL scan counts, AdministratorAccess, Action *', () => {
  const s = good()
  s.repositories[0].scans![0].counts = { CRITICAL: 1, HIGH: 4 }
  assert.is(ruleById('KIT-ECR-005')!.check(s)![0].severity, 'critical')
  s.roles[0].policies.push({ name: 'AdministratorAccess', kind: 'aws-managed', arn: 'arn:aws:iam::aws:policy/AdministratorAccess' })
  assert.is(ruleById('KIT-IAM-002')!.check(s)![0].severity, 'critical')
})

rules('not checked when the snapshot does not know: CloudTrail, Config and scans under --local', () => {
  const s = good()
  delete s.trails
  delete s.recorders
  for (const r of s.repositories) delete r.scans
  for (const id of ['KIT-ACCT-001', 'KIT-ACCT-002', 'KIT-ECR-005']) assert.is(ruleById(id)!.check(s), undefined, id)
})

rules('front door: HTTP forwarding without an HTTPS listener is fine; no load balancer, nothing to judge; unknown, not checked', () => {
  const s = good()
  lb(s).listeners = [{ protocol: 'HTTP', port: 80, actions: [{ type: 'forward' }] }]
  assert.equal(ruleById('KIT-ELB-001')!.check(s), [], 'no HTTPS to redirect to (no DOMAIN_NAME)')
  s.loadBalancer = null
  for (const id of ['KIT-ELB-001', 'KIT-ELB-002', 'KIT-ELB-003', 'KIT-ELB-004', 'KIT-ELB-005']) assert.equal(ruleById(id)!.check(s), [], id)
  delete s.loadBalancer
  for (const id of ['KIT-ELB-001', 'KIT-ELB-002', 'KIT-ELB-003', 'KIT-ELB-004', 'KIT-ELB-005']) assert.is(ruleById(id)!.check(s), undefined, id)
})

rules('ELB.17: the predefined policies that allow TLS 1.0/1.1 and those that do not', () => {
  const modern = ['ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-TLS13-1-3-2021-06', 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06', 'ELBSecurityPolicy-FS-1-2-Res-2020-10', 'ELBSecurityPolicy-TLS-1-2-Ext-2018-06']
  const older = ['ELBSecurityPolicy-2016-08', 'ELBSecurityPolicy-2015-05', 'ELBSecurityPolicy-TLS-1-0-2015-04', 'ELBSecurityPolicy-TLS-1-1-2017-01', 'ELBSecurityPolicy-FS-2018-06', 'ELBSecurityPolicy-FS-1-1-2019-08', 'ELBSecurityPolicy-TLS13-1-0-2021-06', 'ELBSecurityPolicy-TLS13-1-1-2021-06']
  for (const p of modern) assert.is(tlsPolicyVerdict(p), 'tls1.2+', p)
  for (const p of older) assert.is(tlsPolicyVerdict(p), 'older', p)
  assert.is(tlsPolicyVerdict(undefined), 'unknown')
  const s = good()
  lb(s).listeners[1].sslPolicy = 'my-custom-policy'
  assert.is(ruleById('KIT-ELB-005')!.check(s)![0].severity, 'low', 'an unknown policy is a question, not a known weakness')
  lb(s).listeners[1].sslPolicy = 'ELBSecurityPolicy-2016-08'
  assert.is(ruleById('KIT-ELB-005')!.check(s)![0].severity, undefined, "a known weak policy takes the rule's severity")
})

rules("KIT-EC2-002: a routed port open to one address is medium, to the world high; an unrouted service's port is not its business", () => {
  const s = good()
  assert.equal(ruleById('KIT-EC2-002')!.check(s), [], 'not routed')
  routeApp(s)
  assert.is(ruleById('KIT-EC2-002')!.check(s)![0].severity, undefined)
  assert.is(ruleById('KIT-EC2-002')!.severity, 'high')
  s.securityGroups[0].ingress[0].cidr = '10.0.0.0/16'
  assert.is(ruleById('KIT-EC2-002')!.check(s)![0].severity, 'medium')
})

rules('fix text names the kit file, and the public-IP fix states the monthly cost of NAT or VPC endpoints', () => {
  const s = good()
  s.services[0].assignPublicIp = 'ENABLED'
  const [f] = ruleById('KIT-ECS-001')!.check(s)!
  assert.match(f.fix, 'json/service-app.json')
  assert.match(f.cost!, '$32.85/month')
  assert.match(f.cost!, '$7.30/month each per AZ')
  assert.match(f.cost!, '$36.50/month in one AZ')
  assert.is(f.file, 'json/service-app.json')
  assert.is(f.key, 'assignPublicIp')
})

rules.run()

const parts = suite('audit: pure parts')

parts('secretLooking: names and values; plain settings are not secrets', () => {
  assert.ok(secretLooking('DB_PASSWORD', ''))
  assert.ok(secretLooking('HONEYCOMB_API_KEY', ''))
  assert.ok(secretLooking('X', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'))
  assert.ok(secretLooking('SLACK', 'xoxb-1234567890-abcdefghij'))
  for (const [n, v] of [
    ['AWS_COGNITO_USER_POOL_ID', 'eu-west-2_AbCdEf123'],
    ['FRONTEND_URL', '*'],
    ['OTEL_SERVICE_NAME', 'backend-flask'],
    ['GIT_SHA', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ]) {
    assert.is(secretLooking(n, v), undefined, n)
  }
})

parts('actionMatches: globs, case-insensitive', () => {
  assert.ok(actionMatches('ssmmessages:*', 'ssmmessages:OpenDataChannel'))
  assert.ok(actionMatches('*', 'ecr:BatchGetImage'))
  assert.ok(actionMatches('ECR:batchgetimage', 'ecr:BatchGetImage'))
  assert.not.ok(actionMatches('ssm:*', 'ssmmessages:OpenDataChannel'))
})

parts('parseImage: ECR, Docker Hub, digests, registries with ports', () => {
  assert.equal(parseImage(`${REGISTRY}/backend-flask:latest`), { registry: REGISTRY, repository: 'backend-flask', tag: 'latest' })
  assert.equal(parseImage('nginx:alpine'), { registry: 'docker.io', repository: 'nginx', tag: 'alpine' })
  assert.equal(parseImage('library/python'), { registry: 'docker.io', repository: 'library/python' })
  assert.equal(parseImage('127.0.0.1:5000/app@sha256:abc'), { registry: '127.0.0.1:5000', repository: 'app', digest: 'sha256:abc' })
})

parts('parameterNameOf: SSM ARNs and paths; Secrets Manager is not a parameter', () => {
  assert.is(parameterNameOf('arn:aws:ssm:eu-west-2:1:parameter/cruddur/x/Y'), '/cruddur/x/Y')
  assert.is(parameterNameOf('/cruddur/x/Y'), '/cruddur/x/Y')
  assert.is(parameterNameOf('arn:aws:secretsmanager:eu-west-2:1:secret:db'), undefined)
})

parts('accepted findings: globbed, listed as accepted, not counted, not failing; stale entries reported', () => {
  assert.ok(globMatch('container:*', 'container:backend-flask/backend-flask'))
  assert.not.ok(globMatch('service:backend-*', 'service:frontend-react-js'))
  const s = good()
  s.services[0].assignPublicIp = 'ENABLED'
  const accepted = parseAccepted({
    accepted: [
      { rule: 'KIT-ECS-001', resource: 'service:*', reason: 'no NAT gateway in the guide' },
      { rule: 'KIT-ECR-002', resource: 'repository:app', reason: 'the tags used to be mutable' },
      { rule: 'KIT-ECR-002', resource: 'repository:old', reason: 'a repository the audit does not read' },
      { rule: 'KIT-ACCT-001', resource: 'region:*', reason: 'CloudTrail used to be off here' },
    ],
  })
  const report = evaluate(s, accepted, 'high')
  assert.is(report.failed, false)
  assert.is(report.summary.accepted, 1)
  assert.is(report.summary.high, 0)
  const f = report.findings.find((x) => x.ruleId === 'KIT-ECS-001')!
  assert.is(f.accepted?.reason, 'no NAT gateway in the guide')
  assert.equal(report.unusedAcceptances.map((a) => a.resource), ['repository:app', 'region:*'], 'stale: checked and holding; repository:old was not checked')
  const text = formatHuman(report).join('\n')
  assert.match(text, /ACCEPTED \(1\)/)
  assert.match(text, /KIT-ECS-001 .*service:app/)
  assert.match(text, /accepted: no NAT gateway in the guide/)
  assert.match(text, /match nothing.*KIT-ECR-002 repository:app/)
  assert.not.match(text, /repository:old/)
  const local = { ...s, mode: 'local' as const, trails: undefined, recorders: undefined }
  assert.equal(evaluate(local, accepted, 'high').unusedAcceptances.map((a) => a.resource), ['repository:app'], 'KIT-ACCT-001 not checked under --local: not stale')
  // Without the acceptance the same stack fails at high.
  assert.is(evaluate(s, [], 'high').failed, true)
})

parts('an empty account: no acceptance is stale, since none of their resources was checked', () => {
  const empty: Snapshot = {
    ...good(),
    cluster: { name: 'cruddur', exists: false },
    services: [],
    roles: [],
    securityGroups: [],
    parameters: [],
    repositories: [{ name: 'app', exists: false }],
    logGroups: [{ name: '/cruddur/fargate-cluster', exists: false, kits: true }],
    loadBalancer: null,
    absent: ['ecs cluster cruddur', 'ecs service app', 'ecr repository app', 'load balancer cruddur-alb'],
  }
  const accepted = parseAccepted(JSON.parse(readFileSync(join(ROOT, 'policies/audit-accepted.json'), 'utf8')))
  assert.ok(accepted.length >= 5)
  const report = evaluate(empty, accepted, 'high')
  assert.equal(report.unusedAcceptances, [])
  assert.not.match(formatHuman(report).join('\n'), /match nothing|remove them/)
})

parts('parseAccepted refuses unknown rules, missing resources and empty reasons, naming the entry', () => {
  assert.throws(() => parseAccepted({ accepted: [{ rule: 'KIT-NOPE-001', resource: '*', reason: 'because it is fine' }] }), /accepted\[0\]\.rule "KIT-NOPE-001"/)
  assert.throws(() => parseAccepted({ accepted: [{ rule: 'KIT-ECS-001', reason: 'because it is fine' }] }), /accepted\[0\]\.resource/)
  assert.throws(() => parseAccepted({ accepted: [{ rule: 'KIT-ECS-001', resource: '*', reason: '' }] }), /accepted\[0\]\.reason/)
  assert.throws(() => parseAccepted([]), /must be \{"accepted"/)
})

parts('--fail-on: each threshold, none, and a bad value', () => {
  const s = good()
  s.repositories[0].lifecyclePolicy = null // low
  s.services[0].circuitBreaker = undefined // medium
  assert.is(evaluate(s, [], parseFailOn(undefined)).failed, false, 'default high')
  assert.is(evaluate(s, [], parseFailOn('medium')).failed, true)
  assert.is(evaluate(s, [], parseFailOn('LOW')).failed, true)
  assert.is(evaluate(s, [], parseFailOn('critical')).failed, false)
  container(s).environment!.push({ name: 'AWS_SECRET_ACCESS_KEY', value: 'x' }) // critical
  assert.is(evaluate(s, [], parseFailOn('critical')).failed, true)
  assert.is(evaluate(s, [], parseFailOn('none')).failed, false)
  assert.throws(() => parseFailOn('severe'), /--fail-on must be one of critical, high, medium, low, none/)
})

parts('SARIF under --local: every result has a physical location, the template or the step that makes the resource, and its line', () => {
  const env = { ...process.env, AWS_DEFAULT_REGION: 'eu-west-2', ECS_SERVICES: 'backend-flask', AWS_ACCOUNT_ID: '123456789012' }
  const s = localSnapshot(env)
  // Break what the kit's own templates get right, so rules on every kind of resource fire.
  s.securityGroups[0].ingress.push({ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' })
  s.parameters[0].type = 'String'
  s.roles[1].policies.push({ name: 'AmazonS3FullAccess', kind: 'aws-managed', arn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' })
  s.logGroups[0].retentionDays = undefined
  s.cluster.tags = []
  delete s.cluster.containerInsights
  const report = evaluate(s, [], 'high')
  const fired = new Set(report.findings.map((f) => f.ruleId))
  for (const id of ['KIT-EC2-001', 'KIT-SSM-001', 'KIT-IAM-002', 'KIT-LOGS-001', 'KIT-ECR-002', 'KIT-ECR-003', 'KIT-ECS-010', 'KIT-ECS-011']) assert.ok(fired.has(id), `${id} fired`)
  const results = toSarif(report, '0.0.0').runs[0].results as Array<{ ruleId: string; locations: Array<{ physicalLocation?: { artifactLocation: { uri: string }; region?: { startLine: number } } }> }>
  for (const r of results) {
    const where = r.locations[0].physicalLocation
    assert.ok(where, `${r.ruleId}: no physical location`)
    assert.ok(existsSync(join(ROOT, where.artifactLocation.uri)), where.artifactLocation.uri)
    assert.type(where.region?.startLine, 'number', `${r.ruleId} ${where.artifactLocation.uri}: no line`)
  }
  const at = (id: string) => results.find((r) => r.ruleId === id)!.locations[0].physicalLocation!
  assert.is(at('KIT-ECR-002').artifactLocation.uri, 'lib/steps/ecr-repositories.ts')
  assert.is(at('KIT-ECS-010').artifactLocation.uri, 'lib/steps/cluster.ts')
  assert.is(at('KIT-SSM-001').artifactLocation.uri, 'json/services.json')
})

parts('SARIF: what could not be checked (rules, unreadable and absent resources) is recorded as tool execution notifications', () => {
  const s = good()
  s.trails = undefined
  s.unreadable = ['iam role Task (AccessDenied)']
  s.absent = ['ecs service web']
  const run = toSarif(evaluate(s, [], 'high'), '0.0.0').runs[0]
  assert.is(run.invocations.length, 1)
  assert.is(run.invocations[0].executionSuccessful, true)
  const notes = run.invocations[0].toolExecutionNotifications as Array<{ level: string; message: { text: string }; associatedRule?: { id: string; index: number } }>
  const rule = notes.find((n) => n.associatedRule?.id === 'KIT-ACCT-001')!
  assert.ok(rule, JSON.stringify(notes))
  assert.is(RULES[rule.associatedRule!.index].id, 'KIT-ACCT-001')
  assert.ok(notes.some((n) => n.level === 'warning' && n.message.text === 'could not read iam role Task (AccessDenied): not checked'))
  assert.ok(notes.some((n) => n.level === 'note' && n.message.text.startsWith('ecs service web does not exist')))
  assert.equal(toSarif(evaluate(good(), [], 'high'), '0.0.0').runs[0].invocations[0].toolExecutionNotifications, [], 'everything checked: no notification')
})

parts('findings are ordered most severe first, accepted last', () => {
  const s = good()
  s.repositories[0].lifecyclePolicy = null
  s.services[0].assignPublicIp = 'ENABLED'
  container(s).privileged = true
  s.trails = []
  const report = evaluate(s, parseAccepted({ accepted: [{ rule: 'KIT-ECS-002', resource: '*', reason: 'for the sake of the test' }] }), 'high')
  assert.equal(
    report.findings.map((f) => f.ruleId),
    ['KIT-ACCT-001', 'KIT-ECS-001', 'KIT-ECR-003', 'KIT-ECS-002'],
  )
})

parts('SARIF: rules with ids and help links, results with ruleId, level, message, a location at the file and line, suppressions for accepted', () => {
  const s = good()
  s.services[0].assignPublicIp = 'ENABLED'
  s.trails = []
  const report = evaluate(s, parseAccepted({ accepted: [{ rule: 'KIT-ACCT-001', resource: 'region:*', reason: 'a sandbox account, for the test' }] }), 'high')
  const sarif = toSarif(report, '1.2.3', (file, key) => (file === 'json/service-app.json' && key === 'assignPublicIp' ? 7 : undefined))
  assert.is(sarif.version, '2.1.0')
  const run = sarif.runs[0] as { tool: { driver: { rules: Array<{ id: string; helpUri: string; properties: Record<string, unknown> }> } }; results: Array<Record<string, any>> }
  assert.equal(run.tool.driver.rules.map((r) => r.id), RULES.map((r) => r.id))
  assert.ok(run.tool.driver.rules.every((r) => r.helpUri.startsWith('https://') && typeof r.properties['security-severity'] === 'string'))
  const publicIp = run.results.find((r) => r.ruleId === 'KIT-ECS-001')!
  assert.is(publicIp.level, 'error')
  assert.is(run.tool.driver.rules[publicIp.ruleIndex].id, 'KIT-ECS-001')
  assert.equal(publicIp.locations[0].physicalLocation, { artifactLocation: { uri: 'json/service-app.json', uriBaseId: '%SRCROOT%' }, region: { startLine: 7 } })
  assert.match(publicIp.message.text, /Fix: set "assignPublicIp": "DISABLED"/)
  const trail = run.results.find((r) => r.ruleId === 'KIT-ACCT-001')!
  assert.is(trail.locations[0].physicalLocation, undefined, 'an account-level finding has no file')
  assert.equal(trail.locations[0].logicalLocations, [{ name: 'region:eu-west-2', kind: 'resource' }])
  assert.equal(trail.suppressions, [{ kind: 'external', status: 'accepted', justification: 'a sandbox account, for the test' }])
})

parts('the local picture of the front door is the listeners step\'s own plan: every rule\'s forward, the redirect with a domain, TLS 1.2+ on 443, the catch-all of a default service that shifts traffic', () => {
  const routed = routedServices(declaredServices())
  const names = { loadBalancer: 'cruddur-alb' }
  assert.equal(plannedLoadBalancer(names, [])?.listeners, undefined, 'no routed service: no load balancer')
  // Without a domain: the default (frontend) and the /api/* rule to the backend.
  assert.equal(plannedLoadBalancer(names, routed)?.listeners, [{ protocol: 'HTTP', port: 80, actions: [{ type: 'forward' }, { type: 'forward' }] }])
  // With one: 80 only redirects; 443 forwards by default, by host api.<domain> and by /api/*.
  assert.equal(plannedLoadBalancer({ ...names, domainName: 'cruddur.example.com' }, routed)?.listeners, [
    { protocol: 'HTTP', port: 80, actions: [{ type: 'redirect', redirectProtocol: 'HTTPS' }] },
    { protocol: 'HTTPS', port: 443, sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', actions: [{ type: 'forward' }, { type: 'forward' }, { type: 'forward' }] },
  ])
  // A default service deploying CANARY is reached by a catch-all rule too (ECS shifts a rule, not a default action).
  const canary = routed.map((s) => (s.frontDoor?.default ? { ...s, deployment: { strategy: 'CANARY' as const, canaryPercent: 5, canaryBakeMinutes: 10, bakeMinutes: 3 } } : s))
  assert.is(plannedLoadBalancer(names, canary)?.listeners[0].actions.length, 3)
})

parts.run()
