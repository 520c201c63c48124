// What the kit would run, read from its templates (task definitions: cpu, memory,
// runtimePlatform; service files: desiredCount, assignPublicIp, loadBalancers), and what the
// account runs and stores (ECS desired counts, ECR image sizes); then priced. The small API
// other scripts call: monthlyEstimate(run, options) and costLineFor(run, before, after).
import { get } from '../config/env.js'
import { declaredServices, serviceNamed, type ServiceDeclaration } from '../config/services.js'
import { elbv2, findLoadBalancer } from '../front-door/lookup.js'
import { routedServices } from '../front-door/routes.js'
import { awsErrorIs } from '../aws/clients.js'
import { openContext, type RunContext } from '../aws/context.js'
import { ConfigError, KitError, UsageError } from '../core/errors.js'
import { describeError } from '../core/describe-error.js'
import { loadTemplate, render } from '../templates/template.js'
import { findDefaultVpc, listSubnetZones, oneSubnetPerZone } from '../aws/network.js'
import { containerInsightsOn, wantsContainerInsights } from '../steps/cluster.js'
import { alarmKinds, cloudWatch, readAlarms, rollbackAlarmNames, wantedAlarm } from '../steps/rollback-alarms.js'
import { ALB_AZS_DEFAULT, ALB_LCU_DEFAULT, alarmMetricCount, estimate, formatCostLine, usd, type Assumptions, type Estimate, type ServiceWorkload, type Workload } from './estimate.js'
import { PRICES_FILE, livePrices, pricesFor, pricingRegionFor, shippedPrices, type Arch, type GetProducts, type RegionPrices } from './prices.js'

/** The defaults of the assumptions a user can change (scripts/cost's flags). */
export const DEFAULT_ASSUMPTIONS = {
  logGbPerTaskMonth: 0.5,
  imageGb: 0.5,
  albLcu: ALB_LCU_DEFAULT,
  albAzs: ALB_AZS_DEFAULT,
  natGateways: 0,
  natGbPerMonth: 10,
} as const

/**
 * The most each assumption flag may be: beyond any stack this kit runs (50 load balancers is
 * a region's default quota), and small enough that every product stays a finite dollar figure.
 */
export const ASSUMPTION_FLAGS = {
  'log-gb-per-task-month': { max: 10_000, whole: false },
  'image-gb': { max: 10_000, whole: false },
  albs: { max: 50, whole: true },
  'alb-lcu': { max: 10_000, whole: false },
  'alb-azs': { max: 10, whole: true },
  'nat-gateways': { max: 100, whole: true },
  'nat-gb': { max: 1_000_000, whole: false },
} as const

/**
 * A flag's amount: a plain decimal ("0.5", "12"), within the flag's range; no exponent, hex or
 * sign, which Number() would read as something else. The kit's API may pass a number: finite,
 * 0 or more, whole where the flag is. Throws a UsageError naming the flag. Pure.
 */
export function parseAssumption(value: string | number | undefined, flag: keyof typeof ASSUMPTION_FLAGS): number | undefined {
  if (value === undefined) return undefined
  const { max, whole } = ASSUMPTION_FLAGS[flag]
  const n = Number(value)
  const wellFormed =
    typeof value === 'number'
      ? Number.isFinite(n) && n >= 0 && (!whole || Number.isInteger(n))
      : (whole ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/).test(value.trim())
  if (!wellFormed || n > max) {
    throw new UsageError(`--${flag} must be a ${whole ? 'whole number' : 'decimal number'} from 0 to ${max}, got "${value}"`)
  }
  return n
}

/** ALB_LCU: the LCU assumption from the environment (the --alb-lcu flag wins), checked as the flag is. */
export function albLcuFromEnv(env: RunContext['env']): number | undefined {
  const text = get(env, 'ALB_LCU')
  if (text === undefined || text.trim() === '') return undefined
  try {
    return parseAssumption(text, 'alb-lcu')
  } catch {
    throw new ConfigError(`ALB_LCU must be a decimal number of LCUs from 0 to ${ASSUMPTION_FLAGS['alb-lcu'].max}, got "${text}"`)
  }
}

const fail = (file: string, field: string, what: string): never => {
  throw new ConfigError(`${file}: "${field}" ${what}`)
}

/** A task definition's size and architecture: cpu as units ("256") or "0.25 vCPU", memory as MiB ("512") or "0.5 GB". Pure. */
export function taskSize(file: string, json: unknown): { vcpu: number; memoryGb: number; arch: Arch } {
  const td = (json ?? {}) as { cpu?: unknown; memory?: unknown; runtimePlatform?: { cpuArchitecture?: unknown; operatingSystemFamily?: unknown } }
  const cpuText = String(td.cpu ?? '').trim()
  const memoryText = String(td.memory ?? '').trim()
  let vcpu: number | undefined
  if (/^\d+(\.\d+)?$/.test(cpuText)) vcpu = Number(cpuText) / 1024
  else if (/^\d+(\.\d+)?\s*vcpu$/i.test(cpuText)) vcpu = parseFloat(cpuText)
  if (!vcpu) return fail(file, 'cpu', `is ${td.cpu === undefined ? 'missing' : JSON.stringify(td.cpu)}: Fargate needs a task-level cpu such as "256" (0.25 vCPU)`)
  let memoryGb: number | undefined
  if (/^\d+(\.\d+)?$/.test(memoryText)) memoryGb = Number(memoryText) / 1024
  else if (/^\d+(\.\d+)?\s*gb$/i.test(memoryText)) memoryGb = parseFloat(memoryText)
  if (!memoryGb) return fail(file, 'memory', `is ${td.memory === undefined ? 'missing' : JSON.stringify(td.memory)}: Fargate needs a task-level memory such as "512" (MiB)`)
  const os = td.runtimePlatform?.operatingSystemFamily
  if (os !== undefined && os !== 'LINUX') fail(file, 'runtimePlatform.operatingSystemFamily', `is ${JSON.stringify(os)}: the kit prices Linux tasks only`)
  const cpuArchitecture = td.runtimePlatform?.cpuArchitecture
  if (cpuArchitecture !== undefined && cpuArchitecture !== 'X86_64' && cpuArchitecture !== 'ARM64') {
    fail(file, 'runtimePlatform.cpuArchitecture', `is ${JSON.stringify(cpuArchitecture)}: use X86_64 or ARM64`)
  }
  return { vcpu, memoryGb, arch: cpuArchitecture === 'ARM64' ? 'arm64' : 'x86' }
}

/** A service file's count, public IP and load balancers. A file without desiredCount runs 1 task. Pure. */
export function serviceShape(file: string, json: unknown): { desiredCount: number; publicIp: boolean; loadBalanced: boolean } {
  const s = (json ?? {}) as { desiredCount?: unknown; networkConfiguration?: { awsvpcConfiguration?: { assignPublicIp?: unknown } }; loadBalancers?: unknown }
  const count = s.desiredCount ?? 1
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) fail(file, 'desiredCount', 'must be a whole number of tasks, 0 or more')
  return {
    desiredCount: count as number,
    publicIp: s.networkConfiguration?.awsvpcConfiguration?.assignPublicIp === 'ENABLED',
    loadBalanced: Array.isArray(s.loadBalancers) && s.loadBalancers.length > 0,
  }
}

/** A template rendered for pricing: placeholders with no value stay as stand-ins (prices do not depend on ARNs or ids). */
function renderForPricing(file: string, run: Pick<RunContext, 'env' | 'region'>): unknown {
  return render(loadTemplate(file), (name) => (name === 'REGION' ? run.region : (get(run.env, name) ?? `<${name}>`)), () => '')
}

export interface EstimateOptions {
  /** Desired count per service (e.g. the live ones, or 0 for a pause); a service not named keeps its file's count. */
  counts?: Readonly<Record<string, number>>
  /** Stored image data per ECR repository in GB (measured); a repository not named gets the --image-gb assumption. */
  imageGb?: Readonly<Record<string, number>>
  /** Whether each service's tasks get a public IP (e.g. the live services' assignPublicIp); a service not named keeps its file's. */
  publicIp?: Readonly<Record<string, boolean>>
  /** Price every service as this architecture instead of its task definition's. */
  arch?: Arch
  /** Price every task at this size instead of its task definition's (e.g. Express Mode's defaults). */
  size?: { vcpu: number; memoryGb: number }
  /** Metrics each service's rollback alarms read (e.g. of the alarms that exist); a service not named gets its declaration's. */
  alarmMetrics?: Readonly<Record<string, number>>
  /** Whether the cluster has Container Insights (e.g. as it is); default: on when a service's declaration wants it, as the cluster step does. */
  containerInsights?: boolean
  /** Prices to use (e.g. live ones); default: the shipped table's for run.region. */
  prices?: RegionPrices
  assumptions?: Partial<Assumptions & { imageGb: number }>
}

/** The metrics a service's declared rollback alarms read, as the alarm step would put them (lib/steps/rollback-alarms.ts). Pure. */
export function declaredAlarmMetrics(service: ServiceDeclaration, cluster: string): number {
  const declaration = service.rollbackAlarms
  if (!declaration) return 0
  return alarmKinds(service).reduce((total, kind) => total + alarmMetricCount(wantedAlarm(kind, service.name, cluster, declaration, undefined)), 0)
}

/** The workload the templates describe for the run's services, with the given counts and sizes. Reads templates; calls no AWS. */
export function templateWorkload(run: Pick<RunContext, 'env' | 'region' | 'names'>, options: EstimateOptions = {}): Workload {
  const services: ServiceWorkload[] = run.names.services.map((name) => {
    const declared = serviceNamed(name)
    const size = taskSize(declared.taskDefinitionFile, renderForPricing(declared.taskDefinitionFile, run))
    const shape = serviceShape(declared.serviceFile, renderForPricing(declared.serviceFile, run))
    const count = options.counts?.[name]
    return {
      name,
      ...size,
      ...(options.size ?? {}),
      ...shape,
      // Routed by the front door (its declaration's frontDoor), or a file that names a load balancer itself.
      loadBalanced: shape.loadBalanced || declared.frontDoor !== undefined,
      desiredCount: count ?? shape.desiredCount,
      publicIp: options.publicIp?.[name] ?? shape.publicIp,
      alarmMetrics: options.alarmMetrics?.[name] ?? declaredAlarmMetrics(declared, run.names.cluster),
    }
  })
  const given = options.assumptions ?? {}
  const imageGb = given.imageGb ?? DEFAULT_ASSUMPTIONS.imageGb
  const images = run.names.repositories.map((repository) => {
    const measured = options.imageGb?.[repository]
    return { repository, gb: measured ?? imageGb, measured: measured !== undefined }
  })
  return {
    services,
    images,
    containerInsights: options.containerInsights ?? wantsContainerInsights(run.names.services.map((name) => serviceNamed(name))),
    assumptions: {
      logGbPerTaskMonth: given.logGbPerTaskMonth ?? DEFAULT_ASSUMPTIONS.logGbPerTaskMonth,
      logRetentionDays: given.logRetentionDays ?? run.names.logRetentionDays,
      // One ALB (the front door) in front of every routed service, unless said otherwise.
      albs: given.albs ?? (services.some((s) => s.loadBalanced) ? 1 : 0),
      albAzs: given.albAzs ?? DEFAULT_ASSUMPTIONS.albAzs,
      albLcu: given.albLcu ?? albLcuFromEnv(run.env) ?? DEFAULT_ASSUMPTIONS.albLcu,
      natGateways: given.natGateways ?? DEFAULT_ASSUMPTIONS.natGateways,
      natGbPerMonth: given.natGbPerMonth ?? DEFAULT_ASSUMPTIONS.natGbPerMonth,
    },
  }
}

/** The monthly cost of what the templates (and the given counts) would run in run.region. */
export async function monthlyEstimate(run: Pick<RunContext, 'env' | 'region' | 'names'>, options: EstimateOptions = {}): Promise<Estimate> {
  const prices = options.prices ?? pricesFor(shippedPrices(), run.region)
  return estimate(templateWorkload(run, options), prices, options.arch ? { arch: options.arch } : {})
}

/**
 * The one line a plan ends with: `monthly cost: $12.66 → $25.32 (+$12.66)`. `after` 0 means
 * nothing left (teardown). Never throws: a region without shipped prices, or a template that
 * cannot be read, gives a line saying why the figure is missing.
 */
export async function costLineFor(run: Pick<RunContext, 'env' | 'region' | 'names'>, before: EstimateOptions | 0, after: EstimateOptions | 0): Promise<string> {
  try {
    const [b, a] = await Promise.all([before === 0 ? 0 : monthlyEstimate(run, before), after === 0 ? 0 : monthlyEstimate(run, after)])
    return formatCostLine(b, a)
  } catch (error) {
    return `monthly cost: not estimated (${describeError(error).line})`
  }
}

/** What a plan does to the running stack, for its cost line. */
export type PlanEffect =
  /** provision: the services run at their files' counts (or `counts`), with what provision puts beside them (alarms, Container Insights). */
  | 'templates'
  /** deploy: the task definitions as the templates say (at `counts`); the load balancer, alarms and Container Insights as they are, which a deploy leaves alone. */
  | 'deploy'
  /** pause: every service scaled to 0; repositories and logs stay. */
  | 'pause'
  /** teardown: nothing left. */
  | 'teardown'
  /** status: no change, just the figure now. */
  | 'current'

/**
 * The cost line a plan ends with, from the account as it is now (desired counts from ECS,
 * image sizes from ECR) to what the plan leaves, at the shipped prices for run.region:
 * `monthly cost: $0.00 → $13.06 (+$13.06)`; for 'current', `monthly cost now: $13.06 (ARM64 would save $1.80)`.
 * Read-only. Never throws: the line says why when there is no figure.
 */
export async function planCostLine(
  run: RunContext,
  effect: PlanEffect,
  options: { counts?: Readonly<Record<string, number>>; /** teardown: its plan keeps the load balancer (shared). */ keepsLoadBalancer?: boolean } = {},
): Promise<string> {
  try {
    const [{ counts, publicIp }, imageGb, front, alarmMetrics, containerInsights] = await Promise.all([
      deployedServices(run),
      deployedImageGb(run),
      deployedLoadBalancer(run),
      deployedAlarmMetrics(run),
      deployedContainerInsights(run),
    ])
    // The load balancer bills from when it exists, whatever the tasks do (a pause keeps it), and so do the alarms.
    const lb = { albs: front.albs, ...(front.albAzs ? { albAzs: front.albAzs } : {}) }
    const now = await monthlyEstimate(run, { counts, publicIp, imageGb, alarmMetrics, containerInsights, assumptions: lb })
    if (effect === 'current') {
      const arm = now.arm64.savingUsd >= 0.005 ? ` (ARM64 would save ${usd(now.arm64.savingUsd)})` : ''
      return `monthly cost now: ${usd(now.monthlyUsd)}${arm}`
    }
    const zero = Object.fromEntries(run.names.services.map((name) => [name, 0]))
    if (effect === 'teardown') {
      // A partial teardown (ECS_SERVICES) keeps the load balancer while another routed service uses it; its services' alarms go.
      const kept = front.albs > 0 && options.keepsLoadBalancer === true
      return formatCostLine(now, kept ? await monthlyEstimate(run, { counts: zero, imageGb, alarmMetrics: zero, assumptions: lb }) : 0)
    }
    const after = await monthlyEstimate(run, {
      imageGb,
      ...(effect === 'pause'
        ? { counts: zero, alarmMetrics, containerInsights, assumptions: lb }
        : {
            ...(options.counts ? { counts: options.counts } : {}),
            ...(effect === 'deploy'
              ? { alarmMetrics, containerInsights, assumptions: lb }
              : front.albAzs
                ? { assumptions: { albAzs: front.albAzs } }
                : {}),
          }),
    })
    return formatCostLine(now, after)
  } catch (error) {
    return `monthly cost: not estimated (${describeError(error).line})`
  }
}

/**
 * The front door as it runs: 1 load balancer when the kit's (LOAD_BALANCER_NAME) exists, with
 * the AZs it spans (one public IPv4 address each); 0 when it does not, or no service is routed.
 */
export async function deployedLoadBalancer(run: RunContext): Promise<{ albs: number; albAzs?: number }> {
  if (!routedServices(declaredServices()).some((s) => run.names.services.includes(s.name))) return { albs: 0 }
  const lb = await findLoadBalancer(elbv2(run), run.names.loadBalancer)
  if (!lb) {
    // Not made yet: it will span one subnet in each zone of the default VPC (elbv2/create-load-balancer).
    const zones = await defaultVpcZones(run)
    return { albs: 0, ...(zones > 0 ? { albAzs: zones } : {}) }
  }
  const azs = lb.AvailabilityZones?.length ?? 0
  return { albs: 1, ...(azs > 0 ? { albAzs: azs } : {}) }
}

/**
 * The Availability Zones the load balancer step would spread the front door over (one subnet per
 * zone of the default VPC, lib/aws/network.ts); 0 when there is no default VPC or it has no subnet.
 */
async function defaultVpcZones(run: RunContext): Promise<number> {
  const { EC2Client } = await import('@aws-sdk/client-ec2')
  const ec2 = run.client(EC2Client, 'EC2')
  try {
    return oneSubnetPerZone(await listSubnetZones(ec2, await findDefaultVpc(ec2, run.region))).length
  } catch (error) {
    // No default VPC, or none of its subnets: the plan says so elsewhere; the estimate keeps its default AZs.
    if (error instanceof KitError) return 0
    throw error
  }
}

/** The metrics each service's rollback alarms read, of the alarms that exist (DescribeAlarms); 0 for a service with none. */
export async function deployedAlarmMetrics(run: RunContext): Promise<Record<string, number>> {
  const names = new Map(run.names.services.map((name) => [name, rollbackAlarmNames(serviceNamed(name))]))
  const all = [...names.values()].flat()
  const found = all.length ? await readAlarms(cloudWatch(run), all) : new Map()
  return Object.fromEntries([...names].map(([service, alarms]) => [service, alarms.reduce((total, name) => total + (found.has(name) ? alarmMetricCount(found.get(name)) : 0), 0)]))
}

/** Whether the run's cluster has Container Insights on (DescribeClusters with its settings); false when there is no cluster. */
export async function deployedContainerInsights(run: RunContext): Promise<boolean> {
  const { DescribeClustersCommand, ECSClient } = await import('@aws-sdk/client-ecs')
  const answer = await run.client(ECSClient, 'ECS').send(new DescribeClustersCommand({ clusters: [run.names.cluster], include: ['SETTINGS'] }))
  const cluster = answer.clusters?.find((c) => c.clusterName === run.names.cluster && c.status !== 'INACTIVE')
  return cluster ? containerInsightsOn(cluster.settings) : false
}

/** Desired counts of the run's services as ECS has them: 0 for a service (or cluster) that does not exist. */
export async function deployedCounts(run: RunContext): Promise<Record<string, number>> {
  return (await deployedServices(run)).counts
}

/**
 * The run's services as ECS runs them: desired counts (0 for a service or cluster that does not
 * exist) and whether their tasks get a public IP (assignPublicIp; ECS's default is DISABLED).
 */
export async function deployedServices(run: RunContext): Promise<{ counts: Record<string, number>; publicIp: Record<string, boolean> }> {
  const { DescribeServicesCommand, ECSClient } = await import('@aws-sdk/client-ecs')
  const ecs = run.client(ECSClient, 'ECS')
  const counts: Record<string, number> = Object.fromEntries(run.names.services.map((name) => [name, 0]))
  const publicIp: Record<string, boolean> = Object.fromEntries(run.names.services.map((name) => [name, false]))
  for (let i = 0; i < run.names.services.length; i += 10) {
    try {
      const found = await ecs.send(new DescribeServicesCommand({ cluster: run.names.cluster, services: run.names.services.slice(i, i + 10) }))
      for (const s of found.services ?? []) {
        if (s.serviceName && s.status !== 'INACTIVE' && s.serviceName in counts) {
          counts[s.serviceName] = s.desiredCount ?? 0
          publicIp[s.serviceName] = s.networkConfiguration?.awsvpcConfiguration?.assignPublicIp === 'ENABLED'
        }
      }
    } catch (error) {
      if (!awsErrorIs(error, 'ClusterNotFoundException')) throw error
    }
  }
  return { counts, publicIp }
}

const GB = 1024 ** 3

/** Stored image data per repository in GB, as ECR reports it (DescribeImages imageSizeInBytes); 0 for a repository that does not exist. */
export async function deployedImageGb(run: RunContext): Promise<Record<string, number>> {
  const { ECRClient, paginateDescribeImages } = await import('@aws-sdk/client-ecr')
  const ecr = run.client(ECRClient, 'ECR')
  const sizes = await Promise.all(
    run.names.repositories.map(async (repository) => {
      let bytes = 0
      try {
        for await (const page of paginateDescribeImages({ client: ecr }, { repositoryName: repository })) {
          for (const image of page.imageDetails ?? []) bytes += image.imageSizeInBytes ?? 0
        }
      } catch (error) {
        if (!awsErrorIs(error, 'RepositoryNotFoundException')) throw error
      }
      return [repository, bytes / GB] as const
    }),
  )
  return Object.fromEntries(sizes)
}

/**
 * A region's prices from the AWS Price List API. Its endpoints exist only in us-east-1,
 * eu-central-1 and ap-south-1, so the client comes from a read-only context of its own in
 * the nearest of those (AWS_ENDPOINT_URL_PRICING points it elsewhere).
 */
export async function livePricesFor(run: Pick<RunContext, 'env'>, region: string): Promise<RegionPrices> {
  const { GetProductsCommand, PricingClient } = await import('@aws-sdk/client-pricing')
  const pricing = (await openContext(run.env, { mode: 'read-only', region: pricingRegionFor(region) })).client(PricingClient, 'PRICING')
  const getProducts: GetProducts = async (input) => {
    let page
    try {
      page = await pricing.send(new GetProductsCommand(input))
    } catch (error) {
      throw noPriceListApi(error) ?? error
    }
    return { PriceList: Array.isArray(page.PriceList) ? (page.PriceList as unknown[]) : [], ...(page.NextToken ? { NextToken: page.NextToken } : {}) }
  }
  return livePrices(getProducts, region)
}

/**
 * The error to give when the endpoint asked has no Price List API (an emulator such as moto
 * answers GetProducts with a 500 page or an unknown-operation error), or undefined when the
 * error is something else. Without this, a 500 page reads as a template field of the wrong type. Pure.
 */
export function noPriceListApi(error: unknown): KitError | undefined {
  const e = (error ?? {}) as { name?: string; endpoint?: string; status?: number; what?: string; $metadata?: { httpStatusCode?: number } }
  const unknownOperation = awsErrorIs(error, /UnknownOperation|InvalidAction|NotImplemented|UnrecognizedClient/)
  if (e.name !== 'NotAwsApiError' && !unknownOperation && e.$metadata?.httpStatusCode !== 404) return undefined
  const endpoint = e.endpoint ?? 'the Price List endpoint'
  const answer = e.name === 'NotAwsApiError' ? `HTTP ${e.status} and ${e.what}` : `${e.name ?? 'an error'}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}`
  return new KitError(
    `${endpoint} has no AWS Price List API: it answered GetProducts with ${answer}; ` +
      `point AWS_ENDPOINT_URL_PRICING at one (unset it for real AWS), or run without --live to use ${PRICES_FILE}`,
  )
}
