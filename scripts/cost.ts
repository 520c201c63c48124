// What the stack costs a month: the templates' services at their desired counts, priced from
// the shipped table (lib/cost/prices.json) or, with --live, the AWS Price List API.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { openContext } from '../lib/aws/context.js'
import { ConfigError, UsageError } from '../lib/core/errors.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { estimateJson, formatEstimate } from '../lib/cost/estimate.js'
import { PRICES_FILE } from '../lib/cost/prices.js'
import { DEFAULT_ASSUMPTIONS, deployedImageGb, deployedServices, livePricesFor, monthlyEstimate, parseAssumption } from '../lib/cost/workload.js'

const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d+$/

await runScript(
  withAwsEnv({
    name: 'cost',
    summary:
      'What the stack would cost a month (730 hours): Fargate vCPU and memory by architecture, public IPv4 addresses, ' +
      'CloudWatch Logs, ECR storage, and a load balancer or NAT gateway when there is one; and what ARM64 would save. ' +
      `Prices come from ${PRICES_FILE} (dated, with their source) or, with --live, the AWS Price List API.`,
    options: {
      region: { type: 'string', placeholder: 'REGION', description: 'price this region (default: AWS_REGION / AWS_DEFAULT_REGION)' },
      live: { type: 'boolean', description: 'ask the AWS Price List API (GetProducts) instead of the shipped table' },
      deployed: { type: 'boolean', description: "use the account's desired counts (ECS) and image sizes (ECR) instead of the templates' counts and --image-gb" },
      arch: { type: 'string', placeholder: 'x86|arm64', description: "price every service on this architecture (default: each task definition's runtimePlatform)" },
      'log-gb-per-task-month': { type: 'string', placeholder: 'GB', description: `log data each task sends to CloudWatch Logs a month (default ${DEFAULT_ASSUMPTIONS.logGbPerTaskMonth})` },
      'image-gb': { type: 'string', placeholder: 'GB', description: `image data stored per ECR repository (default ${DEFAULT_ASSUMPTIONS.imageGb}; --deployed measures it)` },
      albs: { type: 'string', placeholder: 'N', description: 'application load balancers (default: 1 when a service file declares loadBalancers, else 0)' },
      'alb-lcu': { type: 'string', placeholder: 'LCU', description: `average LCUs each load balancer uses (default ${DEFAULT_ASSUMPTIONS.albLcu})` },
      'nat-gateways': { type: 'string', placeholder: 'N', description: `NAT gateways, e.g. for tasks in private subnets (default ${DEFAULT_ASSUMPTIONS.natGateways})` },
      'nat-gb': { type: 'string', placeholder: 'GB', description: `data each NAT gateway processes a month (default ${DEFAULT_ASSUMPTIONS.natGbPerMonth})` },
      json: { type: 'boolean', description: 'print {"monthlyUsd": number, "items": [...], ...} instead of the table' },
    },
    env: [
      ...envHelp('AWS_DEFAULT_REGION', 'ECS_SERVICES', 'ECR_REPOSITORIES', 'LOG_RETENTION_DAYS', 'ECS_CLUSTER'),
      { name: 'AWS_ENDPOINT_URL_PRICING', description: 'send Price List calls here instead (--live)' },
    ],
    notes: [
      'Examples:  ./scripts/cost --region eu-west-2',
      '           ./scripts/cost --live --deployed --json',
      `The Price List API answers only in us-east-1, eu-central-1 and ap-south-1; --live asks the nearest and prices --region.`,
    ],
  }),
  async ({ values }) => {
    if (values.region !== undefined && !REGION_SHAPE.test(values.region)) {
      throw new UsageError(`--region "${values.region}" does not look like an AWS region (e.g. eu-west-2)`)
    }
    if (values.arch !== undefined && values.arch !== 'x86' && values.arch !== 'arm64') {
      throw new UsageError(`--arch must be x86 or arm64, got "${values.arch}"`)
    }
    const assumptions = {
      logGbPerTaskMonth: parseAssumption(values['log-gb-per-task-month'], 'log-gb-per-task-month'),
      imageGb: parseAssumption(values['image-gb'], 'image-gb'),
      albs: parseAssumption(values.albs, 'albs'),
      albLcu: parseAssumption(values['alb-lcu'], 'alb-lcu'),
      natGateways: parseAssumption(values['nat-gateways'], 'nat-gateways'),
      natGbPerMonth: parseAssumption(values['nat-gb'], 'nat-gb'),
    }
    const run = await openContext(process.env, { mode: 'read-only', ...(values.region ? { region: values.region } : {}) }).catch((error: unknown) => {
      // Pricing needs only a region: say that --region gives one too.
      if (error instanceof ConfigError && error.message.startsWith('AWS_DEFAULT_REGION is not set')) {
        throw new ConfigError(`no region to price: pass --region (e.g. --region eu-west-2), or ${error.message}`)
      }
      throw error
    })
    const progress = (line: string) => {
      if (!values.json) process.stderr.write(`${line}\n`)
    }
    if (values.live) progress(`asking the AWS Price List API for ${run.region} prices...`)
    if (values.deployed) progress(`reading desired counts (ECS) and image sizes (ECR) in ${run.region}...`)
    const [prices, deployed, imageGb] = await Promise.all([
      values.live ? livePricesFor(run, run.region) : undefined,
      values.deployed ? deployedServices(run) : undefined,
      values.deployed ? deployedImageGb(run) : undefined,
    ])
    const estimate = await monthlyEstimate(run, {
      ...(prices ? { prices } : {}),
      ...(deployed ? deployed : {}),
      ...(imageGb ? { imageGb } : {}),
      ...(values.arch ? { arch: values.arch as 'x86' | 'arm64' } : {}),
      assumptions: Object.fromEntries(Object.entries(assumptions).filter(([, v]) => v !== undefined)),
    })
    if (values.json) say(JSON.stringify(estimateJson(estimate), null, 2))
    else for (const line of formatEstimate(estimate)) say(line)
  },
)
