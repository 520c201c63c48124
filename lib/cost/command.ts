// The cost command as the kit's API and script run it (moved from scripts/cost.ts): what the
// stack costs a month, the templates' services at their desired counts, priced from the
// shipped table (lib/cost/prices.json) or, with `live`, the AWS Price List API.
import { openContext } from '../aws/context.js'
import type { Env } from '../config/env.js'
import { ConfigError, UsageError } from '../core/errors.js'
import type { Estimate } from './estimate.js'
import { withScalingRange } from './range.js'
import { deployedImageGb, deployedServices, livePricesFor, monthlyEstimate, parseAssumption } from './workload.js'

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
  natGateways?: Amount
  natGbPerMonth?: Amount
}

/** The monthly estimate (`cost --json` prints it through estimateJson). `progress` hears what is being asked of AWS. */
export async function costEstimate(env: Env, values: CostOptions, progress: (line: string) => void): Promise<Estimate> {
  if (values.region !== undefined && !REGION_SHAPE.test(values.region)) {
    throw new UsageError(`--region "${values.region}" does not look like an AWS region (e.g. eu-west-2)`)
  }
  if (values.arch !== undefined && values.arch !== 'x86' && values.arch !== 'arm64') {
    throw new UsageError(`--arch must be x86 or arm64, got "${values.arch}"`)
  }
  const assumptions = {
    logGbPerTaskMonth: parseAssumption(values.logGbPerTaskMonth, 'log-gb-per-task-month'),
    imageGb: parseAssumption(values.imageGb, 'image-gb'),
    albs: parseAssumption(values.albs, 'albs'),
    albLcu: parseAssumption(values.albLcu, 'alb-lcu'),
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
  if (values.deployed) progress(`reading desired counts (ECS) and image sizes (ECR) in ${run.region}...`)
  const [prices, deployed, imageGb] = await Promise.all([
    values.live ? livePricesFor(run, run.region) : undefined,
    values.deployed ? deployedServices(run) : undefined,
    values.deployed ? deployedImageGb(run) : undefined,
  ])
  const options = {
    ...(prices ? { prices } : {}),
    ...(deployed ? deployed : {}),
    ...(imageGb ? { imageGb } : {}),
    ...(values.arch ? { arch: values.arch as 'x86' | 'arm64' } : {}),
    assumptions: Object.fromEntries(Object.entries(assumptions).filter(([, v]) => v !== undefined)),
  }
  // With auto scaling, the month also costs from min to max tasks (lib/cost/range.ts).
  return withScalingRange(await monthlyEstimate(run, options), run, options)
}
