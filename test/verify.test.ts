import './helpers/guard.js'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2'
import { BatchDeleteImageCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr'
import { DeleteClusterCommand, DeleteServiceCommand, ECSClient } from '@aws-sdk/client-ecs'
import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam'
import { DeleteParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { openContext } from '../lib/aws/context.js'
import { decodePolicy } from '../lib/aws/iam.js'
import { decide, trustsService, wildcardMatch } from '../lib/verify/policy.js'
import { execCheck, parseManifest, platformCheck, portsCheck } from '../lib/verify/checks.js'
import { certificateCheck, certificateCovers, healthPathCheck, targetGroupCheck, type RoutedServiceFacts } from '../lib/verify/front-door-checks.js'
import { ACMClient, DescribeCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm'
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2'
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { targetGroupName } from '../lib/config/names.js'
import { declaredServices } from '../lib/config/services.js'
import { elbv2, findTargetGroups } from '../lib/front-door/lookup.js'
import { EXEC_ACTIONS, execFacts, executionRoleNeeds, imageReferences, parameterNameOf, platformArchitecture } from '../lib/verify/task.js'
import type { VerifyDocument } from '../scripts/verify.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { startScriptedProxy } from './helpers/scripted-proxy.js'

// ---------------------------------------------------------------- pure parts, table-tested

const policy = suite('verify: the policy evaluator (pure)')

policy('wildcards: * and ? in actions (any case) and resources (exact case)', () => {
  const rows: Array<[string, string, boolean, boolean]> = [
    ['ecr:*', 'ecr:BatchGetImage', true, true],
    ['ECR:batchget*', 'ecr:BatchGetImage', true, true],
    ['ecr:Get?', 'ecr:GetX', true, true],
    ['ecr:Get?', 'ecr:GetXY', true, false],
    ['arn:aws:ssm:*:*:parameter/cruddur/*', 'arn:aws:ssm:eu-west-2:1:parameter/cruddur/backend-flask/X', false, true],
    ['arn:aws:ssm:*:*:parameter/Cruddur/*', 'arn:aws:ssm:eu-west-2:1:parameter/cruddur/X', false, false],
    ['a.b', 'axb', false, false],
  ]
  for (const [pattern, text, ignoreCase, expected] of rows) assert.is(wildcardMatch(pattern, text, ignoreCase), expected, `${pattern} ~ ${text}`)
})

policy('decide: Allow by action and resource, NotAction / NotResource, explicit Deny wins', () => {
  const allowSsm = { Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameters', Resource: 'arn:aws:ssm:r:1:parameter/app/*' }] }
  const denyOne = { Statement: { Effect: 'Deny', Action: 'ssm:*', Resource: 'arn:aws:ssm:r:1:parameter/app/SECRET' } }
  const notAction = { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] }
  const notResource = { Statement: [{ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::x' }] }
  const rows: Array<[unknown[], string, string, string]> = [
    [[allowSsm], 'ssm:GetParameters', 'arn:aws:ssm:r:1:parameter/app/A', 'allowed'],
    [[allowSsm], 'ssm:GetParameters', 'arn:aws:ssm:r:1:parameter/other/A', 'not granted'],
    [[allowSsm], 'ssm:GetParameter', 'arn:aws:ssm:r:1:parameter/app/A', 'not granted'],
    [[allowSsm, denyOne], 'ssm:GetParameters', 'arn:aws:ssm:r:1:parameter/app/SECRET', 'denied'],
    [[allowSsm, denyOne], 'ssm:GetParameters', 'arn:aws:ssm:r:1:parameter/app/A', 'allowed'],
    [[notAction], 'logs:PutLogEvents', 'anything', 'allowed'],
    [[notAction], 'iam:PassRole', 'anything', 'not granted'],
    [[notResource], 's3:GetObject', 'arn:aws:s3:::x', 'not granted'],
    [[notResource], 's3:GetObject', 'arn:aws:s3:::y', 'allowed'],
    [[encodeURIComponent(JSON.stringify(allowSsm))], 'ssm:GetParameters', 'arn:aws:ssm:r:1:parameter/app/A', 'allowed'],
    [[], 'ecr:BatchGetImage', '*', 'not granted'],
  ]
  for (const [docs, action, resource, expected] of rows) assert.is(decide(docs, action, resource), expected, `${action} on ${resource}`)
})

policy('trust: ecs-tasks.amazonaws.com as a string or in a list; another service or a Deny does not count', () => {
  const trust = (principal: unknown, effect = 'Allow', action: unknown = 'sts:AssumeRole') => ({ Statement: [{ Effect: effect, Principal: principal, Action: action }] })
  assert.ok(trustsService(trust({ Service: 'ecs-tasks.amazonaws.com' }), 'ecs-tasks.amazonaws.com'))
  assert.ok(trustsService(trust({ Service: ['ec2.amazonaws.com', 'ecs-tasks.amazonaws.com'] }, 'Allow', ['sts:*']), 'ecs-tasks.amazonaws.com'))
  assert.not.ok(trustsService(trust({ Service: 'ec2.amazonaws.com' }), 'ecs-tasks.amazonaws.com'))
  assert.not.ok(trustsService(trust({ Service: 'ecs-tasks.amazonaws.com' }, 'Allow', 'sts:TagSession'), 'ecs-tasks.amazonaws.com'))
  assert.not.ok(trustsService(undefined, 'ecs-tasks.amazonaws.com'))
})

const task = suite('verify: what a task definition needs (pure)')

task('parameter names from valueFrom: ARN, name, Secrets Manager left out', () => {
  assert.is(parameterNameOf('arn:aws:ssm:eu-west-2:123456789012:parameter/cruddur/backend-flask/X'), '/cruddur/backend-flask/X')
  assert.is(parameterNameOf('arn:aws:ssm:eu-west-2:123456789012:parameter/plain'), '/plain')
  assert.is(parameterNameOf('/cruddur/X'), '/cruddur/X')
  assert.is(parameterNameOf('arn:aws:secretsmanager:eu-west-2:1:secret:x'), undefined)
})

task('images: ECR images parsed (tag, digest, default latest), others not', () => {
  const refs = imageReferences({
    containerDefinitions: [
      { name: 'a', image: '123456789012.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:v1' },
      { name: 'b', image: '123456789012.dkr.ecr.eu-west-2.amazonaws.com/ns/app' },
      { name: 'c', image: `123456789012.dkr.ecr.eu-west-2.amazonaws.com/app@sha256:${'0'.repeat(64)}` },
      { name: 'd', image: 'nginx:alpine' },
    ],
  })
  assert.equal(refs[0].ecr, { registryId: '123456789012', region: 'eu-west-2', repository: 'backend-flask', tag: 'v1' })
  assert.is(refs[1].ecr?.tag, 'latest')
  assert.is(refs[1].ecr?.repository, 'ns/app')
  assert.is(refs[2].ecr?.digest, `sha256:${'0'.repeat(64)}`)
  assert.is(refs[2].ecr?.tag, undefined)
  assert.is(refs[3].ecr, undefined)
})

task('the execution role needs ECR pull on the repository, log writes on the stream, GetParameters on each parameter', () => {
  const needs = executionRoleNeeds(
    {
      containerDefinitions: [
        {
          name: 'web',
          image: '123456789012.dkr.ecr.eu-west-2.amazonaws.com/web:latest',
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/g', 'awslogs-stream-prefix': 'web', 'awslogs-region': 'eu-west-2' } },
          secrets: [{ name: 'A', valueFrom: 'arn:aws:ssm:eu-west-2:123456789012:parameter/app/A' }, { name: 'B', valueFrom: '/app/B' }],
        },
      ],
    },
    'eu-west-2',
    '123456789012',
  )
  assert.equal(needs.ecr[0], { action: 'ecr:GetAuthorizationToken', resource: '*' })
  assert.ok(needs.ecr.some((p) => p.action === 'ecr:BatchGetImage' && p.resource === 'arn:aws:ecr:eu-west-2:123456789012:repository/web'))
  assert.match(needs.logs[0].resource, /^arn:aws:logs:eu-west-2:123456789012:log-group:\/g:log-stream:web\/web\//)
  assert.equal(needs.parameters.map((p) => p.resource), ['arn:aws:ssm:eu-west-2:123456789012:parameter/app/A', 'arn:aws:ssm:eu-west-2:123456789012:parameter/app/B'])
  assert.is(platformArchitecture({}), 'amd64')
  assert.is(platformArchitecture({ runtimePlatform: { cpuArchitecture: 'ARM64' } }), 'arm64')
})

task('manifests and platforms: a list names its platforms, a single image needs its config', () => {
  const list = JSON.stringify({ mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ platform: { os: 'linux', architecture: 'arm64' } }, { platform: { os: 'unknown', architecture: 'unknown' } }] })
  const facts = parseManifest(list)
  assert.equal(facts, { kind: 'list', platforms: [{ os: 'linux', architecture: 'arm64' }] })
  assert.is(platformCheck('s', 'img', 'arm64', facts).verdict, 'pass')
  const wrong = platformCheck('s', 'img', 'amd64', facts)
  assert.is(wrong.verdict, 'fail')
  assert.match(wrong.detail, 'img is linux/arm64, the task runs on linux/amd64 ("exec format error" on Fargate)')
  assert.equal(parseManifest(JSON.stringify({ config: { digest: 'sha256:abc' } })), { kind: 'single', configDigest: 'sha256:abc' })
  assert.is(platformCheck('s', 'img', 'amd64', { kind: 'single', configDigest: 'sha256:abc' }).verdict, 'skip')
  assert.is(platformCheck('s', 'img', 'amd64', { kind: 'single', platform: { os: 'linux', architecture: 'amd64' } }).verdict, 'pass')
  assert.equal(parseManifest('not json'), { kind: 'unknown' })
})

task('ports: a range, all traffic or another source counts as open; a rule without source does not', () => {
  const ports = [{ protocol: 'tcp', port: 4567 }]
  const group = (permissions: object[]) => [{ name: 'sg', permissions }]
  assert.is(portsCheck('s', ports, group([{ IpProtocol: 'tcp', FromPort: 4000, ToPort: 5000, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }]), 'sg').verdict, 'pass')
  assert.is(portsCheck('s', ports, group([{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-1' }] }]), 'sg').verdict, 'pass')
  assert.is(portsCheck('s', ports, group([{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]), 'sg').verdict, 'fail')
  assert.is(portsCheck('s', ports, group([{ IpProtocol: 'udp', FromPort: 4567, ToPort: 4567, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]), 'sg').verdict, 'fail')
  assert.is(portsCheck('s', ports, [], 'crud-srv-sg').detail, 'security group crud-srv-sg does not exist: run ./scripts/ec2/create-security-group')
})

task('exec: off is skipped; a read-only root fails; AWS keys in the container are pointed out; no ssmmessages fails', () => {
  const granted = { name: 'R', exists: true, documents: [{ Statement: [{ Effect: 'Allow', Action: 'ssmmessages:*', Resource: '*' }] }] }
  const needed = EXEC_ACTIONS.map((action) => ({ action, resource: '*' }))
  assert.is(execCheck('s', false, 'f', granted, needed).verdict, 'skip')
  assert.is(execCheck('s', true, 'f', granted, needed).verdict, 'pass')
  const readOnly = execFacts({ containerDefinitions: [{ name: 'web', readonlyRootFilesystem: true }] })
  assert.match(execCheck('s', true, 'f', granted, needed, readOnly).detail, 'web has readonlyRootFilesystem')
  const keys = execFacts({ containerDefinitions: [{ name: 'web', secrets: [{ name: 'AWS_ACCESS_KEY_ID', valueFrom: '/x' }] }] })
  const withKeys = execCheck('s', true, 'f', granted, needed, keys)
  assert.is(withKeys.verdict, 'pass')
  assert.match(withKeys.detail, 'AWS_ACCESS_KEY_ID in web overrides the task role')
  assert.is(execCheck('s', true, 'f', { ...granted, documents: [] }, needed).verdict, 'fail')
  assert.is(execCheck('s', true, 'f', undefined, needed).verdict, 'fail')
})

const frontDoor = suite('verify: the front door checks (pure)')

const ROUTED: RoutedServiceFacts = {
  service: 'backend-flask',
  targetGroup: 'cruddur-backend-flask-tg',
  declaredPort: 4567,
  taskPort: 4567,
  taskFile: 'task-definitions/backend-flask.json',
  healthCheckPath: '/api/health-check',
}
const GROUP = { name: 'cruddur-backend-flask-tg', port: 4567, protocol: 'HTTP', healthCheckPath: '/api/health-check' }

frontDoor('target group: missing, port apart from the container, task definition apart from the declaration, unrouted, right', () => {
  const rows: Array<[RoutedServiceFacts | undefined, typeof GROUP | undefined, string, RegExp]> = [
    [ROUTED, GROUP, 'pass', /cruddur-backend-flask-tg exists on HTTP 4567/],
    [ROUTED, undefined, 'fail', /cruddur-backend-flask-tg does not exist.*: run \.\/scripts\/provision/],
    [ROUTED, { ...GROUP, port: 80 }, 'fail', /is on port 80, the container listens on 4567: .*delete cruddur-backend-flask-tg/],
    [{ ...ROUTED, taskPort: 5000 }, GROUP, 'fail', /task-definitions\/backend-flask\.json maps containerPort 5000 but json\/services\.json declares 4567/],
    [undefined, undefined, 'skip', /not routed by the front door/],
  ]
  for (const [routed, group, verdict, detail] of rows) {
    const r = targetGroupCheck('backend-flask', routed, group)
    assert.is(r.verdict, verdict, r.detail)
    assert.match(r.detail, detail)
    assert.not.match(r.detail, /\n/, 'one line')
  }
})

frontDoor('health check path: as declared, another path (the fix names it), no group to compare, unrouted', () => {
  assert.is(healthPathCheck('backend-flask', ROUTED, GROUP).verdict, 'pass')
  const wrong = healthPathCheck('backend-flask', ROUTED, { ...GROUP, healthCheckPath: '/' })
  assert.is(wrong.verdict, 'fail')
  assert.match(wrong.detail, /checks \/, json\/services\.json declares \/api\/health-check.*--health-check-path \/api\/health-check/)
  assert.is(healthPathCheck('backend-flask', ROUTED, undefined).verdict, 'skip')
  assert.is(healthPathCheck('backend-flask', undefined, undefined).verdict, 'skip')
})

frontDoor('certificate: ISSUED and covering every name, a wildcard for one label, pending, missing a name, none, no DOMAIN_NAME', () => {
  const names = ['cruddur.example.com', 'api.cruddur.example.com']
  const cert = { arn: 'arn:aws:acm:eu-west-2:1:certificate/x', status: 'ISSUED', names, source: "ACM's for cruddur.example.com" }
  assert.is(certificateCheck('s', true, 'cruddur.example.com', names, cert).verdict, 'pass')
  assert.is(certificateCheck('s', true, 'cruddur.example.com', names, { ...cert, names: ['cruddur.example.com', '*.cruddur.example.com'] }).verdict, 'pass')
  const pending = certificateCheck('s', true, 'cruddur.example.com', names, { ...cert, status: 'PENDING_VALIDATION' })
  assert.is(pending.verdict, 'fail')
  assert.match(pending.detail, /is PENDING_VALIDATION, not ISSUED/)
  const partial = certificateCheck('s', true, 'cruddur.example.com', names, { ...cert, names: ['cruddur.example.com'] })
  assert.is(partial.verdict, 'fail')
  assert.match(partial.detail, /covers cruddur\.example\.com, not api\.cruddur\.example\.com/)
  assert.match(certificateCheck('s', true, 'cruddur.example.com', names, undefined).detail, /no ACM certificate for cruddur\.example\.com/)
  assert.is(certificateCheck('s', true, undefined, [], undefined).verdict, 'skip')
  assert.is(certificateCheck('s', false, 'cruddur.example.com', names, undefined).verdict, 'skip')
  const covers: Array<[string, string, boolean]> = [
    ['*.example.com', 'api.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['API.Example.com', 'api.example.com', true],
  ]
  for (const [name, host, expected] of covers) assert.is(certificateCovers(name, host), expected, `${name} ~ ${host}`)
})

// ---------------------------------------------------------------- against moto

const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAVERIFY0000000001',
  AWS_SECRET_ACCESS_KEY: 'verify-secret-key',
  PROD_CONNECTION_URL: 'postgresql://cruddur:verify-db-pw@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'verify-rollbar',
  HONEYCOMB_API_KEY: 'verify-honeycomb',
  AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool',
  AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id',
  ECS_SERVICES: 'backend-flask',
}
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const iam = sdk.client(IAMClient, 'IAM')
const ecr = sdk.client(ECRClient, 'ECR')
const ecs = sdk.client(ECSClient, 'ECS')
const ec2 = sdk.client(EC2Client, 'EC2')
const ssm = sdk.client(SSMClient, 'SSM')
const logs = sdk.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')

const digest = (c: string) => `sha256:${c.repeat(64)}`
const imageIndex = (...architectures: string[]) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: architectures.map((architecture, i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 500 + i,
      digest: digest(String(i + 1)),
      platform: { os: 'linux', architecture },
    })),
  })
const singleManifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: digest('c') },
  layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 2811478, digest: digest('d') }],
})

const verify = (args: string[] = [], env: Record<string, string | undefined> = {}) => runKit('verify', args, { env: { ...ENV, ...env } })
const failing = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('✗')).map((l) => l.split(/\s{2,}/)[1])

/** The good state: the kit's own provision, and an image for linux/amd64 and arm64 under the task's tag. */
async function provisionWithImage(manifest = imageIndex('amd64', 'arm64')) {
  const r = await runKit('provision', [], { env: ENV })
  assert.is(r.code, 0, r.all)
  await ensureTargetGroups(['backend-flask'])
  await ecr.send(new PutImageCommand({ repositoryName: 'backend-flask', imageTag: 'latest', imageManifest: manifest }))
}

const elb = elbv2(sdk)
const acm = sdk.client(ACMClient, 'ACM')
const defaultSubnets = async () => (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets ?? []

/** The routed services' target groups as the front door's step makes them (HTTP, type ip, the declared port and health path), where provision has not. */
async function ensureTargetGroups(services: string[]) {
  const vpc = (await defaultSubnets())[0].VpcId
  const existing = await findTargetGroups(elb, services.map(targetGroupName))
  for (const d of declaredServices().filter((x) => services.includes(x.name) && x.frontDoor && !existing.has(targetGroupName(x.name)))) {
    await elb.send(new CreateTargetGroupCommand({ Name: targetGroupName(d.name), Protocol: 'HTTP', Port: d.containerPort, TargetType: 'ip', VpcId: vpc, HealthCheckPath: d.frontDoor!.healthCheckPath }))
  }
}

/** Wait (at most 30 s) until ACM says the certificate is ISSUED: the emulator issues after MOTO_ACM_VALIDATION_WAIT (3 s). */
async function issued(arn: string) {
  const until = Date.now() + 30_000
  while (Date.now() < until) {
    if ((await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate?.Status === 'ISSUED') return
    await new Promise((r) => setTimeout(r, 500))
  }
  assert.unreachable(`${arn} not ISSUED within 30 s`)
}

async function editExecutionPolicy(edit: (statements: Array<Record<string, unknown>>) => Array<Record<string, unknown>>) {
  const key = { RoleName: 'CruddurServiceExecutionRole', PolicyName: 'CruddurServiceExecutionPolicy' }
  const doc = decodePolicy((await iam.send(new GetRolePolicyCommand(key))).PolicyDocument) as { Statement: Array<Record<string, unknown>> }
  doc.Statement = edit(doc.Statement)
  await iam.send(new PutRolePolicyCommand({ ...key, PolicyDocument: JSON.stringify(doc) }))
}

const live = suite('scripts/verify against moto (backend-flask only unless said; good state from scripts/provision, one thing broken per test)')
live.before.each(async () => {
  await resetMoto()
  await provisionWithImage()
})

live('the provisioned stack with its image: every check passes, exit 0, one line per check', async () => {
  const r = await verify()
  assert.is(r.code, 0, r.all)
  const lines = r.stdout.trim().split('\n')
  assert.is(lines.length, 17, r.stdout)
  assert.equal(failing(r.stdout), [])
  assert.match(r.stdout, /✓ backend-flask\s+target group\s+cruddur-backend-flask-tg exists on HTTP 4567/)
  assert.match(r.stdout, /✓ backend-flask\s+health check path\s+cruddur-backend-flask-tg checks \/api\/health-check, as declared/)
  assert.match(r.stdout, /- backend-flask\s+certificate\s+no DOMAIN_NAME/)
  assert.match(r.stdout, /✓ backend-flask\s+image platform\s+\S+backend-flask:latest has a linux\/amd64 manifest/)
  assert.match(r.stdout, /✓ backend-flask\s+ports\s+tcp\/4567 open in crud-srv-sg/)
  assert.match(r.stdout, 'all 15 checks passed')
  assert.not.ok(r.all.includes('verify-db-pw'))
  const json = await verify(['--json'])
  assert.is(json.code, 0)
  const doc = JSON.parse(json.stdout) as VerifyDocument
  assert.is(doc.ok, true)
  assert.is(doc.failed, 0)
  assert.equal(
    doc.checks.map((c) => c.check),
    ['task definition', 'execution role', 'task role', 'pull from ECR', 'write logs', 'read parameters', 'ssm parameters', 'image', 'image platform', 'log group', 'cluster', 'ports', 'ecs exec', 'target group', 'health check path', 'certificate'],
  )
})

live('execution role not trusted by ecs-tasks: only that check fails, exit 1', async () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'CruddurServiceExecutionRole', PolicyDocument: JSON.stringify(trust) }))
  const r = await verify()
  assert.is(r.code, 1, r.all)
  assert.equal(failing(r.stdout), ['execution role'])
  assert.match(r.stdout, 'CruddurServiceExecutionRole does not trust ecs-tasks.amazonaws.com')
})

live('execution role without its ECR statements: only "pull from ECR" fails', async () => {
  await editExecutionPolicy((s) => s.filter((x) => x.Sid !== 'PullImagesFromEcr' && x.Sid !== 'EcrLogin'))
  const r = await verify()
  assert.is(r.code, 1, r.all)
  assert.equal(failing(r.stdout), ['pull from ECR'])
  assert.match(r.stdout, 'may not pull the image from ECR: ecr:GetAuthorizationToken on * (not granted)')
})

live('execution role allowed to write another log group only: only "write logs" fails', async () => {
  await editExecutionPolicy((s) => s.map((x) => (x.Sid === 'WriteContainerLogs' ? { ...x, Resource: 'arn:aws:logs:eu-west-2:123456789012:log-group:/other:*' } : x)))
  const r = await verify()
  assert.equal(failing(r.stdout), ['write logs'])
  assert.match(r.stdout, /logs:CreateLogStream on arn:aws:logs:eu-west-2:\d+:log-group:\/cruddur\/fargate-cluster:log-stream:backend-flask\//)
})

live('an explicit Deny on one parameter: only "read parameters" fails, saying denied', async () => {
  await editExecutionPolicy((s) => [...s, { Effect: 'Deny', Action: 'ssm:*', Resource: 'arn:aws:ssm:*:*:parameter/cruddur/backend-flask/CONNECTION_URL' }])
  const r = await verify()
  assert.equal(failing(r.stdout), ['read parameters'])
  assert.match(r.stdout, /ssm:GetParameters on arn:aws:ssm:eu-west-2:\d+:parameter\/cruddur\/backend-flask\/CONNECTION_URL \(explicitly denied\)/)
})

live('a deleted SSM parameter (GetParameters lists it in InvalidParameters, no error): only "ssm parameters" fails, naming it', async () => {
  await ssm.send(new DeleteParameterCommand({ Name: '/cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN' }))
  const r = await verify()
  assert.is(r.code, 1)
  assert.equal(failing(r.stdout), ['ssm parameters'])
  assert.match(r.stdout, '/cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN does not exist')
  assert.not.match(r.stdout, 'CONNECTION_URL does not exist')
})

live('the image tag not in ECR: only "image" fails, and no platform line', async () => {
  await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'backend-flask', imageIds: [{ imageTag: 'latest' }] }))
  const r = await verify()
  assert.equal(failing(r.stdout), ['image'])
  assert.match(r.stdout, 'backend-flask:latest is not in the registry')
  assert.not.match(r.stdout, 'image platform')
})

live('an image for arm64 only while the task runs on amd64: only "image platform" fails', async () => {
  await ecr.send(new PutImageCommand({ repositoryName: 'backend-flask', imageTag: 'latest', imageManifest: imageIndex('arm64') }))
  const r = await verify()
  assert.equal(failing(r.stdout), ['image platform'])
  assert.match(r.stdout, 'is linux/arm64, the task runs on linux/amd64')
})

live('the log group deleted: only "log group" fails', async () => {
  await logs.send(new DeleteLogGroupCommand({ logGroupName: '/cruddur/fargate-cluster' }))
  const r = await verify()
  assert.equal(failing(r.stdout), ['log group'])
  assert.match(r.stdout, '/cruddur/fargate-cluster does not exist')
})

live('the cluster deleted: only "cluster" fails', async () => {
  await ecs.send(new DeleteServiceCommand({ cluster: 'cruddur', service: 'backend-flask', force: true }))
  await ecs.send(new DeleteClusterCommand({ cluster: 'cruddur' }))
  const r = await verify()
  assert.equal(failing(r.stdout), ['cluster'])
  assert.match(r.stdout, /cruddur (is INACTIVE|does not exist): run .\/scripts\/ecs\/create-cluster/)
})

live("the container port's ingress revoked: only \"ports\" fails", async () => {
  const group = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }] }))).SecurityGroups?.[0]
  await ec2.send(
    // Every source of the port: the load balancer's group and the services' own (no address range since the front door).
    new RevokeSecurityGroupIngressCommand({ GroupId: group?.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, UserIdGroupPairs: group?.IpPermissions?.find((p) => p.FromPort === 4567)?.UserIdGroupPairs?.map((g) => ({ GroupId: g.GroupId })) }] }),
  )
  const r = await verify()
  assert.equal(failing(r.stdout), ['ports'])
  assert.match(r.stdout, 'tcp/4567 not open in crud-srv-sg')
})

live("exec on in the service file, the task role's ssmmessages policy removed: only \"ecs exec\" fails", async () => {
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'CruddurTaskRole', PolicyName: 'CruddurTaskPolicy' }))
  const r = await verify()
  assert.equal(failing(r.stdout), ['ecs exec'])
  assert.match(r.stdout, 'ssmmessages:CreateControlChannel on * (not granted)')
})

/** Delete a target group provision made: its load balancer's listeners forward to it, so they go first (ELB refuses otherwise). */
async function deleteTargetGroup(arn: string): Promise<void> {
  const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]
  for (const listener of (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }))).Listeners ?? []) {
    await elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }))
  }
  await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }))
}

live('the target group gone: only "target group" fails, the health path is not compared', async () => {
  const group = (await findTargetGroups(elb, ['cruddur-backend-flask-tg'])).get('cruddur-backend-flask-tg')!
  await deleteTargetGroup(group.TargetGroupArn!)
  const r = await verify()
  assert.is(r.code, 1, r.all)
  assert.equal(failing(r.stdout), ['target group'])
  assert.match(r.stdout, /cruddur-backend-flask-tg does not exist, so the load balancer cannot reach backend-flask: run \.\/scripts\/provision/)
  assert.match(r.stdout, /- backend-flask\s+health check path\s+cruddur-backend-flask-tg does not exist: nothing to compare/)
})

live('a target group on port 80 that checks /: "target group" and "health check path" fail, each with its fix', async () => {
  const group = (await findTargetGroups(elb, ['cruddur-backend-flask-tg'])).get('cruddur-backend-flask-tg')!
  await deleteTargetGroup(group.TargetGroupArn!)
  await elb.send(new CreateTargetGroupCommand({ Name: 'cruddur-backend-flask-tg', Protocol: 'HTTP', Port: 80, TargetType: 'ip', VpcId: group.VpcId, HealthCheckPath: '/' }))
  const r = await verify()
  assert.is(r.code, 1, r.all)
  assert.equal(failing(r.stdout), ['target group', 'health check path'])
  assert.match(r.stdout, 'cruddur-backend-flask-tg is on port 80, the container listens on 4567')
  assert.match(r.stdout, /cruddur-backend-flask-tg checks \/, json\/services\.json declares \/api\/health-check/)
})

live('DOMAIN_NAME: no certificate, then one pending (scripted ACM DescribeCertificate status over moto\'s answer), then ISSUED for both names; the HTTPS listener\'s certificate without api. fails', async () => {
  const domain = { DOMAIN_NAME: 'cruddur.example.com' }
  const none = await verify([], domain)
  assert.equal(failing(none.stdout), ['certificate'])
  assert.match(none.stdout, /no ACM certificate for cruddur\.example\.com in the region: run \.\/scripts\/provision with DOMAIN_NAME set/)

  const both = (await acm.send(new RequestCertificateCommand({ DomainName: 'cruddur.example.com', SubjectAlternativeNames: ['api.cruddur.example.com'], ValidationMethod: 'DNS' }))).CertificateArn!
  const proxy = await startScriptedProxy(motoUrl, ({ action }) =>
    action === 'DescribeCertificate' ? { edit: (up) => ({ ...up, Certificate: { ...(up.Certificate as object), Status: 'PENDING_VALIDATION' } }) } : undefined,
  )
  try {
    const pending = await verify([], { ...domain, AWS_ENDPOINT_URL: proxy.url })
    assert.equal(failing(pending.stdout), ['certificate'], pending.all)
    assert.match(pending.stdout, /ACM's for cruddur\.example\.com certificate is PENDING_VALIDATION, not ISSUED/)
    assert.ok(proxy.answered.includes('DescribeCertificate'))
  } finally {
    await proxy.stop()
  }
  await issued(both)
  const good = await verify([], domain)
  assert.is(good.code, 0, good.all)
  assert.match(good.stdout, /✓ backend-flask\s+certificate\s+ACM's for cruddur\.example\.com certificate is ISSUED for cruddur\.example\.com, api\.cruddur\.example\.com/)

  // The listener holds a certificate for the domain alone: that is the one HTTPS serves, whatever else ACM has.
  const apex = (await acm.send(new RequestCertificateCommand({ DomainName: 'cruddur.example.com', ValidationMethod: 'DNS' }))).CertificateArn!
  await issued(apex)
  const subnets = (await defaultSubnets()).slice(0, 2)
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'cruddur-alb', Scheme: 'internet-facing', Type: 'application', Subnets: subnets.map((x) => x.SubnetId!) }))).LoadBalancers![0]
  const group = (await findTargetGroups(elb, ['cruddur-backend-flask-tg'])).get('cruddur-backend-flask-tg')!
  await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn,
      Protocol: 'HTTPS',
      Port: 443,
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: apex }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: group.TargetGroupArn }],
    }),
  )
  const partial = await verify([], domain)
  assert.is(partial.code, 1, partial.all)
  assert.equal(failing(partial.stdout), ['certificate'])
  assert.match(partial.stdout, /the HTTPS listener's \(443\) certificate covers cruddur\.example\.com, not api\.cruddur\.example\.com/)
})

live('a variable the template needs unset: "task definition" fails naming it, the other checks still run', async () => {
  const r = await verify([], { AWS_COGNITO_USER_POOL_ID: undefined })
  assert.is(r.code, 1)
  assert.equal(failing(r.stdout), ['task definition'])
  assert.match(r.stdout, 'no value for AWS_COGNITO_USER_POOL_ID')
  assert.is(r.stdout.trim().split('\n').length, 17)
})

live('a single-arch image whose config says arm64 (scripted ECR GetDownloadUrlForLayer and a local blob server: the registry\'s own API, which moto lacks)', async () => {
  await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'backend-flask', imageIds: [{ imageTag: 'latest' }] }))
  await ecr.send(new PutImageCommand({ repositoryName: 'backend-flask', imageTag: 'latest', imageManifest: singleManifest }))
  let architecture = 'arm64'
  const blobs = createServer((req, res) => {
    if (req.url === `/blobs/${digest('c')}`) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(JSON.stringify({ architecture, os: 'linux', config: {} }))
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => blobs.listen(0, '127.0.0.1', resolve))
  const blobUrl = `http://127.0.0.1:${(blobs.address() as AddressInfo).port}/blobs/`
  const proxy = await startScriptedProxy(motoUrl, ({ action, body }) =>
    action === 'GetDownloadUrlForLayer' ? { json: { downloadUrl: blobUrl + (body as { layerDigest: string }).layerDigest, layerDigest: (body as { layerDigest: string }).layerDigest } } : undefined,
  )
  try {
    const r = await verify([], { AWS_ENDPOINT_URL: proxy.url })
    assert.equal(failing(r.stdout), ['image platform'], r.all)
    assert.match(r.stdout, 'is linux/arm64, the task runs on linux/amd64')
    assert.ok(proxy.answered.includes('GetDownloadUrlForLayer'))
    architecture = 'amd64'
    const good = await verify([], { AWS_ENDPOINT_URL: proxy.url })
    assert.is(good.code, 0, good.all)
  } finally {
    await proxy.stop()
    blobs.closeAllConnections()
    blobs.close()
  }
})

live('a single-arch image and no registry API (bare moto): the platform is not checked, said so, and does not fail', async () => {
  await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'backend-flask', imageIds: [{ imageTag: 'latest' }] }))
  await ecr.send(new PutImageCommand({ repositoryName: 'backend-flask', imageTag: 'latest', imageManifest: singleManifest }))
  const r = await verify()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /- backend-flask\s+image platform\s+no manifest to read .*linux\/amd64 not checked/)
})

live('ssm:GetParameters refused to the caller (scripted SSM AccessDeniedException): only "ssm parameters" fails, saying it could not be read', async () => {
  const proxy = await startScriptedProxy(motoUrl, ({ action }) =>
    action === 'GetParameters'
      ? { status: 400, json: { __type: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/student is not authorized to perform: ssm:GetParameters' } }
      : undefined,
  )
  try {
    const r = await verify([], { AWS_ENDPOINT_URL: proxy.url })
    assert.is(r.code, 1, r.all)
    assert.equal(failing(r.stdout), ['ssm parameters'])
    assert.match(r.stdout, /ssm parameters\s+could not be read: .*not authorized to perform: ssm:GetParameters/)
  } finally {
    await proxy.stop()
  }
})

live('both declared services (no ECS_SERVICES): each gets its own checks; the frontend has no parameters to check', async () => {
  const all = { ECS_SERVICES: undefined }
  const provisioned = await runKit('provision', [], { env: { ...ENV, ...all } })
  assert.is(provisioned.code, 0, provisioned.all)
  await ensureTargetGroups(['backend-flask', 'frontend-react-js'])
  await ecr.send(new PutImageCommand({ repositoryName: 'frontend-react-js', imageTag: 'latest', imageManifest: imageIndex('amd64') }))
  const r = await verify([], all)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /✓ frontend-react-js\s+ports\s+tcp\/3000 open in crud-srv-sg/)
  assert.match(r.stdout, /- frontend-react-js\s+ssm parameters\s+the task definition names no SSM parameter/)
  assert.match(r.stdout, /✓ backend-flask\s+ports\s+tcp\/4567 open/)
  assert.match(r.stdout, /✓ frontend-react-js\s+target group\s+cruddur-frontend-react-js-tg exists on HTTP 3000/)
  assert.match(r.stdout, /✓ frontend-react-js\s+health check path\s+cruddur-frontend-react-js-tg checks \/, as declared/)
  const one = await verify(['frontend-react-js'], all)
  assert.not.match(one.stdout, 'backend-flask ')
})

const usage = suite('scripts/verify: usage')
usage('a service that is not a name, or is not declared: exit 2 before any AWS call', async () => {
  const r = await verify(['../../etc/passwd'])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'service "../../etc/passwd" is not a service name')
  const none = await verify(['no-such-service'])
  assert.is(none.code, 2)
  assert.match(none.stderr, 'service "no-such-service" is not declared in json/services.json (available: backend-flask, frontend-react-js)')
})

policy.run()
task.run()
frontDoor.run()
live.run()
usage.run()
