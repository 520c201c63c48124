// The cost command as the kit's API and script run it (moved from scripts/cost.ts): what the
// stack costs a month, the templates' services at their desired counts, priced from the
// shipped table (lib/cost/prices.json) or, with `live`, the AWS Price List API.
import { openContext } from '../aws/context.js'
import type { Env } from '../config/env.js'
import { ConfigError, UsageError } from '../core/errors.js'
import type { Estimate } from './estimate.js'
import { withScalingRange } from './range.js'
import { deployedAlarmMetrics, deployedContainerInsights, deployedImageGb, deployedLoadBalancer, deployedServices, livePricesFor, monthlyEstimate, parseAssumption } from './workload.js'

const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d+$/

/** Amounts are numbers, or a flag's text (both checked by parseAssumption). */
type Amount = number | string

export interface CostOptions {
  /** Price this region (default: AWS_REGION / AWS_DEFAULT_REGION). */
  region?: string
  /** Ask the AWS Price List API (GetProducts) instead of the shipped table. */
  live?: boolean
  /** Use the account's desired counts (ECS) and image sizes (ECR) instead of the templates' counts and imageGb. */
  deployed?: boolean
  /** Price every service on this architecture (default: each task definition's runtimePlatform). */
  arch?: 'x86' | 'arm64' | string
  logGbPerTaskMonth?: Amount
  imageGb?: Amount
  albs?: Amount
  albLcu?: Amount
  /** Availability Zones the load balancer spans (one public IPv4 address each). */
  albAzs?: Amount
  natGateways?: Amount
  natGbPerMonth?: Amount
  /** Price the same services as ECS Express Mode's defaults would run them (EXPRESS_MODE_DEFAULTS). */
  expressMode?: boolean
}

/**
 * What ECS Express Mode runs when given only an image (docs.aws.amazon.com/AmazonECS/latest/
 * developerguide/express-service-work.html): a task of 1 vCPU and 2 GB, at least one task per
 * service (auto scaling 1-20), x86, behind an ALB it creates (shared by up to 25 services).
 * Each task keeps a public IP as the kit's do: in the default VPC's public subnets, with no NAT
 * gateway, that is how a task pulls its image.
 */
export const EXPRESS_MODE_DEFAULTS = { vcpu: 1, memoryGb: 2, minTasks: 1 } as const
export const EXPRESS_MODE_NOTE =
  `priced as ECS Express Mode's defaults would run the same services: ${EXPRESS_MODE_DEFAULTS.vcpu} vCPU / ${EXPRESS_MODE_DEFAULTS.memoryGb} GB per task, x86, ` +
  `at least ${EXPRESS_MODE_DEFAULTS.minTasks} task each, a public IP each, one ALB, none of the kit's rollback alarms or Container Insights (docs.aws.amazon.com/AmazonECS/latest/developerguide/express-service-work.html)`

/** The monthly estimate (`cost --json` prints it through estimateJson). `progress` hears what is being asked of AWS. */
export async function costEstimate(env: Env, values: CostOptions, progress: (line: string) => void): Promise<Estimate> {
  if (values.region !== undefined && !REGION_SHAPE.test(values.region)) {
    throw new UsageError(`--region "${values.region}" does not look like an AWS region (e.g. eu-west-2)`)
  }
  if (values.arch !== undefined && values.arch !== 'x86' && values.arch !== 'arm64') {
    throw new UsageError(`--arch must be x86 or arm64, got "${values.arch}"`)
  }
  if (values.expressMode && values.deployed) throw new UsageError('--express-mode prices the templates\' services as Express Mode would run them: leave out --deployed')
  const assumptions = {
    logGbPerTaskMonth: parseAssumption(values.logGbPerTaskMonth, 'log-gb-per-task-month'),
    imageGb: parseAssumption(values.imageGb, 'image-gb'),
    albs: parseAssumption(values.albs, 'albs'),
    albLcu: parseAssumption(values.albLcu, 'alb-lcu'),
    albAzs: parseAssumption(values.albAzs, 'alb-azs'),
    natGateways: parseAssumption(values.natGateways, 'nat-gateways'),
    natGbPerMonth: parseAssumption(values.natGbPerMonth, 'nat-gb'),
  }
  const run = await openContext(env, { mode: 'read-only', ...(values.region ? { region: values.region } : {}) }).catch((error: unknown) => {
    // Pricing needs only a region: say that --region gives one too.
    if (error instanceof ConfigError && error.message.startsWith('AWS_DEFAULT_REGION is not set')) {
      throw new ConfigError(`no region to price: pass --region (e.g. --region eu-west-2), or ${error.message}`)
    }
    throw error
  })
  if (values.live) progress(`asking the AWS Price List API for ${run.region} prices...`)
  if (values.deployed) progress(`reading desired counts and Container Insights (ECS), image sizes (ECR), the load balancer (ELB) and the alarms (CloudWatch) in ${run.region}...`)
  const [prices, deployed, imageGb, front, alarmMetrics, containerInsights] = await Promise.all([
    values.live ? livePricesFor(run, run.region) : undefined,
    values.deployed ? deployedServices(run) : undefined,
    values.deployed ? deployedImageGb(run) : undefined,
    values.deployed ? deployedLoadBalancer(run) : undefined,
    values.deployed ? deployedAlarmMetrics(run) : undefined,
    values.deployed ? deployedContainerInsights(run) : undefined,
  ])
  const express = values.expressMode
    ? {
        size: { vcpu: EXPRESS_MODE_DEFAULTS.vcpu, memoryGb: EXPRESS_MODE_DEFAULTS.memoryGb },
        arch: 'x86' as const,
        counts: Object.fromEntries(run.names.services.map((name) => [name, EXPRESS_MODE_DEFAULTS.minTasks])),
        publicIp: Object.fromEntries(run.names.services.map((name) => [name, true])),
        // Not the kit's rollback alarms and Container Insights: Express Mode makes its own canary alarm (not priced).
        alarmMetrics: Object.fromEntries(run.names.services.map((name) => [name, 0])),
        containerInsights: false,
      }
    : undefined
  const options = {
    ...(prices ? { prices } : {}),
    ...(deployed ? deployed : {}),
    ...(imageGb ? { imageGb } : {}),
    ...(alarmMetrics ? { alarmMetrics } : {}),
    ...(containerInsights !== undefined ? { containerInsights } : {}),
    ...(values.arch ? { arch: values.arch as 'x86' | 'arm64' } : {}),
    // Flags win over what runs: --deployed counts the load balancer that exists, and its AZs.
    assumptions: { ...(front ?? {}), ...(express ? { albs: 1 } : {}), ...Object.fromEntries(Object.entries(assumptions).filter(([, v]) => v !== undefined)) },
    ...(express ?? {}),
  }
  const estimate = await monthlyEstimate(run, options)
  if (express) {
    // Express Mode's own scaling (1-20 tasks on CPU 60 %) is not the declarations': no range.
    estimate.assumptions.unshift(EXPRESS_MODE_NOTE)
    return estimate
  }
  // With auto scaling, the month also costs from min to max tasks (lib/cost/range.ts).
  return withScalingRange(estimate, run, options)
}
