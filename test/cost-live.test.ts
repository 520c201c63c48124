import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr'
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateClusterCommand } from '@aws-sdk/client-ecs'
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch'
import { declaredServices } from '../lib/config/services.js'
import { cloudWatch, wantedAlarm } from '../lib/steps/rollback-alarms.js'
import { openContext } from '../lib/aws/context.js'
import { kitNames } from '../lib/config/names.js'
import { shippedPrices } from '../lib/cost/prices.js'
import { planCostLine } from '../lib/cost/workload.js'
import { resetMoto } from './helpers/moto.js'
import { startPriceList, type ScriptedProduct, type ScriptedPriceList } from './helpers/price-list.js'
import { runKit } from './helpers/run.js'

const H = 730

// Prices unlike the shipped table's, so a figure can only come from the scripted answer.
const LONDON = {
  vcpu: 0.05,
  gb: 0.006,
  armVcpu: 0.04,
  armGb: 0.0048,
  ipv4: 0.006,
  albHour: 0.03,
  lcu: 0.009,
  natHour: 0.06,
  natGb: 0.055,
  ingest: 0.6,
  stored: 0.035,
  ecr: 0.11,
  alarmMetric: 0.12,
  metric: 0.33,
}

function products(region: string, prefix: string, p = LONDON): ScriptedProduct[] {
  const at = (serviceCode: string, productFamily: string, usagetype: string, unit: string, usd: ScriptedProduct['usd']): ScriptedProduct => ({
    serviceCode,
    productFamily,
    usagetype,
    regionCode: region,
    unit,
    usd,
  })
  return [
    // Decoys first: a CONTAINS filter returns them too, and the kit must pass them by.
    at('AmazonECS', 'Compute', `${prefix}-Fargate-Windows-vCPU-Hours:perCPU`, 'hours', 0.09),
    at('AmazonECS', 'Compute', `${prefix}-Fargate-vCPU-Hours:perCPU`, 'hours', p.vcpu),
    at('AmazonECS', 'Compute', `${prefix}-Fargate-GB-Hours`, 'hours', p.gb),
    at('AmazonECS', 'Compute', `${prefix}-Fargate-ARM-vCPU-Hours:perCPU`, 'hours', p.armVcpu),
    at('AmazonECS', 'Compute', `${prefix}-Fargate-ARM-GB-Hours`, 'hours', p.armGb),
    at('AmazonVPC', 'VPC Public IPv4 Address', `${prefix}-PublicIPv4:InUseAddress`, 'Hrs', p.ipv4),
    at('AWSELB', 'Load Balancer', `${prefix}-LoadBalancerUsage`, 'Hrs', 0.028),
    at('AWSELB', 'Load Balancer-Application', `${prefix}-LoadBalancerUsage`, 'Hrs', p.albHour),
    at('AWSELB', 'Load Balancer-Application', `${prefix}-LCUUsage`, 'LCU-Hrs', p.lcu),
    at('AmazonEC2', 'NAT Gateway', `${prefix}-RegionalNatGateway-Hours`, 'Hrs', 0.09),
    at('AmazonEC2', 'NAT Gateway', `${prefix}-NatGateway-Hours`, 'Hrs', p.natHour),
    at('AmazonEC2', 'NAT Gateway', `${prefix}-NatGateway-Bytes`, 'GB', p.natGb),
    at('AmazonCloudWatch', 'Data Payload', `${prefix}-DataProcessing-Bytes`, 'GB', p.ingest),
    at('AmazonCloudWatch', 'Storage Snapshot', `${prefix}-TimedStorage-ByteHrs`, 'GB-Mo', p.stored),
    at('AmazonECR', 'EC2 Container Registry', `${prefix}-TimedStorage-ByteHrs`, 'GB-Mo', p.ecr),
    at('AmazonCloudWatch', 'Alarm', `${prefix}-CW:HighResAlarmMonitorUsage`, 'Alarms', 0.3),
    at('AmazonCloudWatch', 'Alarm', `${prefix}-CW:AlarmMonitorUsage`, 'Alarms', p.alarmMetric),
    at('AmazonCloudWatch', 'Metric', `${prefix}-CW:MetricMonitorUsage`, 'Metrics', p.metric),
  ]
}

const live = suite('scripts/cost --live (scripted Price List answer)')
let priceList: ScriptedPriceList

live.before(async () => {
  priceList = await startPriceList([...products('eu-west-2', 'EUW2'), ...products('ap-southeast-2', 'APS2', { ...LONDON, vcpu: 0.07 })])
})
live.after(async () => {
  await priceList.stop()
})
live.before.each(() => {
  priceList.calls.length = 0
})

live('prices eu-west-2 from GetProducts, asked of the eu-central-1 endpoint, pages followed, decoys passed by', async () => {
  const r = await runKit('cost', ['--live', '--json', '--region', 'eu-west-2', '--albs', '1', '--nat-gateways', '1'], {
    env: { AWS_ENDPOINT_URL_PRICING: priceList.url, ECS_SERVICES: 'backend-flask' },
  })
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout)
  const p = LONDON
  const byHand =
    (0.25 * p.vcpu + 0.5 * p.gb + p.ipv4) * H +
    0.5 * p.ingest +
    (0.5 / (H / 24)) * p.stored +
    3 * 0.5 * p.ecr +
    (p.albHour + 1 * p.lcu + 2 * p.ipv4) * H +
    (p.natHour + p.ipv4) * H +
    10 * p.natGb +
    // The backend's rollback alarms read 5 metrics (5xx rate 2, unhealthy hosts 1, task counts 2);
    // Container Insights sends 10 for the cluster and 13 + 8 for the one service running.
    5 * p.alarmMetric +
    (10 + 13 + 8) * p.metric
  assert.is(doc.monthlyUsd, Math.round(byHand * 100) / 100)
  assert.equal(
    doc.items.filter((i: { kind: string }) => i.kind === 'cloudwatch-alarms' || i.kind === 'container-insights').map((i: { kind: string; unitUsd: number }) => [i.kind, i.unitUsd]),
    [['cloudwatch-alarms', p.alarmMetric], ['container-insights', p.metric]],
    'CW:AlarmMonitorUsage and CW:MetricMonitorUsage, the high-resolution alarm passed by',
  )
  assert.is(doc.prices.source, 'AWS Price List API (GetProducts), read live')
  const arm = 0.25 * (p.vcpu - p.armVcpu) * H + 0.5 * (p.gb - p.armGb) * H
  assert.is(doc.arm64.savingUsd, Math.round(arm * 100) / 100)
  assert.ok(priceList.calls.length >= 14, `one query per price: ${priceList.calls.length}`)
  assert.ok(priceList.calls.every((c) => c.target === 'AWSPriceListService.GetProducts'))
  assert.equal([...new Set(priceList.calls.map((c) => c.signedRegion))], ['eu-central-1'], 'the Price List endpoint nearest London')
  assert.ok(priceList.calls.some((c) => c.nextToken), 'a decoy on the first page: the next page was asked for')
  const fargate = priceList.calls.find((c) => c.serviceCode === 'AmazonECS')!
  assert.ok(fargate.filters.some((f) => f.Field === 'regionCode' && f.Value === 'eu-west-2' && f.Type === 'TERM_MATCH'))
})

live('a region the shipped table lacks is priced live; without --live it is a usage error', async () => {
  const env = { AWS_ENDPOINT_URL_PRICING: priceList.url, ECS_SERVICES: 'backend-flask' }
  const r = await runKit('cost', ['--live', '--region', 'ap-southeast-2'], { env })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /monthly cost in ap-southeast-2/)
  assert.match(r.stdout, /182\.5 vCPU-hours × \$0\.07\s+\$12\.78/)
  assert.match(r.stderr, /asking the AWS Price List API for ap-southeast-2 prices/)
  assert.equal([...new Set(priceList.calls.map((c) => c.signedRegion))], ['ap-south-1'])
  const offline = await runKit('cost', ['--region', 'ap-southeast-2'], { env })
  assert.is(offline.code, 2)
})

live('a price the Price List API does not have: exit 1, naming it, and nothing printed as a total', async () => {
  const r = await runKit('cost', ['--live', '--json', '--region', 'us-west-2'], { env: { AWS_ENDPOINT_URL_PRICING: priceList.url } })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, /the AWS Price List API has no price in us-west-2 for AmazonECS Fargate-vCPU-Hours:perCPU/)
  assert.is(r.stdout, '')
})

live('--live against an endpoint with no Price List API (moto): one line saying so, not a template problem', async () => {
  const r = await runKit('cost', ['--live', '--region', 'eu-west-2'], { env: { AWS_ENDPOINT_URL_PRICING: undefined, ECS_SERVICES: 'backend-flask', AWS_MAX_ATTEMPTS: '1' } })
  assert.is(r.code, 1, r.all)
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('asking the AWS Price List API'))
  assert.is(lines.length, 1, r.stderr)
  assert.match(lines[0], `cost: ${process.env.AWS_ENDPOINT_URL} has no AWS Price List API: it answered GetProducts with HTTP 500`)
  assert.match(lines[0], /point AWS_ENDPOINT_URL_PRICING at one .*or run without --live to use lib\/cost\/prices\.json/)
  assert.not.match(r.all, /template/)
  assert.is(r.stdout, '')
})

const deployed = suite('scripts/cost --deployed against moto')
deployed.before.each(() => resetMoto())

async function deployBackend(desiredCount: number, imageBytes: number[] = [], assignPublicIp: 'ENABLED' | 'DISABLED' = 'ENABLED') {
  const sdk = await openContext(process.env, { mode: 'read-only' })
  const ecs = sdk.client(ECSClient, 'ECS')
  const ecr = sdk.client(ECRClient, 'ECR')
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur' }))
  const ec2 = sdk.client(EC2Client, 'EC2')
  const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets?.[0]?.SubnetId as string
  const group = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }))).SecurityGroups?.[0]?.GroupId as string
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'backend-flask',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'backend-flask', image: 'backend-flask:latest', essential: true }],
    }),
  )
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'cruddur',
      serviceName: 'backend-flask',
      taskDefinition: 'backend-flask',
      desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp } },
    }),
  )
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'backend-flask' }))
  // moto reports an image's size from its manifest's config.size.
  for (const [n, size] of imageBytes.entries()) {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size, digest: `sha256:${String(n + 1).repeat(64)}` },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size, digest: `sha256:${String(n + 5).repeat(64)}` }],
    })
    await ecr.send(new PutImageCommand({ repositoryName: 'backend-flask', imageManifest: manifest, imageTag: `v${n}` }))
  }
}


deployed('desired counts from ECS and image sizes from ECR replace the templates\' counts and the assumption', async () => {
  await deployBackend(3, [1024 ** 3, 1024 ** 3 / 2])
  const r = await runKit('cost', ['--deployed', '--json', '--region', 'eu-west-2'], { env: { ECS_SERVICES: 'backend-flask' } })
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout)
  const vcpu = doc.items.find((i: { kind: string }) => i.kind === 'fargate-vcpu')
  assert.is(vcpu.quantity, 0.25 * 3 * H, 'three tasks, as ECS has them (the file says 1)')
  const images = Object.fromEntries(doc.items.filter((i: { kind: string }) => i.kind === 'ecr-storage').map((i: { resource: string; quantity: number }) => [i.resource, i.quantity]))
  assert.equal(images, { 'backend-flask': 1.5 }, 'measured: 1.5 GB in backend-flask; the two missing repositories store nothing')
  assert.ok(doc.assumptions.some((a: string) => a.includes('as ECR reports them')))
})

deployed('planCostLine: the account now (ECS counts, ECR sizes) against what a plan leaves, by hand at the shipped London prices', async () => {
  const env = { ...process.env, ECS_SERVICES: 'backend-flask' }
  const run = await openContext(env, { mode: 'read-only', region: 'eu-west-2' })
  assert.equal(run.names, kitNames(env))
  const p = shippedPrices().regions['eu-west-2']
  const task = (0.25 * p.fargate.x86.vcpuHour + 0.5 * p.fargate.x86.gbHour + p.publicIpv4Hour) * H + 0.5 * p.logs.ingestGb + (0.5 / (H / 24)) * p.logs.storageGbMonth
  const images = 1 * p.ecr.storageGbMonth
  const $ = (n: number) => `$${n.toFixed(2)}`
  // The backend is routed: the plan brings the front door's ALB (1 LCU, an address in each zone of the default VPC: moto's eu-west-2 has 3).
  const alb = (p.alb.hour + p.alb.lcuHour + 3 * p.publicIpv4Hour) * H
  // Provision also puts the backend's rollback alarms (5 alarm metrics) and turns Container Insights on (10 + 21 metrics).
  const watch = 5 * p.cloudWatch.alarmMetricMonth + (10 + 21) * p.cloudWatch.metricMonth
  assert.is(await planCostLine(run, 'templates'), `monthly cost: $0.00 → ${$(task + alb + watch)} (+${$(task + alb + watch)})`, 'nothing deployed; the file runs one task behind the ALB, watched')
  await deployBackend(2, [1024 ** 3])
  assert.is(await planCostLine(run, 'current'), `monthly cost now: ${$(2 * task + images)} (ARM64 would save ${$(2 * 0.25 * (p.fargate.x86.vcpuHour - p.fargate.arm64.vcpuHour) * H + 2 * 0.5 * (p.fargate.x86.gbHour - p.fargate.arm64.gbHour) * H)})`)
  assert.is(await planCostLine(run, 'pause'), `monthly cost: ${$(2 * task + images)} → ${$(images)} (-${$(2 * task)})`)
  assert.is(await planCostLine(run, 'teardown'), `monthly cost: ${$(2 * task + images)} → $0.00 (-${$(2 * task + images)})`)
  // What runs now has neither alarms nor Container Insights (the cluster was made without it): the plan adds them.
  assert.is(await planCostLine(run, 'templates', { counts: { 'backend-flask': 4 } }), `monthly cost: ${$(2 * task + images)} → ${$(4 * task + images + alb + watch)} (+${$(2 * task + alb + watch)})`)
  // A deploy changes the tasks alone: no load balancer, alarm or Container Insights appears in its figure.
  assert.is(await planCostLine(run, 'deploy', { counts: { 'backend-flask': 4 } }), `monthly cost: ${$(2 * task + images)} → ${$(4 * task + images)} (+${$(2 * task)})`)
  const elsewhere = await openContext(env, { mode: 'read-only', region: 'sa-east-1' })
  assert.match(await planCostLine(elsewhere, 'current'), /^monthly cost: not estimated \(lib\/cost\/prices\.json has no prices for sa-east-1/)
})

deployed('a deployed service whose assignPublicIp is DISABLED is priced without a public IP, whatever its file says', async () => {
  await deployBackend(2, [], 'DISABLED')
  const r = await runKit('cost', ['--deployed', '--json', '--region', 'eu-west-2'], { env: { ECS_SERVICES: 'backend-flask' } })
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout)
  assert.is(doc.items.find((i: { kind: string }) => i.kind === 'fargate-vcpu').quantity, 0.25 * 2 * H)
  assert.not.ok(doc.items.some((i: { kind: string }) => i.kind === 'public-ipv4'), JSON.stringify(doc.items.map((i: { kind: string }) => i.kind)))
  const env = { ...process.env, ECS_SERVICES: 'backend-flask' }
  const run = await openContext(env, { mode: 'read-only', region: 'eu-west-2' })
  const p = shippedPrices().regions['eu-west-2']
  const task = (0.25 * p.fargate.x86.vcpuHour + 0.5 * p.fargate.x86.gbHour) * H + 0.5 * p.logs.ingestGb + (0.5 / (H / 24)) * p.logs.storageGbMonth
  assert.match(await planCostLine(run, 'current'), new RegExp(`^monthly cost now: \\$${(2 * task).toFixed(2)} `), 'status prices what runs: no address')
})

deployed('the alarms and Container Insights as they are: the metrics of the alarms that exist, Container Insights only where the cluster has it on', async () => {
  await deployBackend(2)
  const sdk = await openContext(process.env, { mode: 'read-only' })
  const p = shippedPrices().regions['eu-west-2']
  const cost = async () => {
    const r = await runKit('cost', ['--deployed', '--region', 'eu-west-2'], { env: { ECS_SERVICES: 'backend-flask' } })
    assert.is(r.code, 0, r.all)
    return r.stdout
  }
  const before = await cost()
  assert.not.match(before, /CloudWatch alarms|Container Insights:/, 'a cluster without Container Insights, no alarm')
  // One of the backend's alarms exists (the task counts: 2 metrics), and the cluster has Container Insights.
  const service = declaredServices().find((s) => s.name === 'backend-flask')!
  await cloudWatch(sdk).send(new PutMetricAlarmCommand(wantedAlarm('tasks-below-desired', 'backend-flask', 'cruddur', service.rollbackAlarms!, undefined)))
  await sdk.client(ECSClient, 'ECS').send(new UpdateClusterCommand({ cluster: 'cruddur', settings: [{ name: 'containerInsights', value: 'enabled' }] }))
  const after = await cost()
  assert.match(after, new RegExp(`backend-flask\\s+CloudWatch alarms: 2 alarm metrics \\(rollback alarms\\)\\s+2 alarm metric-months × \\$${p.cloudWatch.alarmMetricMonth}\\s+\\$${(2 * p.cloudWatch.alarmMetricMonth).toFixed(2)}`))
  assert.match(after, new RegExp(`stack\\s+Container Insights: 31 metrics \\(10 for the cluster, 21 per service running\\)\\s+31 metric-months × \\$${p.cloudWatch.metricMonth}\\s+\\$${(31 * p.cloudWatch.metricMonth).toFixed(2)}`))
})

deployed('nothing deployed: no tasks, no images, only what exists costs money', async () => {
  const r = await runKit('cost', ['--deployed', '--region', 'eu-west-2'], { env: { ECS_SERVICES: 'backend-flask' } })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /total: \$0\.00 a month/)
  assert.not.match(r.stdout, /already on ARM64/, 'the templates are x86: nothing runs, which is not ARM64')
  assert.match(r.stderr, /reading desired counts and Container Insights \(ECS\), image sizes \(ECR\), the load balancer \(ELB\) and the alarms \(CloudWatch\) in eu-west-2/)
  assert.not.match(r.stdout, /CloudWatch alarms|Container Insights:/, 'no alarm and no cluster: neither is priced')
  assert.not.match(r.stdout, /Load Balancer/, 'no ALB exists: none is priced')
})

live.run()
deployed.run()
