import './helpers/guard.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ROOT } from '../lib/config/paths.js'
import { kitNames } from '../lib/config/names.js'
import { ConfigError } from '../lib/core/errors.js'
import { alarmMetricCount, containerInsightsMetrics, costDelta, estimate, formatCostLine, formatEstimate, usd, type Workload, type ServiceWorkload } from '../lib/cost/estimate.js'
import { parsePriceTable, priceFromPriceList, pricesFor, pricingRegionFor, shippedPrices, usageTypeMatches, PRICE_QUERIES } from '../lib/cost/prices.js'
import { costLineFor, declaredAlarmMetrics, monthlyEstimate, planCostLine, serviceShape, taskSize } from '../lib/cost/workload.js'
import { declaredServices } from '../lib/config/services.js'
import { wantedAlarm } from '../lib/steps/rollback-alarms.js'
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { CreateLoadBalancerCommand } from '@aws-sdk/client-elastic-load-balancing-v2'
import { openContext } from '../lib/aws/context.js'
import { elbv2 } from '../lib/front-door/lookup.js'
import { resetMoto } from './helpers/moto.js'
import { withServices } from './helpers/services.js'
import { priceDocument } from './helpers/price-list.js'
import { runKit } from './helpers/run.js'

// The hand-worked figures below use the shipped file's numbers, read here as plain JSON.
const FILE = JSON.parse(readFileSync(join(ROOT, 'lib/cost/prices.json'), 'utf8'))
const USE1 = FILE.regions['us-east-1']
const EUW2 = FILE.regions['eu-west-2']
const H = 730

// What the shipped backend adds to a month in us-east-1 once provisioned: its rollback alarms read 5
// metrics (the 5xx rate 2, unhealthy hosts 1, the task counts 2), and Container Insights sends 10
// metrics for the cluster and 13 + 8 for each service running (CONTAINER_INSIGHTS_METRICS).
const WATCH_USE1 = 5 * USE1.cloudWatch.alarmMetricMonth + (10 + 13 + 8) * USE1.cloudWatch.metricMonth

const close = (actual: number, expected: number, what = '') => assert.ok(Math.abs(actual - expected) < 1e-9, `${what} ${actual} != ${expected}`)

const backend = (over: Partial<ServiceWorkload> = {}): ServiceWorkload => ({
  name: 'backend-flask',
  vcpu: 0.25,
  memoryGb: 0.5,
  arch: 'x86',
  desiredCount: 1,
  publicIp: true,
  loadBalanced: false,
  ...over,
})

const workload = (services: ServiceWorkload[], over: Partial<Workload['assumptions']> = {}, images: Workload['images'] = []): Workload => ({
  services,
  images,
  assumptions: { logGbPerTaskMonth: 0, logRetentionDays: 1, albs: 0, albAzs: 2, albLcu: 1, natGateways: 0, natGbPerMonth: 10, ...over },
})

const pure = suite('cost: figures worked out by hand from lib/cost/prices.json')

pure('the price file carries its date and source for us-east-1 and eu-west-2, and the field notes\' us-east-1 prices', () => {
  const table = shippedPrices()
  for (const region of ['us-east-1', 'eu-west-2']) {
    const p = pricesFor(table, region)
    assert.match(p.date, /^\d{4}-\d{2}-\d{2}$/)
    assert.ok(p.source.length > 20, p.source)
  }
  assert.is(USE1.fargate.x86.vcpuHour, 0.04048)
  assert.is(USE1.fargate.x86.gbHour, 0.004445)
  assert.is(USE1.publicIpv4Hour, 0.005)
  assert.is(EUW2.fargate.x86.vcpuHour, 0.04656)
  assert.is(EUW2.fargate.x86.gbHour, 0.00511)
  for (const region of [USE1, EUW2]) {
    // Each CloudWatch figure with where it comes from, beside it.
    assert.equal([region.cloudWatch.alarmMetricMonth, region.cloudWatch.metricMonth], [0.1, 0.3])
    assert.match(region.cloudWatch.source, /aws\.amazon\.com\/cloudwatch\/pricing/)
  }
})

pure('0.25 vCPU / 0.5 GB x86 task with a public IP, all month in us-east-1: about $12.66 before logs', () => {
  const e = estimate(workload([backend()]), pricesFor(shippedPrices(), 'us-east-1'))
  const byHand = 0.25 * USE1.fargate.x86.vcpuHour * H + 0.5 * USE1.fargate.x86.gbHour * H + 1 * USE1.publicIpv4Hour * H
  close(e.monthlyUsd, byHand)
  assert.is(usd(e.monthlyUsd), '$12.66')
  assert.equal(
    e.items.map((i) => i.kind),
    ['fargate-vcpu', 'fargate-memory', 'public-ipv4'],
  )
  close(e.items[2].quantity, 730, 'one address all month')
})

pure('logs (ingestion per task, storage for the retention) and ECR storage add what the assumptions say', () => {
  const w = workload([backend({ desiredCount: 2 })], { logGbPerTaskMonth: 0.5, logRetentionDays: 7 }, [
    { repository: 'backend-flask', gb: 0.8, measured: false },
    { repository: 'cruddur-python', gb: 0.2, measured: true },
  ])
  const e = estimate(w, pricesFor(shippedPrices(), 'us-east-1'))
  const fargate = 2 * (0.25 * USE1.fargate.x86.vcpuHour + 0.5 * USE1.fargate.x86.gbHour) * H
  const ipv4 = 2 * USE1.publicIpv4Hour * H
  const ingest = 2 * 0.5 * USE1.logs.ingestGb
  const stored = ((2 * 0.5) / (730 / 24)) * 7 * USE1.logs.storageGbMonth
  const ecr = (0.8 + 0.2) * USE1.ecr.storageGbMonth
  close(e.monthlyUsd, fargate + ipv4 + ingest + stored + ecr)
  assert.ok(e.assumptions.some((a) => a.includes('--log-gb-per-task-month') && a.includes('7 day(s)')), e.assumptions.join('\n'))
})

pure('ARM64: what it would save is the Fargate difference, by hand; an ARM64 task saves nothing more', () => {
  const e = estimate(workload([backend({ desiredCount: 3 })]), pricesFor(shippedPrices(), 'us-east-1'))
  const x86 = 3 * (0.25 * USE1.fargate.x86.vcpuHour + 0.5 * USE1.fargate.x86.gbHour) * H
  const arm = 3 * (0.25 * USE1.fargate.arm64.vcpuHour + 0.5 * USE1.fargate.arm64.gbHour) * H
  close(e.arm64.savingUsd, x86 - arm)
  close(e.arm64.monthlyUsd, e.monthlyUsd - (x86 - arm))
  assert.ok(e.arm64.savingUsd > 5, `about 20% of $27: ${e.arm64.savingUsd}`)
  const already = estimate(workload([backend({ arch: 'arm64' })]), pricesFor(shippedPrices(), 'us-east-1'))
  close(already.arm64.savingUsd, 0)
  assert.ok(formatEstimate(already).some((l) => l.includes('already on ARM64')))
  const idle = estimate(workload([backend({ desiredCount: 0 })]), pricesFor(shippedPrices(), 'us-east-1'))
  assert.not.ok(formatEstimate(idle).some((l) => l.includes('already on ARM64')), 'an x86 stack with no task is not on ARM64')
  assert.ok(formatEstimate(idle).some((l) => l.includes('on ARM64: no saving while no task runs')))
  const forced = estimate(workload([backend()]), pricesFor(shippedPrices(), 'us-east-1'), { arch: 'arm64' })
  close(forced.monthlyUsd, already.monthlyUsd, '--arch arm64 prices the x86 task as ARM64')
})

pure('region differences: the same task costs London prices in eu-west-2', () => {
  const w = workload([backend()], { logGbPerTaskMonth: 1 })
  const east = estimate(w, pricesFor(shippedPrices(), 'us-east-1'))
  const london = estimate(w, pricesFor(shippedPrices(), 'eu-west-2'))
  const byHand = 0.25 * EUW2.fargate.x86.vcpuHour * H + 0.5 * EUW2.fargate.x86.gbHour * H + EUW2.publicIpv4Hour * H + 1 * EUW2.logs.ingestGb + (1 / (730 / 24)) * EUW2.logs.storageGbMonth
  close(london.monthlyUsd, byHand)
  assert.is(london.region, 'eu-west-2')
  assert.ok(london.monthlyUsd > east.monthlyUsd, `${london.monthlyUsd} > ${east.monthlyUsd}`)
})

pure('a load balancer and a NAT gateway: hourly charges, capacity, data and their public addresses', () => {
  const e = estimate(workload([backend({ publicIp: false })], { albs: 1, albLcu: 0.5, natGateways: 1, natGbPerMonth: 20 }), pricesFor(shippedPrices(), 'us-east-1'))
  const fargate = (0.25 * USE1.fargate.x86.vcpuHour + 0.5 * USE1.fargate.x86.gbHour) * H
  const alb = USE1.alb.hour * H + 0.5 * USE1.alb.lcuHour * H + 2 * USE1.publicIpv4Hour * H
  const nat = USE1.natGateway.hour * H + 20 * USE1.natGateway.gb + USE1.publicIpv4Hour * H
  close(e.monthlyUsd, fargate + alb + nat)
  assert.not.ok(e.items.some((i) => i.kind === 'public-ipv4'), 'assignPublicIp DISABLED: no task address')
})

pure('an alarm is billed per metric it reads: metric math counts its metrics, not its expression; a single-metric alarm counts 1', () => {
  const d = declaredServices()[0].rollbackAlarms!
  const cases: Array<[string, Parameters<typeof alarmMetricCount>[0], number]> = [
    ['the 5xx rate (errors / requests)', wantedAlarm('5xx', 'backend-flask', 'cruddur', d, undefined), 2],
    ['unhealthy hosts (one metric)', wantedAlarm('unhealthy-hosts', 'backend-flask', 'cruddur', d, undefined), 1],
    ['tasks below desired (desired - running)', wantedAlarm('tasks-below-desired', 'backend-flask', 'cruddur', d, undefined), 2],
    ['three metrics and two expressions', { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { MetricStat: {} }, {}, {}] }, 3],
    ['nothing to read', {}, 0],
  ]
  for (const [what, alarm, metrics] of cases) assert.is(alarmMetricCount(alarm), metrics, what)
  const [routed] = declaredServices()
  assert.is(declaredAlarmMetrics(routed, 'cruddur'), 5, 'a routed service: 5xx rate, unhealthy hosts, task counts')
  assert.is(declaredAlarmMetrics({ ...routed, frontDoor: undefined }, 'cruddur'), 2, 'an internal service: the task counts only')
  assert.is(declaredAlarmMetrics({ ...routed, rollbackAlarms: undefined }, 'cruddur'), 0, '"rollbackAlarms": false')
})

pure('Container Insights: 10 metrics for the cluster and 21 per service running (13 per service, 8 per task family); none while nothing runs', () => {
  const table: Array<[number, number]> = [
    [0, 0],
    [1, 10 + 21],
    [2, 10 + 2 * 21],
    [5, 10 + 5 * 21],
  ]
  for (const [running, metrics] of table) assert.is(containerInsightsMetrics(running), metrics, `${running} service(s) running`)
})

pure('alarms and Container Insights in an estimate: per alarm metric and per metric a month; a pause keeps the alarms and stops the metrics', () => {
  const w = (count: number, containerInsights: boolean): Workload => ({ ...workload([backend({ desiredCount: count, alarmMetrics: 5 }), backend({ name: 'worker', desiredCount: count, alarmMetrics: 2 })]), containerInsights })
  const on = estimate(w(1, true), pricesFor(shippedPrices(), 'us-east-1'))
  const rows = (e: typeof on) => e.items.filter((i) => i.kind === 'cloudwatch-alarms' || i.kind === 'container-insights').map((i) => [i.kind, i.resource, i.description, i.quantity, i.unitUsd])
  assert.equal(rows(on), [
    ['cloudwatch-alarms', 'backend-flask', 'CloudWatch alarms: 5 alarm metrics (rollback alarms)', 5, USE1.cloudWatch.alarmMetricMonth],
    ['cloudwatch-alarms', 'worker', 'CloudWatch alarms: 2 alarm metrics (rollback alarms)', 2, USE1.cloudWatch.alarmMetricMonth],
    ['container-insights', undefined, 'Container Insights: 52 metrics (10 for the cluster, 21 per service running)', 52, USE1.cloudWatch.metricMonth],
  ])
  const off = estimate(w(1, false), pricesFor(shippedPrices(), 'us-east-1'))
  close(on.monthlyUsd - off.monthlyUsd, 52 * USE1.cloudWatch.metricMonth, 'Container Insights alone')
  const paused = estimate(w(0, true), pricesFor(shippedPrices(), 'us-east-1'))
  close(paused.monthlyUsd, 7 * USE1.cloudWatch.alarmMetricMonth, 'paused: only the alarms')
  assert.match(on.assumptions.join('\n'), /CloudWatch alarms: standard resolution, billed per metric each alarm reads/)
  assert.match(on.assumptions.join('\n'), /Container Insights: its metrics, billed as custom metrics while a service has tasks running/)
  close(on.arm64.savingUsd, off.arm64.savingUsd, 'ARM64 changes Fargate only')
})

pure('costDelta and the one-line formatter for plans', () => {
  const one = estimate(workload([backend()]), pricesFor(shippedPrices(), 'us-east-1'))
  const two = estimate(workload([backend({ desiredCount: 2 })]), pricesFor(shippedPrices(), 'us-east-1'))
  assert.is(formatCostLine(one, two), 'monthly cost: $12.66 → $25.32 (+$12.66)')
  assert.is(formatCostLine(two, one), 'monthly cost: $25.32 → $12.66 (-$12.66)')
  assert.is(formatCostLine(one, one), 'monthly cost: $12.66 (no change)')
  assert.is(formatCostLine(one, 0), 'monthly cost: $12.66 → $0.00 (-$12.66)')
  const d = costDelta(one, two)
  close(d.deltaUsd, two.monthlyUsd - one.monthlyUsd)
})

const parse = suite('cost: reading task definitions, service files and price tables')

parse('task sizes: cpu units or vCPU, memory MiB or GB, the architecture from runtimePlatform', () => {
  assert.equal(taskSize('t.json', { cpu: '256', memory: '512' }), { vcpu: 0.25, memoryGb: 0.5, arch: 'x86' })
  assert.equal(taskSize('t.json', { cpu: '1 vCPU', memory: '2 GB', runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' } }), {
    vcpu: 1,
    memoryGb: 2,
    arch: 'arm64',
  })
  assert.throws(() => taskSize('task-definitions/x.json', { memory: '512' }), (e: Error) => e instanceof ConfigError && /task-definitions\/x\.json: "cpu" is missing/.test(e.message))
  assert.throws(() => taskSize('t.json', { cpu: '256', memory: '512', runtimePlatform: { cpuArchitecture: 'SPARC' } }), /X86_64 or ARM64/)
})

parse('service files: desiredCount, assignPublicIp, loadBalancers', () => {
  assert.equal(serviceShape('s.json', { desiredCount: 2, networkConfiguration: { awsvpcConfiguration: { assignPublicIp: 'ENABLED' } } }), {
    desiredCount: 2,
    publicIp: true,
    loadBalanced: false,
  })
  assert.equal(serviceShape('s.json', { desiredCount: 0, loadBalancers: [{ targetGroupArn: 'arn' }] }), { desiredCount: 0, publicIp: false, loadBalanced: true })
  assert.throws(() => serviceShape('json/service-x.json', { desiredCount: -1 }), /json\/service-x\.json: "desiredCount"/)
})

parse('the kit\'s own templates, priced; counts replace the file\'s (a pause), a load-balanced service brings an ALB', async () => {
  const env = { ...process.env, ECS_SERVICES: 'backend-flask' }
  const run = { env, region: 'us-east-1', names: kitNames(env) }
  const e = await monthlyEstimate(run, { assumptions: { logGbPerTaskMonth: 0, imageGb: 0 } })
  // The backend is routed (frontDoor): the ALB, 1 LCU, an address in each of 2 AZs.
  const alb = (USE1.alb.hour + USE1.alb.lcuHour + 2 * USE1.publicIpv4Hour) * H
  close(e.monthlyUsd, 0.25 * USE1.fargate.x86.vcpuHour * H + 0.5 * USE1.fargate.x86.gbHour * H + USE1.publicIpv4Hour * H + alb + WATCH_USE1, 'backend-flask.json: 256/512, 1 task, public IP, behind the ALB, its alarms, Container Insights')
  const paused = await monthlyEstimate(run, { counts: { 'backend-flask': 0 }, assumptions: { logGbPerTaskMonth: 0.5 } })
  close(paused.monthlyUsd, 3 * 0.5 * USE1.ecr.storageGbMonth + alb + 5 * USE1.cloudWatch.alarmMetricMonth, 'paused: the three repositories\' images, the ALB and the alarms, which a pause keeps; no task, no Container Insights metric')
  assert.is(
    await costLineFor(run, {}, { counts: { 'backend-flask': 0 } }),
    formatCostLine(await monthlyEstimate(run), paused),
  )
  assert.match(await costLineFor({ ...run, region: 'sa-east-1' }, {}, 0), /^monthly cost: not estimated \(lib\/cost\/prices\.json has no prices for sa-east-1.*--live/)
})

parse('price tables: a region without a date or a price is refused, naming the field', () => {
  const good = JSON.parse(JSON.stringify(FILE))
  assert.ok(parsePriceTable('p.json', good).regions['eu-west-2'])
  const undated = JSON.parse(JSON.stringify(FILE))
  delete undated.regions['eu-west-2'].source
  assert.throws(() => parsePriceTable('p.json', undated), /p\.json: regions\.eu-west-2\.source must say when and where/)
  const unpriced = JSON.parse(JSON.stringify(FILE))
  unpriced.regions['us-east-1'].alb.lcuHour = 'cheap'
  assert.throws(() => parsePriceTable('p.json', unpriced), /regions\.us-east-1\.alb\.lcuHour must be a price/)
  assert.throws(() => pricesFor(shippedPrices(), 'ap-south-1'), /has no prices for ap-south-1 .*--live/)
})

parse('Price List documents: usage types with or without a region prefix, decoys skipped, the first paid tier', () => {
  assert.ok(usageTypeMatches('USE1-Fargate-vCPU-Hours:perCPU', 'Fargate-vCPU-Hours:perCPU'))
  assert.ok(usageTypeMatches('NatGateway-Hours', 'NatGateway-Hours'), 'us-east-1 EC2 usage types have no prefix')
  assert.not.ok(usageTypeMatches('EUW2-RegionalNatGateway-Hours', 'NatGateway-Hours'))
  assert.not.ok(usageTypeMatches('Global-DataProcessing-Bytes', 'DataProcessing-Bytes'))
  const nat = PRICE_QUERIES.find((q) => q.path === 'natGateway.hour')!
  const list = [
    priceDocument({ serviceCode: 'AmazonEC2', productFamily: 'NAT Gateway', usagetype: 'EUW2-RegionalNatGateway-Hours', regionCode: 'eu-west-2', unit: 'Hrs', usd: 0.09 }),
    priceDocument({ serviceCode: 'AmazonEC2', productFamily: 'NAT Gateway', usagetype: 'EUW2-NatGateway-Hours', regionCode: 'eu-west-2', unit: 'Hrs', usd: 0.05 }),
  ]
  assert.is(priceFromPriceList(list, nat), 0.05)
  assert.is(priceFromPriceList(list.map((d) => new String(d)), nat), 0.05, 'the SDK hands documents over as String objects')
  const ingest = PRICE_QUERIES.find((q) => q.path === 'logs.ingestGb')!
  const tiered = [priceDocument({ serviceCode: 'AmazonCloudWatch', productFamily: 'Data Payload', usagetype: 'EUW2-DataProcessing-Bytes', regionCode: 'eu-west-2', unit: 'GB', usd: [[0, 0], [5, 0.5985]] })]
  assert.is(priceFromPriceList(tiered, ingest), 0.5985)
  const alb = PRICE_QUERIES.find((q) => q.path === 'alb.hour')!
  const classic = [priceDocument({ serviceCode: 'AWSELB', productFamily: 'Load Balancer', usagetype: 'EUW2-LoadBalancerUsage', regionCode: 'eu-west-2', unit: 'Hrs', usd: 0.028 })]
  assert.is(priceFromPriceList(classic, alb), undefined, 'a Classic load balancer is not an ALB')
  assert.is(pricingRegionFor('eu-west-2'), 'eu-central-1')
  assert.is(pricingRegionFor('us-west-2'), 'us-east-1')
  assert.is(pricingRegionFor('ap-southeast-2'), 'ap-south-1')
})

const script = suite('scripts/cost')

script('--json gives {"monthlyUsd": number, "items": [...]}, figured by hand from the price file', async () => {
  const r = await runKit('cost', ['--region', 'us-east-1', '--json'], { env: { ECS_SERVICES: 'backend-flask' } })
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout)
  assert.type(doc.monthlyUsd, 'number')
  assert.ok(Array.isArray(doc.items))
  for (const i of doc.items) {
    assert.type(i.kind, 'string')
    assert.type(i.monthlyUsd, 'number')
    assert.type(i.quantity, 'number')
    assert.type(i.unitUsd, 'number')
  }
  const byHand =
    0.25 * USE1.fargate.x86.vcpuHour * H +
    0.5 * USE1.fargate.x86.gbHour * H +
    USE1.publicIpv4Hour * H +
    0.5 * USE1.logs.ingestGb +
    (0.5 / (730 / 24)) * 1 * USE1.logs.storageGbMonth +
    3 * 0.5 * USE1.ecr.storageGbMonth +
    // The backend is routed (json/services.json frontDoor): the load balancer, 1 LCU, a public IPv4 address in each of 2 AZs.
    (USE1.alb.hour + USE1.alb.lcuHour + 2 * USE1.publicIpv4Hour) * H +
    WATCH_USE1
  assert.is(doc.monthlyUsd, Math.round(byHand * 100) / 100)
  assert.is(doc.region, 'us-east-1')
  assert.type(doc.arm64.savingUsd, 'number')
  assert.is(r.stderr, '', 'nothing but JSON')
})

script('the table names the rollback alarms (per service, what they count) and Container Insights, at the shipped prices', async () => {
  const r = await runKit('cost', ['--region', 'us-east-1'], { env: { ECS_SERVICES: undefined } })
  assert.is(r.code, 0, r.all)
  const $ = (n: number) => usd(n).replace('$', '\\$')
  for (const service of ['backend-flask', 'frontend-react-js']) {
    assert.match(r.stdout, new RegExp(`${service}\\s+CloudWatch alarms: 5 alarm metrics \\(rollback alarms\\)\\s+5 alarm metric-months × \\$${USE1.cloudWatch.alarmMetricMonth}\\s+${$(5 * USE1.cloudWatch.alarmMetricMonth)}`))
  }
  assert.match(r.stdout, new RegExp(`stack\\s+Container Insights: 52 metrics \\(10 for the cluster, 21 per service running\\)\\s+52 metric-months × \\$${USE1.cloudWatch.metricMonth}\\s+${$(52 * USE1.cloudWatch.metricMonth)}`))
})

script('the table: one line per item, the total, what ARM64 saves, the assumptions and the prices\' source', async () => {
  const r = await runKit('cost', ['--region', 'eu-west-2', '--log-gb-per-task-month', '2', '--albs', '1'], { env: { ECS_SERVICES: 'backend-flask', LOG_RETENTION_DAYS: '7' } })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /monthly cost in eu-west-2 \(730 hours, prices of 2026-09-25\)/)
  assert.match(r.stdout, /backend-flask\s+Fargate x86 vCPU: 0\.25 vCPU × 1 task\s+182\.5 vCPU-hours × \$0\.04656\s+\$8\.50/)
  assert.match(r.stdout, /Application Load Balancer × 1/)
  assert.match(r.stdout, /total: \$\d+\.\d\d a month/)
  assert.match(r.stdout, /on ARM64 .* saving \$\d+\.\d\d/)
  assert.match(r.stdout, /logs: 2 GB per task a month .*kept 7 day\(s\)/)
  assert.match(r.stdout, /prices: AWS Price List Bulk API offer files for eu-west-2/)
})

script('the front door: a routed service brings the ALB (hours, LCU-hours, a public IPv4 address per AZ) in both regions; ALB_LCU and --alb-lcu change the LCU assumption, which says why', async () => {
  const items = async (args: string[], env: Record<string, string | undefined> = {}) => {
    const r = await runKit('cost', ['--json', ...args], { env: { ECS_SERVICES: 'backend-flask', ALB_LCU: undefined, ...env } })
    assert.is(r.code, 0, r.all)
    return JSON.parse(r.stdout) as { monthlyUsd: number; items: Array<{ kind: string; quantity: number; unitUsd: number; monthlyUsd: number }>; assumptions: string[] }
  }
  for (const [region, p] of [['us-east-1', USE1], ['eu-west-2', EUW2]] as const) {
    const doc = await items(['--region', region])
    const kinds = Object.fromEntries(doc.items.filter((i) => i.kind.startsWith('alb')).map((i) => [i.kind, i]))
    assert.equal(Object.keys(kinds).sort(), ['alb', 'alb-ipv4', 'alb-lcu'], region)
    assert.equal([kinds.alb.quantity, kinds.alb.unitUsd], [730, p.alb.hour], `${region}: hours`)
    assert.equal([kinds['alb-lcu'].quantity, kinds['alb-lcu'].unitUsd], [730, p.alb.lcuHour], `${region}: 1 LCU all month`)
    assert.equal([kinds['alb-ipv4'].quantity, kinds['alb-ipv4'].unitUsd], [2 * 730, p.publicIpv4Hour], `${region}: 2 AZs, an address each`)
  }
  assert.equal([USE1.alb.hour, USE1.alb.lcuHour, EUW2.alb.hour, EUW2.alb.lcuHour], [0.0225, 0.008, 0.02646, 0.0084], 'the shipped ALB prices')
  const base = await items(['--region', 'us-east-1'])
  assert.match(base.assumptions.join('\n'), /ALB: 1 load balancer\(s\) in 2 AZs \(--alb-azs\), using 1 LCU each all month \(--alb-lcu or ALB_LCU; the default 1 LCU is a ceiling for a student app/)
  const byEnv = await items(['--region', 'us-east-1'], { ALB_LCU: '0.25' })
  const byFlag = await items(['--region', 'us-east-1', '--alb-lcu', '0.25'], { ALB_LCU: '7' })
  for (const doc of [byEnv, byFlag]) {
    close(doc.monthlyUsd, Math.round((base.monthlyUsd - 0.75 * 730 * USE1.alb.lcuHour) * 100) / 100, 'a quarter LCU')
    assert.match(doc.assumptions.join('\n'), /using 0\.25 LCU each/)
  }
  const azs = await items(['--region', 'us-east-1', '--alb-azs', '3'])
  close(azs.monthlyUsd, Math.round((base.monthlyUsd + 730 * USE1.publicIpv4Hour) * 100) / 100, 'a third AZ, a third address')
  const bad = await runKit('cost', ['--region', 'us-east-1'], { env: { ALB_LCU: 'lots' } })
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /ALB_LCU must be a decimal number of LCUs from 0 to 10000, got "lots"/)
  assert.not.match(bad.stderr, /\n\s+at /, 'no stack trace')
})

script('an unrouted service (frontDoor false) brings no load balancer; the plan counts the ALB only once it exists, with its AZs', async () => {
  const declared = JSON.parse(readFileSync(join(ROOT, 'json/services.json'), 'utf8'))
  await withServices({ 'backend-flask': { ...declared['backend-flask'], frontDoor: false } }, {}, async (kit) => {
    const r = await kit.run('cost', ['--region', 'us-east-1', '--json'], { env: { ECS_SERVICES: 'backend-flask' } })
    assert.is(r.code, 0, r.all)
    assert.equal(JSON.parse(r.stdout).items.filter((i: { kind: string }) => i.kind.startsWith('alb')), [], 'internal only: no ALB')
  })
  await resetMoto()
  const env = { ...process.env, ECS_SERVICES: 'backend-flask', AWS_DEFAULT_REGION: 'eu-west-2', ALB_LCU: undefined }
  const run = await openContext(env, { mode: 'read-only' })
  const albMonth = (azs: number) => (EUW2.alb.hour + EUW2.alb.lcuHour + azs * EUW2.publicIpv4Hour) * H
  const before = await planCostLine(run, 'templates')
  const [, now, after] = /^monthly cost: (\$[\d.]+) → (\$[\d.]+)/.exec(before) ?? []
  assert.is(now, '$0.00', before)
  const ec2 = run.client(EC2Client, 'EC2')
  const zones = new Set(((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets ?? []).map((x) => x.AvailabilityZone)).size
  assert.ok(zones >= 2, `${zones} zones`)
  // The ALB to come spans every zone of the default VPC, as elbv2/create-load-balancer makes it: an address in each.
  const planned = await monthlyEstimate(run, { imageGb: { 'backend-flask': 0, 'frontend-react-js': 0, 'cruddur-python': 0 }, assumptions: { albAzs: zones } })
  assert.is(after, usd(planned.monthlyUsd), 'provision --dry-run: the ALB the templates route to, in the plan')
  assert.ok(planned.items.some((i) => i.kind === 'alb-ipv4' && i.quantity === zones * H))
  assert.ok(planned.items.some((i) => i.kind === 'alb'), 'the plan has the ALB')
  assert.is(await planCostLine(run, 'current'), `monthly cost now: $0.00`, 'nothing runs, no ALB yet')
  // The ALB exists in two AZs (made here so, not as the step makes it): it bills now, an address per AZ, tasks or not.
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets ?? []).slice(0, 2)
  assert.is(subnets.length, 2)
  await elbv2(run).send(new CreateLoadBalancerCommand({ Name: 'cruddur-alb', Scheme: 'internet-facing', Type: 'application', Subnets: subnets.map((x) => x.SubnetId!) }))
  const current = await planCostLine(run, 'current')
  assert.is(current, `monthly cost now: ${usd(albMonth(2))}`)
  const teardown = await planCostLine(run, 'teardown')
  assert.ok(teardown.startsWith(`monthly cost: ${usd(albMonth(2))} → $0.00`), teardown)
  await resetMoto()
})

script("--express-mode: the same two services at Express Mode's defaults (1 vCPU / 2 GB per task, one task each, the ALB), by hand; only Fargate differs from the kit's bill", async () => {
  const run = async (args: string[]) => {
    const r = await runKit('cost', ['--region', 'us-east-1', '--json', ...args], { env: { ECS_SERVICES: undefined, ALB_LCU: undefined, LOG_RETENTION_DAYS: undefined } })
    assert.is(r.code, 0, r.all)
    return JSON.parse(r.stdout) as { monthlyUsd: number; items: Array<{ kind: string; resource?: string; monthlyUsd: number }>; assumptions: string[] }
  }
  const [kit, express] = [await run([]), await run(['--express-mode'])]
  const fargate = (doc: typeof kit) => doc.items.filter((i) => i.kind.startsWith('fargate-')).reduce((t, i) => t + i.monthlyUsd, 0)
  close(fargate(express), 2 * (1 * USE1.fargate.x86.vcpuHour + 2 * USE1.fargate.x86.gbHour) * H, 'two tasks of 1 vCPU / 2 GB')
  // Express Mode makes its own canary alarm (not priced), not the kit's rollback alarms, and leaves Container Insights as the account has it.
  const watch = (i: { kind: string }) => i.kind === 'cloudwatch-alarms' || i.kind === 'container-insights'
  assert.equal(express.items.filter(watch), [], 'none of the kit\'s alarms or Container Insights in Express Mode\'s column')
  assert.equal(kit.items.filter(watch).map((i) => i.kind), ['cloudwatch-alarms', 'cloudwatch-alarms', 'container-insights'])
  const rest = (doc: typeof kit) => doc.items.filter((i) => !i.kind.startsWith('fargate-') && !watch(i)).map((i) => `${i.kind} ${i.resource ?? ''} ${i.monthlyUsd}`)
  assert.equal(rest(express), rest(kit), 'the ALB, its addresses, the tasks\' addresses, logs and images are the same on both sides')
  assert.ok(express.items.some((i) => i.kind === 'alb'))
  assert.match(express.assumptions[0], /Express Mode's defaults .* 1 vCPU \/ 2 GB per task/)
  const both = await runKit('cost', ['--express-mode', '--deployed', '--region', 'us-east-1'])
  assert.is(both.code, 2)
  assert.match(both.stderr, /--express-mode prices the templates' services as Express Mode would run them: leave out --deployed/)
})

script('--arch arm64 prices the ARM64 figure; bad flags and unpriced regions are usage errors that say what to do', async () => {
  const x86 = JSON.parse((await runKit('cost', ['--region', 'us-east-1', '--json'])).stdout)
  const arm = JSON.parse((await runKit('cost', ['--region', 'us-east-1', '--json', '--arch', 'arm64'])).stdout)
  assert.is(arm.monthlyUsd, x86.arm64.monthlyUsd)
  assert.ok(arm.items.some((i: { description: string }) => i.description.startsWith('Fargate ARM64 vCPU')))
  const region = await runKit('cost', ['--region', 'ap-southeast-2'])
  assert.is(region.code, 2)
  assert.match(region.stderr, /cost: lib\/cost\/prices\.json has no prices for ap-southeast-2 .*--live/)
  const arch = await runKit('cost', ['--arch', 'sparc'])
  assert.is(arch.code, 2)
  assert.match(arch.stderr, /--arch must be x86 or arm64, got "sparc"/)
  const gb = await runKit('cost', ['--log-gb-per-task-month', 'lots'])
  assert.is(gb.code, 2)
  assert.match(gb.stderr, /--log-gb-per-task-month must be a decimal number from 0 to 10000, got "lots"/)
  for (const [flag, value] of [
    ['--image-gb', '1e308'],
    ['--image-gb', '0x10'],
    ['--image-gb', 'Infinity'],
    ['--image-gb', '-1'],
    ['--image-gb', '10001'],
    ['--log-gb-per-task-month', '1e3'],
    ['--nat-gb', ' '],
    ['--albs', '0x10'],
    ['--albs', '1.5'],
    ['--albs', '51'],
    ['--nat-gateways', '1e2'],
  ]) {
    const r = await runKit('cost', ['--region', 'us-east-1', `${flag}=${value}`])
    assert.is(r.code, 2, `${flag} ${value}: ${r.all}`)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, new RegExp(`${flag} must be a (whole|decimal) number from 0 to \\d+, got "${value.replace(/[.+]/g, '\\$&')}"`))
    assert.is(r.stdout, '', 'nothing priced')
  }
  const noRegion = await runKit('cost', [], { env: { AWS_DEFAULT_REGION: undefined, AWS_REGION: undefined, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' } })
  assert.is(noRegion.code, 2, noRegion.all)
  assert.match(noRegion.stderr, /no region to price: pass --region/)
  const help = await runKit('cost', ['--help'])
  assert.is(help.code, 0)
  assert.match(help.stdout, /--live/)
  assert.match(help.stdout, /--deployed/)
})

script('the largest amounts the flags take still give a finite figure: monthlyUsd is a number, the x86 stack is offered ARM64', async () => {
  const args = ['--image-gb', '10000', '--log-gb-per-task-month', '10000', '--albs', '50', '--alb-lcu', '10000', '--nat-gateways', '100', '--nat-gb', '1000000']
  const json = await runKit('cost', ['--region', 'us-east-1', '--json', ...args])
  assert.is(json.code, 0, json.all)
  const doc = JSON.parse(json.stdout)
  assert.type(doc.monthlyUsd, 'number')
  assert.ok(Number.isFinite(doc.monthlyUsd) && doc.monthlyUsd > 0, String(doc.monthlyUsd))
  assert.is(doc.arm64.already, false)
  const table = await runKit('cost', ['--region', 'us-east-1', ...args])
  assert.is(table.code, 0, table.all)
  assert.not.match(table.stdout, /Infinity|NaN|already on ARM64/)
  assert.match(table.stdout, /on ARM64 .* saving \$\d+\.\d\d/)
})

pure.run()
parse.run()
script.run()
