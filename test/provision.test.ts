import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2'
import { DescribeRepositoriesCommand, ECRClient, PutImageScanningConfigurationCommand } from '@aws-sdk/client-ecr'
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs'
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam'
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { openContext } from '../lib/aws/context.js'
import { killWhileHeld, recordingProxy } from './helpers/aws-proxy.js'
import { freePort } from './helpers/net.js'
import { runKit } from './helpers/run.js'
import type { KitCopy } from './helpers/kit.js'
import { withServices } from './helpers/services.js'

const CANARY = {
  AWS_ACCESS_KEY_ID: 'AKIACANARY0000000001',
  AWS_SECRET_ACCESS_KEY: 'canary-secret-key-5b1e',
  PROD_CONNECTION_URL: 'postgresql://cruddur:canary-db-pw-7c2d@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'canary-rollbar-9e4f',
  HONEYCOMB_API_KEY: 'canary-honeycomb-3a8b',
}
const CANARY_FRAGMENTS = [...Object.values(CANARY), 'canary-db-pw-7c2d']
const TASK_ENV = { AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool', AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id' }

const motoUrl = process.env.AWS_ENDPOINT_URL as string
// The SDK signs with the guard's fake credentials; the scripts get the canaries as their own.
const sdk = { ...process.env, AWS_ENDPOINT_URL: motoUrl }
const sdkContext = await openContext(sdk, { mode: 'read-only' })
const logs = sdkContext.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
const ec2 = sdkContext.client(EC2Client, 'EC2')
const ecr = sdkContext.client(ECRClient, 'ECR')
const ecs = sdkContext.client(ECSClient, 'ECS')
const iam = sdkContext.client(IAMClient, 'IAM')
const ssm = sdkContext.client(SSMClient, 'SSM')

const provision = (args: string[] = [], env: Record<string, string | undefined> = {}, kit?: KitCopy) =>
  runKit('provision', args, { env: { ...CANARY, ...TASK_ENV, AWS_ENDPOINT_URL: proxy.url, ...env }, root: kit?.root })

const assertNoCanary = (output: string) => {
  for (const canary of CANARY_FRAGMENTS) assert.not.ok(output.includes(canary), `secret ${canary.slice(0, 12)}… leaked`)
}

const test = suite('provision (against moto, through a recording proxy)')
const proxy = recordingProxy(test, motoUrl)

test('a full provision creates every resource with the right settings', async () => {
  const r = await provision()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /\d+ created, 0 updated, 0 unchanged/)
  assertNoCanary(r.all)

  const group = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/cruddur/fargate-cluster' }))).logGroups?.[0]
  assert.is(group?.retentionInDays, 1)

  const repos = (await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []
  assert.equal(repos.map((x) => x.repositoryName).sort(), ['backend-flask', 'cruddur-python', 'frontend-react-js'])
  assert.ok(repos.every((x) => x.imageScanningConfiguration?.scanOnPush === true && x.imageTagMutability === 'MUTABLE'))

  const header = await ssm.send(new GetParameterCommand({ Name: '/cruddur/backend-flask/OTEL_EXPORTER_OTLP_HEADERS', WithDecryption: true }))
  assert.is(header.Parameter?.Value, `x-honeycomb-team=${CANARY.HONEYCOMB_API_KEY}`)
  assert.is(header.Parameter?.Type, 'SecureString')
  const url = await ssm.send(new GetParameterCommand({ Name: '/cruddur/backend-flask/CONNECTION_URL', WithDecryption: true }))
  assert.is(url.Parameter?.Value, CANARY.PROD_CONNECTION_URL)

  const taskRole = await iam.send(new GetRoleCommand({ RoleName: 'CruddurTaskRole' }))
  assert.match(decodeURIComponent(taskRole.Role?.AssumeRolePolicyDocument ?? ''), 'ecs-tasks.amazonaws.com')
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'CruddurTaskRole' }))).AttachedPolicies ?? []
  assert.equal(attached.map((p) => p.PolicyName), ['AWSXRayDaemonWriteAccess'])

  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'backend-flask' }))).taskDefinition
  assert.is(td?.revision, 1)
  assert.is(td?.taskRoleArn, 'arn:aws:iam::123456789012:role/CruddurTaskRole')
  assert.is(td?.executionRoleArn, 'arn:aws:iam::123456789012:role/CruddurServiceExecutionRole')
  const container = td?.containerDefinitions?.[0]
  assert.is(container?.logConfiguration?.options?.['awslogs-group'], '/cruddur/fargate-cluster')
  assert.is(container?.image, '123456789012.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:latest')
  assert.is(
    container?.secrets?.find((s) => s.name === 'CONNECTION_URL')?.valueFrom,
    'arn:aws:ssm:eu-west-2:123456789012:parameter/cruddur/backend-flask/CONNECTION_URL',
  )

  const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }] }))).SecurityGroups?.[0]
  const albSg = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['cruddur-alb-sg'] }] }))).SecurityGroups?.[0]
  // The container ports are reached through the load balancer (and by the services themselves), never from an address range.
  assert.equal(
    sg?.IpPermissions?.map((p) => [p.IpProtocol, p.FromPort, [...(p.IpRanges ?? []), ...(p.Ipv6Ranges ?? [])].length, p.UserIdGroupPairs?.map((x) => x.GroupId).sort()]).sort(),
    [['tcp', 3000, 0, [albSg?.GroupId, sg?.GroupId].sort()], ['tcp', 4567, 0, [albSg?.GroupId, sg?.GroupId].sort()]],
  )
  // No long-lived keys in the backend's container, nor stored for it.
  assert.equal(container?.secrets?.map((s) => s.name), ['CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN', 'OTEL_EXPORTER_OTLP_HEADERS'])
  const key = await ssm.send(new GetParameterCommand({ Name: '/cruddur/backend-flask/AWS_ACCESS_KEY_ID' })).catch((e: Error) => e)
  assert.is((key as Error).name, 'ParameterNotFound')
  // The frontend: its own task definition (port 3000, its own log stream prefix) and service.
  const frontend = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'frontend-react-js' }))).taskDefinition
  assert.is(frontend?.containerDefinitions?.[0]?.portMappings?.[0]?.containerPort, 3000)
  assert.is(frontend?.containerDefinitions?.[0]?.logConfiguration?.options?.['awslogs-stream-prefix'], 'frontend-react-js')
  assert.equal(frontend?.containerDefinitions?.[0]?.healthCheck?.command, ['CMD-SHELL', 'curl -f http://localhost:3000 || exit 1'])
  const both = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask', 'frontend-react-js'] }))).services ?? []
  assert.equal(both.map((s) => [s.serviceName, s.status]), [['backend-flask', 'ACTIVE'], ['frontend-react-js', 'ACTIVE']])

  const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]
  assert.is(service?.status, 'ACTIVE')
  assert.equal(service?.networkConfiguration?.awsvpcConfiguration?.securityGroups, [sg?.GroupId])
  assert.ok((service?.networkConfiguration?.awsvpcConfiguration?.subnets?.length ?? 0) > 0)
})

test('a second run makes no mutating API call and reports everything unchanged', async () => {
  assert.is((await provision()).code, 0)
  proxy.reset()
  const r = await provision()
  assert.is(r.code, 0, r.all)
  assert.equal(proxy.mutations(), [])
  assert.match(r.stdout, /^0 created, 0 updated, \d+ unchanged/m)
  assert.ok(proxy.calls.length > 0, 'the proxy saw the run')
})

test('drifted state converges: scan-on-push off, missing ingress, changed secret, edited task definition', async () => {
  assert.is((await provision()).code, 0)
  await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: 'backend-flask', imageScanningConfiguration: { scanOnPush: false } }))
  const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }] }))).SecurityGroups?.[0]
  await ec2.send(
    new RevokeSecurityGroupIngressCommand({ GroupId: sg?.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, UserIdGroupPairs: [{ GroupId: sg?.GroupId }] }] }),
  )
  const r = await provision([], { ROLLBAR_ACCESS_TOKEN: 'canary-rollbar-rotated-1d0c', IMAGE_TAG: 'v2' })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+ecr repository backend-flask/)
  assert.match(r.stdout, /updated\s+ssm parameter \/cruddur\/backend-flask\/ROLLBAR_ACCESS_TOKEN/)
  assert.not.ok(r.all.includes('canary-rollbar-rotated-1d0c'))

  const repo = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['backend-flask'] }))).repositories?.[0]
  assert.is(repo?.imageScanningConfiguration?.scanOnPush, true)
  const after = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sg?.GroupId as string] }))).SecurityGroups?.[0]
  assert.equal(after?.IpPermissions?.map((p) => [p.FromPort, p.UserIdGroupPairs?.length]).sort(), [[3000, 2], [4567, 2]])
  const token = await ssm.send(new GetParameterCommand({ Name: '/cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN', WithDecryption: true }))
  assert.is(token.Parameter?.Value, 'canary-rollbar-rotated-1d0c')
  const revisions = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'backend-flask' }))).taskDefinitionArns ?? []
  assert.is(revisions.length, 2)
  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'backend-flask' }))).taskDefinition
  assert.match(td?.containerDefinitions?.[0]?.image ?? '', /:v2$/)

  proxy.reset()
  const again = await provision([], { ROLLBAR_ACCESS_TOKEN: 'canary-rollbar-rotated-1d0c', IMAGE_TAG: 'v2' })
  assert.is(again.code, 0)
  assert.equal(proxy.mutations(), [])
})

test('a new revision the service does not run yet is said, with how to roll it out (not a plain "unchanged")', async () => {
  assert.is((await provision()).code, 0)
  const r = await provision([], { IMAGE_TAG: 'v2', ECS_SERVICES: 'backend-flask' })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+task definition backend-flask: backend-flask:2/)
  assert.match(r.stdout, /warning:\s+runs backend-flask:1, not the latest backend-flask:2: roll it out with \.\/scripts\/deploy backend-flask/)
})

test('two provisions at once: the second waits for the first, and no revision is registered twice', async () => {
  const [a, b] = await Promise.all([provision(), provision()])
  assert.is(a.code, 0, a.all)
  assert.is(b.code, 0, b.all)
  assert.match(a.all + b.all, /waiting for another provision \(pid \d+/)
  for (const family of ['backend-flask', 'frontend-react-js']) {
    const arns = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns ?? []
    assert.is(arns.length, 1, `${family}: ${arns.join(', ')}`)
  }
})

test('--dry-run on an empty account plans every resource and calls nothing that changes', async () => {
  const r = await provision(['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would create\s+ecs service backend-flask/)
  assert.match(r.stdout, /^plan: \d+ to create, 0 to update, 0 unchanged/m)
  assert.equal(proxy.mutations(), [])
  assertNoCanary(r.all)
})

test('--json is one JSON document with every step and the summary, secrets masked', async () => {
  const r = await provision(['--json'])
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout)
  assert.is(doc.summary.failed, 0)
  assert.ok(doc.summary.created >= 15)
  assert.ok(doc.steps.some((s: { id: string }) => s.id === 'ecs/create-service:backend-flask'))
  assertNoCanary(r.all)
  const planned = await provision(['--json', '--dry-run'])
  assert.is(JSON.parse(planned.stdout).summary.created, 0)
  assertNoCanary(planned.all)
})

const nothingCreated = async () => {
  assert.equal(proxy.mutations(), [])
  assert.equal((await ecr.send(new DescribeRepositoriesCommand({}))).repositories, [])
}

test('a missing secret: exit 2, one line naming it, nothing created', async () => {
  const r = await provision([], { HONEYCOMB_API_KEY: undefined, ROLLBAR_ACCESS_TOKEN: '' })
  assert.is(r.code, 2)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /HONEYCOMB_API_KEY/)
  assert.match(r.stderr, /ROLLBAR_ACCESS_TOKEN/)
  assert.match(r.stderr, /nothing was changed/)
  await nothingCreated()
})

test('an unknown placeholder and malformed JSON: named with the file, nothing created', async () => {
  const td = JSON.stringify({ family: 'zz-test-broken', containerDefinitions: [{ name: 'x', image: '${NO_SUCH_SETTING_XYZ}' }] })
  const svc = '{\n  "serviceName": "zz-test-broken",\n  "cluster": }\n'
  await withServices({ 'zz-test-broken': { containerPort: 8080 } }, { 'task-definitions/zz-test-broken.json': td, 'json/service-zz-test-broken.json': svc }, async (kit) => {
    const r = await provision([], { ECS_SERVICES: 'zz-test-broken' }, kit)
    assert.is(r.code, 2, r.all)
    assert.match(r.stderr, /task-definitions\/zz-test-broken\.json: no value for \$\{NO_SUCH_SETTING_XYZ\} \(set NO_SUCH_SETTING_XYZ/)
    assert.match(r.stderr, /json\/service-zz-test-broken\.json:3:\d+: malformed JSON/)
    assert.not.match(r.all, /\n\s+at /)
    await nothingCreated()
  })
})

test('a third service, declared plus two JSON files, is provisioned with no code change (and its opt-in keys are warned about)', async () => {
  const worker = {
    'kit-test-worker': {
      description: 'a queue worker',
      containerPort: 8080,
      shell: '/bin/sh',
      awsKeys: true,
      parameters: [{ name: 'WORKER_TOKEN', from: 'KIT_TEST_WORKER_TOKEN', secret: true, description: 'the queue token' }],
    },
  }
  const secret = (name: string) => ({ name, valueFrom: `\${SSM_PARAMETER_ARN_PREFIX}/kit-test-worker/${name}` })
  const taskDefinition = {
    family: 'kit-test-worker',
    executionRoleArn: '${EXECUTION_ROLE_ARN}',
    taskRoleArn: '${TASK_ROLE_ARN}',
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [
      {
        name: 'kit-test-worker',
        image: '${ECR_REGISTRY}/kit-test-worker:${IMAGE_TAG}',
        essential: true,
        portMappings: [{ name: 'kit-test-worker', containerPort: 8080, protocol: 'tcp' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '${LOG_GROUP}', 'awslogs-region': '${REGION}', 'awslogs-stream-prefix': 'kit-test-worker' } },
        secrets: [secret('AWS_ACCESS_KEY_ID'), secret('AWS_SECRET_ACCESS_KEY'), secret('WORKER_TOKEN')],
      },
    ],
  }
  const service = {
    cluster: '${CLUSTER}',
    launchType: 'FARGATE',
    desiredCount: 1,
    networkConfiguration: { awsvpcConfiguration: { assignPublicIp: 'ENABLED', securityGroups: ['${SECURITY_GROUP_ID}'], subnets: '${SUBNET_IDS}' } },
    serviceName: 'kit-test-worker',
    taskDefinition: 'kit-test-worker',
  }
  const files = { 'task-definitions/kit-test-worker.json': JSON.stringify(taskDefinition, null, 2), 'json/service-kit-test-worker.json': JSON.stringify(service, null, 2) }
  const token = { KIT_TEST_WORKER_TOKEN: 'canary-worker-token-61d0' }
  await withServices(worker, files, async (kit) => {
    const plan = await provision(['--dry-run'], token, kit)
    assert.is(plan.code, 0, plan.all)
    assert.match(plan.stdout, /warning:\s+kit-test-worker opts in to long-lived AWS keys/)
    const r = await provision([], token, kit)
    assert.is(r.code, 0, r.all)
    assert.not.ok(r.all.includes('canary-worker-token-61d0'), 'the worker token leaked')
    assertNoCanary(r.all)

    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'kit-test-worker' }))).taskDefinition
    assert.is(td?.containerDefinitions?.[0]?.portMappings?.[0]?.containerPort, 8080)
    const services = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask', 'frontend-react-js', 'kit-test-worker'] }))).services ?? []
    assert.equal(services.map((s) => s.status), ['ACTIVE', 'ACTIVE', 'ACTIVE'])
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }] }))).SecurityGroups?.[0]
    assert.equal(sg?.IpPermissions?.map((p) => p.FromPort).sort(), [3000, 4567, 8080])
    const stored = await ssm.send(new GetParameterCommand({ Name: '/cruddur/kit-test-worker/WORKER_TOKEN', WithDecryption: true }))
    assert.is(stored.Parameter?.Value, token.KIT_TEST_WORKER_TOKEN)
    const key = await ssm.send(new GetParameterCommand({ Name: '/cruddur/kit-test-worker/AWS_ACCESS_KEY_ID', WithDecryption: true }))
    assert.is(key.Parameter?.Value, CANARY.AWS_ACCESS_KEY_ID)

    proxy.reset()
    const again = await provision([], token, kit)
    assert.is(again.code, 0, again.all)
    assert.equal(proxy.mutations(), [])
  })
})

test('an unreachable endpoint: exit 1, one clear line, nothing created', async () => {
  const closed = await freePort()
  const r = await provision([], { AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}`, AWS_MAX_ATTEMPTS: '2' })
  assert.is(r.code, 1)
  assert.match(r.stderr, `cannot reach 127.0.0.1:${closed} (connection refused)`)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  await nothingCreated()
})

test('transient faults: 503s and throttling are retried and the run succeeds', async () => {
  proxy.inject({ match: (c) => c.action === 'CreateRepository', times: 2, kind: '503' })
  proxy.inject({ match: (c) => c.action === 'PutParameter', times: 2, kind: 'throttle' })
  proxy.inject({ match: (c) => c.action === 'CreateRole', times: 1, kind: 'throttle' })
  const r = await provision()
  assert.is(r.code, 0, r.all)
  const repos = (await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []
  assert.is(repos.length, 3)
  const creates = proxy.calls.filter((c) => c.action === 'CreateRepository').length
  assert.is(creates, 5, 'three creates plus two retried')
})

test('a run killed half-way and started again converges', async () => {
  // Hold the task-definition registrations (one per service) unanswered, kill provision while it waits, then answer them.
  await killWhileHeld(proxy, 'provision', { ...CANARY, ...TASK_ENV }, { action: 'RegisterTaskDefinition', times: 2 })
  proxy.release()
  assert.is((await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.length ?? 0, 0)

  const r = await provision()
  assert.is(r.code, 0, r.all)
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]
  assert.is(service?.status, 'ACTIVE')
  proxy.reset()
  assert.is((await provision()).code, 0)
  assert.equal(proxy.mutations(), [])
})

test('provision --help lists the variables it reads', async () => {
  const r = await runKit('provision', ['--help'])
  assert.is(r.code, 0)
  for (const name of ['HONEYCOMB_API_KEY', 'AWS_COGNITO_USER_POOL_ID', 'INGRESS_CIDR', '--dry-run', '--json']) assert.match(r.stdout, name)
})

test.run()
