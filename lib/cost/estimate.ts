// The monthly cost of what the kit would run, worked out from a workload (what runs, how
// many, how big) and one region's prices. Everything here is pure: reading templates and
// the account happens in lib/cost/workload.ts, prices come from lib/cost/prices.ts.
import type { Arch, RegionPrices } from './prices.js'

/**
 * The LCUs an ALB is assumed to use, every hour of the month. AWS bills the highest of four
 * dimensions per hour (new connections, active connections, bytes processed, rule
 * evaluations); a student app stays far below one in each, so 1 is a ceiling, not a guess low.
 */
export const ALB_LCU_DEFAULT = 1
/** The AZs an ALB spans when nothing says more: the fewest AWS accepts. */
export const ALB_AZS_DEFAULT = 2

/** Hours in a month, as AWS's own calculator counts them. */
export const HOURS_PER_MONTH = 730
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24

/**
 * The metrics Container Insights (containerInsights=enabled) sends for Amazon ECS, billed as
 * custom metrics (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html):
 * CpuUtilized, CpuReserved, MemoryUtilized, MemoryReserved, NetworkRxBytes, NetworkTxBytes,
 * StorageReadBytes and StorageWriteBytes for the cluster, each service and each task definition
 * family (8 each); DeploymentCount, DesiredTaskCount, PendingTaskCount, RunningTaskCount and
 * TaskSetCount per service (5); ServiceCount and TaskCount per cluster (2; ContainerInstanceCount
 * counts EC2 instances, of which Fargate has none). Each of the kit's services is its own task
 * definition family. Only what has tasks RUNNING sends any.
 */
export const CONTAINER_INSIGHTS_METRICS = { cluster: 8 + 2, service: 8 + 5, taskFamily: 8 } as const

/** Container Insights' metrics for a cluster with this many services running tasks (each its own family). Pure. */
export function containerInsightsMetrics(servicesRunning: number): number {
  if (servicesRunning <= 0) return 0
  const m = CONTAINER_INSIGHTS_METRICS
  return m.cluster + servicesRunning * (m.service + m.taskFamily)
}

/**
 * The metrics an alarm is billed for: a standard-resolution alarm costs per metric it reads, so
 * one on metric math counts each metric its expression reads (not the expression), one on a
 * single metric counts 1. Takes PutMetricAlarm's input or DescribeAlarms' answer. Pure.
 */
export function alarmMetricCount(alarm: { MetricName?: string | undefined; Metrics?: ReadonlyArray<{ MetricStat?: unknown }> | undefined }): number {
  if (alarm.Metrics?.length) return alarm.Metrics.filter((m) => m.MetricStat !== undefined).length
  return alarm.MetricName ? 1 : 0
}

/** One service as it would run. */
export interface ServiceWorkload {
  name: string
  /** Per task. */
  vcpu: number
  memoryGb: number
  arch: Arch
  /** Tasks running all month. */
  desiredCount: number
  /** assignPublicIp ENABLED: one public IPv4 address per task. */
  publicIp: boolean
  /** The service file declares loadBalancers. */
  loadBalanced: boolean
  /** The metrics its rollback alarms read (alarmMetricCount of each); 0 or absent: none. */
  alarmMetrics?: number
}

/** The assumptions a user can change, each stated with the estimate. */
export interface Assumptions {
  /** Log volume one task sends to CloudWatch Logs in a month. */
  logGbPerTaskMonth: number
  /** LOG_RETENTION_DAYS: how long CloudWatch keeps them. */
  logRetentionDays: number
  /** Load balancers (ALBs): the front door, when a service is routed. */
  albs: number
  /** Availability Zones each ALB spans: an internet-facing ALB holds a public IPv4 address in each. */
  albAzs: number
  /** Average LCUs each ALB uses, all month. */
  albLcu: number
  natGateways: number
  /** Data each NAT gateway processes in a month. */
  natGbPerMonth: number
}

export interface Workload {
  services: ServiceWorkload[]
  /** Stored image data per ECR repository, in GB. */
  images: Array<{ repository: string; gb: number; measured: boolean }>
  assumptions: Assumptions
  /** Container Insights is on for the cluster (lib/steps/cluster.ts turns it on for the rollback alarms). */
  containerInsights?: boolean
}

export interface CostItem {
  /** e.g. fargate-vcpu, fargate-memory, public-ipv4, logs-ingestion, logs-storage, ecr-storage, cloudwatch-alarms, container-insights, alb, alb-lcu, alb-ipv4, nat-gateway, nat-data, nat-ipv4. */
  kind: string
  /** The service or repository it belongs to, when it belongs to one. */
  resource?: string
  description: string
  quantity: number
  unit: string
  unitUsd: number
  monthlyUsd: number
}

export interface Estimate {
  region: string
  hoursPerMonth: number
  prices: { date: string; source: string }
  items: CostItem[]
  monthlyUsd: number
  /** The same stack with every service on ARM64 (Graviton): its total, what it saves, and whether every service is on ARM64 already. */
  arm64: { monthlyUsd: number; savingUsd: number; already: boolean }
  assumptions: string[]
  /** From min to max tasks of the services that auto scale (lib/cost/range.ts). */
  scaling?: ScalingRange
}

const item = (kind: string, resource: string | undefined, description: string, quantity: number, unit: string, unitUsd: number): CostItem => ({
  kind,
  ...(resource !== undefined ? { resource } : {}),
  description,
  quantity,
  unit,
  unitUsd,
  monthlyUsd: quantity * unitUsd,
})

const sum = (items: readonly CostItem[]): number => items.reduce((total, i) => total + i.monthlyUsd, 0)

const archLabel = (arch: Arch): string => (arch === 'arm64' ? 'ARM64' : 'x86')

function fargateItems(s: ServiceWorkload, prices: RegionPrices, arch: Arch): CostItem[] {
  const p = prices.fargate[arch]
  const tasks = `${s.desiredCount} task${s.desiredCount === 1 ? '' : 's'}`
  return [
    item('fargate-vcpu', s.name, `Fargate ${archLabel(arch)} vCPU: ${s.vcpu} vCPU × ${tasks}`, s.vcpu * s.desiredCount * HOURS_PER_MONTH, 'vCPU-hours', p.vcpuHour),
    item('fargate-memory', s.name, `Fargate ${archLabel(arch)} memory: ${s.memoryGb} GB × ${tasks}`, s.memoryGb * s.desiredCount * HOURS_PER_MONTH, 'GB-hours', p.gbHour),
  ]
}

/** The monthly cost of a workload at a region's prices; `arch` prices every service as that architecture. Pure. */
export function estimate(workload: Workload, prices: RegionPrices, options: { arch?: Arch } = {}): Estimate {
  const a = workload.assumptions
  const services = workload.services.map((s) => ({ ...s, arch: options.arch ?? s.arch }))
  const items: CostItem[] = []
  for (const s of services) {
    items.push(...fargateItems(s, prices, s.arch))
    if (s.publicIp && s.desiredCount > 0) {
      items.push(item('public-ipv4', s.name, `public IPv4: ${s.desiredCount} address${s.desiredCount === 1 ? '' : 'es'} (assignPublicIp ENABLED)`, s.desiredCount * HOURS_PER_MONTH, 'address-hours', prices.publicIpv4Hour))
    }
    if (s.desiredCount > 0 && a.logGbPerTaskMonth > 0) {
      items.push(item('logs-ingestion', s.name, `CloudWatch Logs ingestion: ${a.logGbPerTaskMonth} GB × ${s.desiredCount} task(s)`, a.logGbPerTaskMonth * s.desiredCount, 'GB', prices.logs.ingestGb))
    }
  }
  const ingested = services.reduce((total, s) => total + a.logGbPerTaskMonth * s.desiredCount, 0)
  if (ingested > 0) {
    const stored = (ingested / DAYS_PER_MONTH) * a.logRetentionDays
    items.push(item('logs-storage', undefined, `CloudWatch Logs storage: ${a.logRetentionDays} day(s) of logs kept`, stored, 'GB-months', prices.logs.storageGbMonth))
  }
  for (const s of services) {
    // Alarms bill whether tasks run or not (a pause keeps them).
    const n = s.alarmMetrics ?? 0
    if (n > 0) items.push(item('cloudwatch-alarms', s.name, `CloudWatch alarms: ${n} alarm metric${n === 1 ? '' : 's'} (rollback alarms)`, n, 'alarm metric-months', prices.cloudWatch.alarmMetricMonth))
  }
  const running = services.filter((s) => s.desiredCount > 0).length
  const insights = workload.containerInsights ? containerInsightsMetrics(running) : 0
  if (insights > 0) {
    const { cluster, service, taskFamily } = CONTAINER_INSIGHTS_METRICS
    items.push(
      item('container-insights', undefined, `Container Insights: ${insights} metrics (${cluster} for the cluster, ${service + taskFamily} per service running)`, insights, 'metric-months', prices.cloudWatch.metricMonth),
    )
  }
  for (const image of workload.images) {
    if (image.gb > 0) {
      items.push(item('ecr-storage', image.repository, `ECR storage: ${image.measured ? 'images stored' : 'assumed image data'}`, image.gb, 'GB-months', prices.ecr.storageGbMonth))
    }
  }
  if (a.albs > 0) {
    items.push(item('alb', undefined, `Application Load Balancer × ${a.albs}`, a.albs * HOURS_PER_MONTH, 'hours', prices.alb.hour))
    items.push(item('alb-lcu', undefined, `ALB capacity: ${a.albLcu} LCU each, all month`, a.albs * a.albLcu * HOURS_PER_MONTH, 'LCU-hours', prices.alb.lcuHour))
    items.push(item('alb-ipv4', undefined, `ALB public IPv4: ${a.albAzs} AZs × ${a.albs} (one address per AZ)`, a.albAzs * a.albs * HOURS_PER_MONTH, 'address-hours', prices.publicIpv4Hour))
  }
  if (a.natGateways > 0) {
    items.push(item('nat-gateway', undefined, `NAT gateway × ${a.natGateways}`, a.natGateways * HOURS_PER_MONTH, 'hours', prices.natGateway.hour))
    items.push(item('nat-data', undefined, `NAT gateway data: ${a.natGbPerMonth} GB each`, a.natGateways * a.natGbPerMonth, 'GB', prices.natGateway.gb))
    items.push(item('nat-ipv4', undefined, `NAT gateway public IPv4 × ${a.natGateways}`, a.natGateways * HOURS_PER_MONTH, 'address-hours', prices.publicIpv4Hour))
  }
  const monthlyUsd = sum(items)
  const fargateNow = sum(items.filter((i) => i.kind.startsWith('fargate-')))
  const fargateArm = sum(services.flatMap((s) => fargateItems(s, prices, 'arm64')))
  const armTotal = monthlyUsd - fargateNow + fargateArm
  return {
    region: prices.region,
    hoursPerMonth: HOURS_PER_MONTH,
    prices: { date: prices.date, source: prices.source },
    items,
    monthlyUsd,
    arm64: { monthlyUsd: armTotal, savingUsd: monthlyUsd - armTotal, already: services.length > 0 && services.every((s) => s.arch === 'arm64') },
    assumptions: assumptionLines(workload),
  }
}

/** The assumptions behind an estimate, each with the flag or variable that changes it. Pure. */
export function assumptionLines(workload: Workload): string[] {
  const a = workload.assumptions
  const lines = [
    `${HOURS_PER_MONTH} hours a month, every task running all month; on-demand prices, free tiers ignored`,
    `logs: ${a.logGbPerTaskMonth} GB per task a month (--log-gb-per-task-month), kept ${a.logRetentionDays} day(s) (LOG_RETENTION_DAYS), stored volume at steady state`,
  ]
  const assumed = workload.images.filter((i) => !i.measured)
  if (assumed.length > 0) lines.push(`ECR: ${assumed[0].gb} GB of images per repository (--image-gb; --deployed measures them)`)
  if (workload.images.some((i) => i.measured)) lines.push('ECR: image sizes as ECR reports them (an upper bound: layers shared between images are stored once)')
  if (a.albs > 0) {
    lines.push(
      `ALB: ${a.albs} load balancer(s) in ${a.albAzs} AZs (--alb-azs), using ${a.albLcu} LCU each all month (--alb-lcu or ALB_LCU; ` +
        `the default ${ALB_LCU_DEFAULT} LCU is a ceiling for a student app: one LCU is 25 new connections/s, 3,000 active connections, 1 GB/hour processed or 1,000 rule evaluations/s, whichever is highest)`,
    )
  }
  if (a.natGateways > 0) lines.push(`NAT: ${a.natGateways} gateway(s) processing ${a.natGbPerMonth} GB each (--nat-gateways, --nat-gb)`)
  if (workload.services.some((s) => (s.alarmMetrics ?? 0) > 0)) {
    lines.push('CloudWatch alarms: standard resolution, billed per metric each alarm reads (the 5xx rate and the task counts read 2 each, unhealthy hosts 1; "rollbackAlarms" in json/services.json)')
  }
  if (workload.containerInsights) {
    lines.push("Container Insights: its metrics, billed as custom metrics while a service has tasks running; its performance log events (a few MB a day per task) are not counted")
  }
  return lines
}

/** Dollars to cents for display, e.g. $12.66. Pure. */
export function usd(amount: number): string {
  const cents = Math.round(amount * 100) / 100
  return `${cents < 0 ? '-' : ''}$${Math.abs(cents).toFixed(2)}`
}

export interface CostDelta {
  beforeUsd: number
  afterUsd: number
  deltaUsd: number
}

const total = (e: Estimate | number): number => (typeof e === 'number' ? e : e.monthlyUsd)

/** The change a plan makes to the monthly figure (before and after: estimates, or amounts in USD). Pure. */
export function costDelta(before: Estimate | number, after: Estimate | number): CostDelta {
  const beforeUsd = total(before)
  const afterUsd = total(after)
  return { beforeUsd, afterUsd, deltaUsd: afterUsd - beforeUsd }
}

/** One line for the end of a plan: `monthly cost: $12.66 → $25.32 (+$12.66)`, or `monthly cost: $12.66 (no change)`. Pure. */
export function formatCostLine(before: Estimate | number, after: Estimate | number): string {
  const d = costDelta(before, after)
  if (usd(d.beforeUsd) === usd(d.afterUsd)) return `monthly cost: ${usd(d.afterUsd)} (no change)`
  const sign = d.deltaUsd > 0 ? '+' : ''
  return `monthly cost: ${usd(d.beforeUsd)} → ${usd(d.afterUsd)} (${sign}${usd(d.deltaUsd)})`
}

const quantity = (n: number): string => (Number.isInteger(n) ? String(n) : n >= 10 ? n.toFixed(1) : String(Number(n.toPrecision(3))))

/** The per-item table, the total, what ARM64 would save and the assumptions, as lines. Pure. */
export function formatEstimate(e: Estimate): string[] {
  const rows = e.items.map((i) => [
    i.resource ?? 'stack',
    i.description,
    `${quantity(i.quantity)} ${i.unit} × $${i.unitUsd}`,
    usd(i.monthlyUsd),
  ])
  const widths = [0, 1, 2].map((c) => Math.max(0, ...rows.map((r) => r[c].length)))
  const lines = [`monthly cost in ${e.region} (${e.hoursPerMonth} hours, prices of ${e.prices.date})`]
  if (rows.length === 0) lines.push('  nothing that costs money would run')
  for (const r of rows) lines.push(`  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3].padStart(9)}`)
  lines.push(`  total: ${usd(e.monthlyUsd)} a month`)
  if (e.scaling) lines.push(formatScalingRange(e.scaling))
  if (e.arm64.savingUsd > 0.005) {
    lines.push(`  on ARM64 (runtimePlatform.cpuArchitecture ARM64, images built for linux/arm64): ${usd(e.arm64.monthlyUsd)} a month, saving ${usd(e.arm64.savingUsd)}`)
  } else if (e.arm64.already) {
    lines.push('  already on ARM64: nothing more to save by architecture')
  } else if (e.items.some((i) => i.kind.startsWith('fargate-'))) {
    lines.push('  on ARM64: no saving while no task runs')
  }
  lines.push('assumptions:', ...e.assumptions.map((a) => `  - ${a}`), `prices: ${e.prices.source}`)
  return lines
}

const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places

/** The --json document: `{"monthlyUsd": number, "items": [...]}` and the rest of the estimate, rounded for reading. Pure. */
export function estimateJson(e: Estimate): Estimate {
  return {
    ...e,
    monthlyUsd: round(e.monthlyUsd, 2),
    items: e.items.map((i) => ({ ...i, quantity: round(i.quantity, 6), monthlyUsd: round(i.monthlyUsd, 4) })),
    arm64: { ...e.arm64, monthlyUsd: round(e.arm64.monthlyUsd, 2), savingUsd: round(e.arm64.savingUsd, 2) },
  }
}

/** From min to max tasks of the services that scale, and what a month costs at each end. */
export interface ScalingRange {
  minTasks: number
  maxTasks: number
  minUsd: number
  maxUsd: number
  /** Each scaling service's bounds, by name. */
  services: Record<string, { min: number; max: number }>
}

const tasksText = (n: number) => `${n} task${n === 1 ? '' : 's'}`

/** "auto scaling: $x a month at 2 tasks … $y at 4 tasks (backend-flask 1-2, ...)". Pure. */
export const formatScalingRange = (r: ScalingRange): string =>
  `  auto scaling: ${usd(r.minUsd)} a month at ${tasksText(r.minTasks)} … ${usd(r.maxUsd)} at ${tasksText(r.maxTasks)} ` +
  `(${Object.entries(r.services).map(([name, b]) => `${name} ${b.min}-${b.max}`).join(', ')}; "scaling" in json/services.json)`
