import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CloudWatchLogsClient, DeleteRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2'
import { ECRClient, PutImageScanningConfigurationCommand } from '@aws-sdk/client-ecr'
import { ECSClient, RegisterTaskDefinitionCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, UpdateServiceCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { AttachRolePolicyCommand, DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam'
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { openContext } from '../lib/aws/context.js'
import {
  formatInventory,
  formatServices,
  itemsFromReports,
  serviceStatus,
  statusReport,
  taskStatus,
  type StatusDocument,
} from '../lib/ops/inventory.js'
import { startAwsProxy } from './helpers/aws-proxy.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { startScriptedProxy } from './helpers/scripted-proxy.js'
import { createFrontDoor } from './helpers/deploy-fixture.js'
import { targetHealthXml, TARGET } from '../lib/aws/rollout-emulator.js'
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'

// ---------------------------------------------------------------- pure parts

const pure = suite('status: items, tasks and lines (pure)')

pure("a step's outcomes become states: would create = missing, would update = drifted; errors and skips are not ok", () => {
  const items = itemsFromReports([
    {
      id: 'a',
      title: 'A',
      seconds: 0,
      changes: [
        { resource: 'log group', name: '/g', outcome: 'created', detail: 'retention 1 day' },
        { resource: 'log group', name: '/h', outcome: 'updated', detail: 'retention 1 day (was never expire)' },
        { resource: 'ecs service', name: 's', outcome: 'unchanged', detail: 'in cluster c; drifted from json/service-s.json (left as is): desiredCount 0 (file: 1)' },
      ],
    },
    { id: 'b', title: 'B', seconds: 0, changes: [], error: 'AccessDenied' },
    { id: 'c', title: 'C', seconds: 0, changes: [], error: 'skipped: b failed', skipped: true },
  ])
  assert.equal(items.map((i) => i.state), ['missing', 'drifted', 'ok', 'error', 'unchecked'])
  assert.is(items[2].notice, true)
  const lines = formatInventory(items)
  assert.match(lines[0], /^ {2}✗ log group \/g\s+missing: retention 1 day$/)
  assert.match(lines[1], /drifted: retention 1 day \(was never expire\)$/)
  assert.match(lines[2], /^ {2}! ecs service s\s+in cluster c; drifted/)
  assert.match(lines[3], /^ {2}✗ B\s+error: AccessDenied$/)
})

const T0 = new Date('2026-11-27T09:00:00Z')
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60000)

pure('a task: its ENI gives the public IP, each container its digest; a service: the last 5 events oldest first, a newer revision noted', () => {
  const task = taskStatus(
    {
      taskArn: 'arn:aws:ecs:eu-west-2:123456789012:task/cruddur/0f3c1e2d9b8a4c7e8f6a5b4c3d2e1f00',
      taskDefinitionArn: 'arn:aws:ecs:eu-west-2:123456789012:task-definition/backend-flask:3',
      lastStatus: 'RUNNING',
      healthStatus: 'HEALTHY',
      attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'networkInterfaceId', value: 'eni-1' }, { name: 'privateIPv4Address', value: '172.31.5.9' }] }],
      containers: [{ name: 'backend-flask', imageDigest: `sha256:${'ab'.repeat(32)}`, healthStatus: 'HEALTHY', lastStatus: 'RUNNING' }],
    },
    new Map([['eni-1', '18.130.1.2']]),
  )
  assert.is(task.publicIp, '18.130.1.2')
  assert.is(task.privateIp, '172.31.5.9')
  assert.is(task.taskDefinition, 'backend-flask:3')
  const events = Array.from({ length: 7 }, (_, i) => ({ createdAt: at(10 - i), message: `event ${7 - i}` }))
  const service = serviceStatus(
    'backend-flask',
    {
      serviceName: 'backend-flask',
      status: 'ACTIVE',
      taskDefinition: 'arn:aws:ecs:eu-west-2:123456789012:task-definition/backend-flask:3',
      desiredCount: 1,
      runningCount: 1,
      pendingCount: 0,
      deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', rolloutState: 'COMPLETED', taskDefinition: 'arn:aws:ecs:eu-west-2:123456789012:task-definition/backend-flask:3', desiredCount: 1, runningCount: 1 }],
      events,
    },
    [task],
    'backend-flask:4',
  )
  assert.equal(service.events.map((e) => e.message), ['event 3', 'event 4', 'event 5', 'event 6', 'event 7'])
  assert.is(service.latestRevision, 'backend-flask:4')
  const lines = formatServices([service, serviceStatus('frontend-react-js', undefined, [])])
  assert.is(lines[0], 'backend-flask: ACTIVE, backend-flask:3 (latest is backend-flask:4: not rolled out yet), running 1 / pending 0 / desired 1')
  assert.is(lines[1], '  deployment PRIMARY COMPLETED, backend-flask:3: running 1 / pending 0 / desired 1')
  assert.is(lines[2], `  task 0f3c1e2d9b8a RUNNING HEALTHY, backend-flask:3, public 18.130.1.2, backend-flask sha256:abababababab…`)
  assert.is(lines.at(-1), 'frontend-react-js: not created (./scripts/provision creates it)')
  assert.is(serviceStatus('x', { status: 'ACTIVE', taskDefinition: 'arn:aws:ecs:r:1:task-definition/x:2' }, [], 'x:2').latestRevision, undefined)
})

// ---------------------------------------------------------------- against moto

const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIASTATUS000000001',
  AWS_SECRET_ACCESS_KEY: 'status-secret-key',
  PROD_CONNECTION_URL: 'postgresql://cruddur:status-db-pw@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'status-rollbar',
  HONEYCOMB_API_KEY: 'status-honeycomb',
  AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool',
  AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id',
  ECS_SERVICES: 'backend-flask',
}
const SECRETS = ['status-secret-key', 'status-db-pw', 'status-rollbar', 'status-honeycomb']
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const iam = sdk.client(IAMClient, 'IAM')
const ecr = sdk.client(ECRClient, 'ECR')
const ecs = sdk.client(ECSClient, 'ECS')
const ec2 = sdk.client(EC2Client, 'EC2')
const ssm = sdk.client(SSMClient, 'SSM')
const logs = sdk.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')

const status = (args: string[] = [], env: Record<string, string | undefined> = {}) => runKit('status', args, { env: { ...ENV, ...env } })
const provision = async () => {
  // The load balancer and the target group, by the kit's names, as the front-door steps make them
  // (until they do: the service step needs the target group to exist).
  await createFrontDoor(sdk, ['backend-flask'])
  const r = await runKit('provision', [], { env: ENV })
  assert.is(r.code, 0, r.all)
}
const line = (stdout: string, text: string) => stdout.split('\n').find((l) => l.includes(text)) ?? `(no line with ${text})`

const live = suite('scripts/status against moto (backend-flask only; good state from scripts/provision)')
live.before.each(() => resetMoto())

live('an empty account: every resource missing, the service not created, exit 1', async () => {
  const r = await status()
  assert.is(r.code, 1, r.all)
  assert.match(line(r.stdout, 'log group /cruddur/fargate-cluster'), /✗ .*missing: retention 1 day/)
  assert.match(line(r.stdout, 'ecs service backend-flask'), /✗ .*missing/)
  assert.match(r.stdout, 'backend-flask: not created')
  // The cost module's figure for what runs now: nothing.
  assert.match(r.stdout, /^monthly cost now: \$\d+\.\d\d/m)
})

live('after provision: all 30 resources ok (17 before the front door, auto scaling and rollback alarms: the load balancer\'s group with 2 rules, the load balancer, the target group, a second rule on the services’ group, the listener and its rule, 3 alarms, the scalable target and its policy), exit 0; reads only (no mutating call); --json has the documented shape', async () => {
  await provision()
  const proxy = await startAwsProxy(motoUrl)
  try {
    const r = await status([], { AWS_ENDPOINT_URL: proxy.url })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, 'all 30 resources as provision would leave them')
    assert.not.match(r.stdout, /^ {2}[✗?]/m)
    assert.match(r.stdout, /backend-flask: ACTIVE, backend-flask:1, running 0 \/ pending \d+ \/ desired 1/)
    assert.match(r.stdout, '  tasks: none running')
    // Each rollback alarm with its state (moto makes them OK).
    assert.match(r.stdout, /^  ✓ alarm cruddur-backend-flask-5xx: OK$/m)
    assert.match(r.stdout, /^  ✓ alarm cruddur-backend-flask-tasks-below-desired: OK$/m)
    assert.equal(proxy.mutations(), [])
    for (const secret of SECRETS) assert.not.ok(r.all.includes(secret), 'a secret leaked')
  } finally {
    await proxy.stop()
  }
  const json = await status(['--json'])
  assert.is(json.code, 0, json.all)
  const doc = JSON.parse(json.stdout) as StatusDocument
  assert.is(doc.ok, true)
  assert.is(doc.resources.length, 30)
  assert.equal(doc.summary, { ok: 30, missing: 0, drifted: 0, error: 0, unchecked: 0, failed: 0 })
  assert.equal([...new Set(doc.resources.map((r) => r.kind))], [
    'log group', 'ecs cluster', 'ecr repository', 'ssm parameter', 'iam role', 'iam inline policy', 'iam managed policy', 'task definition', 'security group', 'security group ingress', 'load balancer', 'target group', 'listener', 'listener rule', 'cloudwatch alarm', 'ecs service', 'scalable target', 'scaling policy',
  ])
  assert.is(doc.services[0].name, 'backend-flask')
  assert.match(doc.monthlyCost ?? '', /^monthly cost now: \$\d+\.\d\d/)
})

live('a deleted SSM parameter: missing, exit 1', async () => {
  await provision()
  await ssm.send(new DeleteParameterCommand({ Name: '/cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN' }))
  const r = await status()
  assert.is(r.code, 1, r.all)
  assert.match(line(r.stdout, '/cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN'), /✗ .*missing/)
  assert.match(r.stdout, '1 missing, 29 ok')
})

live('a removed inline policy: missing, exit 1', async () => {
  await provision()
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'CruddurTaskRole', PolicyName: 'CruddurTaskPolicy' }))
  const r = await status()
  assert.is(r.code, 1, r.all)
  assert.match(line(r.stdout, 'iam inline policy CruddurTaskPolicy'), /✗ .*missing: on CruddurTaskRole/)
})

live('a revoked ingress rule: missing, exit 1', async () => {
  await provision()
  const group = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }] }))).SecurityGroups?.[0]
  // The container port admits the load balancer's group (no address range since the front door).
  const alb = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['cruddur-alb-sg'] }] }))).SecurityGroups?.[0]
  await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: group?.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 4567, ToPort: 4567, UserIdGroupPairs: [{ GroupId: alb?.GroupId }] }] }))
  const r = await status()
  assert.is(r.code, 1, r.all)
  assert.match(line(r.stdout, 'security group ingress tcp/4567 from cruddur-alb-sg'), /✗ .*missing/)
})

live('a dropped retention: drifted, exit 1', async () => {
  await provision()
  await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/cruddur/fargate-cluster' }))
  const r = await status()
  assert.is(r.code, 1, r.all)
  assert.match(line(r.stdout, 'log group /cruddur/fargate-cluster'), /✗ .*drifted: retention 1 day \(was never expire\)/)
})

live('scan on push off, a changed trust, a String parameter, a task definition changed by hand: each drifted', async () => {
  await provision()
  await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: 'cruddur-python', imageScanningConfiguration: { scanOnPush: false } }))
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'CruddurServiceExecutionRole', PolicyDocument: JSON.stringify(trust) }))
  await ssm.send(new DeleteParameterCommand({ Name: '/cruddur/backend-flask/CONNECTION_URL' }))
  await ssm.send(new PutParameterCommand({ Name: '/cruddur/backend-flask/CONNECTION_URL', Value: ENV.PROD_CONNECTION_URL, Type: 'String' }))
  const current = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'backend-flask' }))).taskDefinition as Record<string, unknown>
  const { family, containerDefinitions, executionRoleArn, taskRoleArn, networkMode, requiresCompatibilities } = current as unknown as RegisterTaskDefinitionCommandInput
  await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions, executionRoleArn, taskRoleArn, networkMode, requiresCompatibilities, cpu: '512', memory: '1024' }))
  const r = await status()
  assert.is(r.code, 1, r.all)
  assert.match(line(r.stdout, 'ecr repository cruddur-python'), /✗ .*drifted: .*scan on push on \(was off\)/)
  assert.match(line(r.stdout, 'iam role CruddurServiceExecutionRole'), /✗ .*drifted: trust policy differed/)
  assert.match(line(r.stdout, '/cruddur/backend-flask/CONNECTION_URL'), /✗ .*drifted: SecureString from PROD_CONNECTION_URL \(was String\)/)
  assert.match(line(r.stdout, 'task definition backend-flask'), /✗ .*drifted: new revision after backend-flask:2, differs in/)
  assert.match(r.stdout, '4 drifted, 26 ok')
  assert.match(r.stdout, /backend-flask: ACTIVE, backend-flask:1 \(latest is backend-flask:2: not rolled out yet\)/)
})

live("without the secrets' variables: parameters checked by name and SecureString type; without a template's variable: that resource is '?', exit 1", async () => {
  await provision()
  const noSecrets = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', PROD_CONNECTION_URL: undefined, ROLLBAR_ACCESS_TOKEN: undefined, HONEYCOMB_API_KEY: undefined }
  const names = await status([], noSecrets)
  assert.is(names.code, 0, names.all)
  assert.match(line(names.stdout, '/cruddur/backend-flask/CONNECTION_URL'), /✓ .*SecureString; value not compared/)
  await ssm.send(new DeleteParameterCommand({ Name: '/cruddur/backend-flask/CONNECTION_URL' }))
  const gone = await status([], noSecrets)
  assert.is(gone.code, 1)
  assert.match(line(gone.stdout, '/cruddur/backend-flask/CONNECTION_URL'), /✗ .*missing/)
  const noPool = await status([], { AWS_COGNITO_USER_POOL_ID: undefined })
  assert.is(noPool.code, 1)
  assert.match(line(noPool.stdout, 'task definition backend-flask'), /\? .*unchecked: .*no value for \$\{AWS_COGNITO_USER_POOL_ID\}/)
  assert.match(noPool.stdout, '1 unchecked, 28 ok')
})

live("the front door: the service's URL, and its target group with no targets registered (moto registers none); --json has urls and targetGroups", async () => {
  await provision()
  const dns = (await sdk.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2').send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]?.DNSName
  const r = await status()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, `\n  url http://${dns}\n`)
  assert.match(r.stdout, '  ! target group cruddur-backend-flask-tg: no targets registered')
  const doc = JSON.parse((await status(['--json'])).stdout) as StatusDocument
  assert.equal(doc.urls, { 'backend-flask': `http://${dns}` })
  assert.is(doc.services[0].url, `http://${dns}`)
  assert.is(doc.services[0].targetGroups?.[0].name, 'cruddur-backend-flask-tg')
  assert.equal(doc.services[0].targetGroups?.[0].targets, [])
})

live('target states and reasons (scripted ELBv2 DescribeTargetHealth, XML as AWS answers: moto registers no targets): ✓ healthy, ! initial, ✗ unhealthy with its reason, exit 1', async () => {
  await provision()
  const proxy = await startScriptedProxy(motoUrl, ({ action }) => {
    if (action !== 'DescribeTargetHealth') return undefined
    return {
      xml: targetHealthXml([
        { id: '172.31.5.9', port: 4567, zone: 'eu-west-2a', health: TARGET.healthy },
        { id: '172.31.6.10', port: 4567, zone: 'eu-west-2b', health: TARGET.checking },
        { id: '172.31.7.11', port: 4567, zone: 'eu-west-2c', health: TARGET.badCode },
      ]),
    }
  })
  try {
    const r = await status([], { AWS_ENDPOINT_URL: proxy.url })
    assert.is(r.code, 1, r.all)
    assert.match(r.stdout, '  ✓ target 172.31.5.9:4567 in cruddur-backend-flask-tg: healthy\n')
    assert.match(r.stdout, '  ! target 172.31.6.10:4567 in cruddur-backend-flask-tg: initial: Elb.InitialHealthChecking (Initial health checks in progress)')
    assert.match(r.stdout, '  ✗ target 172.31.7.11:4567 in cruddur-backend-flask-tg: unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [502])')
    assert.ok(proxy.answered.includes('DescribeTargetHealth'))
    const doc = JSON.parse((await status(['--json'], { AWS_ENDPOINT_URL: proxy.url })).stdout) as StatusDocument
    assert.is(doc.ok, false)
    assert.equal(doc.services[0].targetGroups?.[0].targets[2], {
      id: '172.31.7.11',
      port: 4567,
      state: 'unhealthy',
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [502]',
    })
  } finally {
    await proxy.stop()
  }
})

live('a service that is not a name: exit 2 before any AWS call', async () => {
  const r = await status(['../../x'])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'service "../../x" is not a service name')
})

live('per service, with a running task (scripted ECS ListTasks/DescribeTasks/DescribeServices answers: moto starts no tasks); the public IP from a real moto ENI', async () => {
  await provision()
  const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets?.[0]
  const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet?.SubnetId }))).NetworkInterface
  const address = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))
  await ec2.send(new AssociateAddressCommand({ AllocationId: address.AllocationId, NetworkInterfaceId: eni?.NetworkInterfaceId }))
  const account = '123456789012'
  const taskArn = `arn:aws:ecs:eu-west-2:${account}:task/cruddur/0f3c1e2d9b8a4c7e8f6a5b4c3d2e1f00`
  const digest = `sha256:${'5e'.repeat(32)}`
  const seconds = (m: number) => at(m).getTime() / 1000
  const proxy = await startScriptedProxy(motoUrl, ({ action }) => {
    if (action === 'ListTasks') return { json: { taskArns: [taskArn] } }
    if (action === 'DescribeTasks') {
      return {
        json: {
          tasks: [
            {
              taskArn,
              clusterArn: `arn:aws:ecs:eu-west-2:${account}:cluster/cruddur`,
              taskDefinitionArn: `arn:aws:ecs:eu-west-2:${account}:task-definition/backend-flask:1`,
              group: 'service:backend-flask',
              startedBy: 'ecs-svc/1234567890123456789',
              lastStatus: 'RUNNING',
              desiredStatus: 'RUNNING',
              healthStatus: 'HEALTHY',
              launchType: 'FARGATE',
              platformVersion: '1.4.0',
              cpu: '256',
              memory: '512',
              connectivity: 'CONNECTED',
              createdAt: seconds(0),
              startedAt: seconds(1),
              attachments: [
                {
                  id: 'a1b2c3d4-1111-2222-3333-444455556666',
                  type: 'ElasticNetworkInterface',
                  status: 'ATTACHED',
                  details: [
                    { name: 'subnetId', value: subnet?.SubnetId },
                    { name: 'networkInterfaceId', value: eni?.NetworkInterfaceId },
                    { name: 'macAddress', value: '06:1f:2e:3d:4c:5b' },
                    { name: 'privateIPv4Address', value: eni?.PrivateIpAddress },
                  ],
                },
              ],
              containers: [
                {
                  containerArn: `arn:aws:ecs:eu-west-2:${account}:container/cruddur/0f3c1e2d9b8a4c7e8f6a5b4c3d2e1f00/9a8b7c6d`,
                  taskArn,
                  name: 'backend-flask',
                  image: `${account}.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:latest`,
                  imageDigest: digest,
                  runtimeId: '0f3c1e2d9b8a4c7e8f6a5b4c3d2e1f00-1234567890',
                  lastStatus: 'RUNNING',
                  healthStatus: 'HEALTHY',
                  networkInterfaces: [{ attachmentId: 'a1b2c3d4-1111-2222-3333-444455556666', privateIpv4Address: eni?.PrivateIpAddress }],
                  cpu: '0',
                },
              ],
              enableExecuteCommand: true,
            },
          ],
          failures: [],
        },
      }
    }
    if (action === 'DescribeServices') {
      return {
        edit: (answer) => {
          const services = (answer.services ?? []) as Array<Record<string, unknown>>
          for (const s of services) {
            s.runningCount = 1
            s.pendingCount = 0
            s.deployments = ((s.deployments ?? []) as Array<Record<string, unknown>>).map((d) => ({ ...d, runningCount: 1, pendingCount: 0, rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment ecs-svc/1234567890123456789 completed.' }))
            s.events = Array.from({ length: 7 }, (_, i) => ({
              id: `e${i}`,
              createdAt: seconds(20 - i),
              message: i === 0 ? '(service backend-flask) has reached a steady state.' : `(service backend-flask) event ${7 - i}`,
            }))
          }
          return answer
        },
      }
    }
    return undefined
  })
  try {
    const r = await status(['backend-flask'], { AWS_ENDPOINT_URL: proxy.url })
    assert.is(r.code, 0, r.all)
    assert.match(r.stdout, 'backend-flask: ACTIVE, backend-flask:1, running 1 / pending 0 / desired 1')
    assert.match(r.stdout, /deployment PRIMARY COMPLETED \(ECS deployment ecs-svc\/1234567890123456789 completed\.\), backend-flask:1: running 1/)
    assert.match(r.stdout, `  task 0f3c1e2d9b8a RUNNING HEALTHY, backend-flask:1, public ${address.PublicIp}, backend-flask sha256:5e5e5e5e5e5e…`)
    const events = r.stdout.split('last events:\n')[1].split('\n').slice(0, 5)
    assert.match(events[0], '2026-11-27 09:16:00Z (service backend-flask) event 3')
    assert.match(events[4], '2026-11-27 09:20:00Z (service backend-flask) has reached a steady state.')
    assert.ok(proxy.answered.includes('DescribeTasks'))
    const json = JSON.parse((await status(['backend-flask', '--json'], { AWS_ENDPOINT_URL: proxy.url })).stdout) as StatusDocument
    assert.equal(json.services[0].tasks[0].publicIp, address.PublicIp)
    assert.equal(json.services[0].tasks[0].containers[0].imageDigest, digest)
  } finally {
    await proxy.stop()
  }
})

live('an explicit Deny on the execution role, AdministratorAccess on the task role: ✗ naming ./scripts/verify and ./scripts/audit, exit 1', async () => {
  await provision()
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ssm:GetParameters', Resource: '*' }] }
  await iam.send(new PutRolePolicyCommand({ RoleName: 'CruddurServiceExecutionRole', PolicyName: 'NoParameters', PolicyDocument: JSON.stringify(deny) }))
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'CruddurTaskRole', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))
  const r = await status()
  assert.is(r.code, 1, r.all)
  assert.match(line(r.stdout, 'verify backend-flask read parameters'), /^ {2}✗ .*failed: .*explicitly denied.*\(\.\/scripts\/verify backend-flask\)$/)
  assert.match(line(r.stdout, 'audit KIT-IAM-002 role:CruddurTaskRole'), /^ {2}✗ .*failed: critical: AdministratorAccess is attached.*\(\.\/scripts\/audit explains the fix\)$/)
  assert.match(r.stdout, /^2 failed in verify or audit/m)
  const doc = JSON.parse((await status(['--json'])).stdout) as StatusDocument
  assert.is(doc.ok, false)
  assert.equal(doc.checks.filter((c) => c.state === 'failed').map((c) => c.kind).sort(), ['audit KIT-IAM-002', 'verify backend-flask'])
})

live('a service on a security group that no longer exists: ✗, exit 1; assignPublicIp and the circuit breaker changed by hand: drift named', async () => {
  await provision()
  const vpcId = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }] }))).SecurityGroups?.[0]?.VpcId
  const temporary = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'status-test-temporary', Description: 'deleted below', VpcId: vpcId }))
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]
  const network = service?.networkConfiguration?.awsvpcConfiguration
  await ecs.send(
    new UpdateServiceCommand({
      cluster: 'cruddur',
      service: 'backend-flask',
      networkConfiguration: { awsvpcConfiguration: { subnets: network?.subnets, securityGroups: [temporary.GroupId as string], assignPublicIp: 'DISABLED' } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 200, minimumHealthyPercent: 100 },
    }),
  )
  await ec2.send(new DeleteSecurityGroupCommand({ GroupId: temporary.GroupId }))
  const r = await status()
  assert.is(r.code, 1, r.all)
  const serviceLine = line(r.stdout, 'ecs service backend-flask')
  assert.match(serviceLine, /^ {2}✗ .*drifted: /)
  assert.match(serviceLine, `its security group ${temporary.GroupId} no longer exists`)
  assert.match(serviceLine, 'assignPublicIp DISABLED (file: ENABLED)')
  assert.match(serviceLine, 'circuit breaker off, rollback off (file: on, rollback on)')
})

live('a failing rollout (scripted ECS DescribeServices/ListTasks/DescribeTasks answers: moto rolls nothing): the header shows its failed tasks and the latest stop reason, exit 1', async () => {
  await provision()
  const account = '123456789012'
  const stopped = (id: string, minute: number, reason: string) => ({
    taskArn: `arn:aws:ecs:eu-west-2:${account}:task/cruddur/${id}`,
    clusterArn: `arn:aws:ecs:eu-west-2:${account}:cluster/cruddur`,
    taskDefinitionArn: `arn:aws:ecs:eu-west-2:${account}:task-definition/backend-flask:1`,
    group: 'service:backend-flask',
    startedBy: 'ecs-svc/2222222222222222222',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    launchType: 'FARGATE',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    createdAt: at(minute).getTime() / 1000,
    stoppedAt: at(minute + 1).getTime() / 1000,
    containers: [{ name: 'backend-flask', lastStatus: 'STOPPED', exitCode: 1, reason }],
  })
  const proxy = await startScriptedProxy(motoUrl, ({ action, body }) => {
    const request = body as { desiredStatus?: string }
    if (action === 'ListTasks' && request.desiredStatus === 'STOPPED') {
      return { json: { taskArns: ['a', 'b'].map((id) => `arn:aws:ecs:eu-west-2:${account}:task/cruddur/${id.repeat(32)}`) } }
    }
    if (action === 'DescribeTasks') {
      return { json: { tasks: [stopped('a'.repeat(32), 1, 'older crash'), stopped('b'.repeat(32), 5, 'ModuleNotFoundError: No module named flask')], failures: [] } }
    }
    if (action === 'DescribeServices') {
      return {
        edit: (answer) => {
          for (const s of (answer.services ?? []) as Array<Record<string, unknown>>) {
            s.desiredCount = 2
            s.runningCount = 2
            s.pendingCount = 0
            s.deployments = ((s.deployments ?? []) as Array<Record<string, unknown>>).map((d) => ({
              ...d,
              desiredCount: 2,
              runningCount: 0,
              pendingCount: 0,
              failedTasks: 20,
              rolloutState: 'IN_PROGRESS',
              rolloutStateReason: 'ECS deployment ecs-svc/2222222222222222222 in progress.',
            }))
          }
          return answer
        },
      }
    }
    return undefined
  })
  try {
    const r = await status(['backend-flask'], { AWS_ENDPOINT_URL: proxy.url })
    assert.is(r.code, 1, r.all)
    assert.match(
      line(r.stdout, 'backend-flask: ACTIVE'),
      'running 2 / pending 0 / desired 2; rollout IN_PROGRESS and failing: 20 tasks failed, the latest stopped: Essential container in task exited; backend-flask: ModuleNotFoundError: No module named flask',
    )
  } finally {
    await proxy.stop()
  }
})

live('the monthly cost hook: a CostLine given to statusReport fills the line', async () => {
  await provision()
  const run = await openContext({ ...process.env, ...ENV }, { mode: 'read-only' })
  const report = await statusReport(run, { costLine: async (r) => `monthly cost: about $9.49 in ${r.region}` })
  assert.is(report.monthlyCost, 'monthly cost: about $9.49 in eu-west-2')
  assert.is(report.ok, true)
})

pure.run()
live.run()
