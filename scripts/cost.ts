// What the stack costs a month: the templates' services at their desired counts, priced from
// the shipped table (lib/cost/prices.json) or, with --live, the AWS Price List API (lib/cost/command.ts).
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { formatEstimate, type Estimate } from '../lib/cost/estimate.js'
import { PRICES_FILE } from '../lib/cost/prices.js'
import { DEFAULT_ASSUMPTIONS } from '../lib/cost/workload.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { cost } from '../lib/kit/cost.js'

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
      albs: { type: 'string', placeholder: 'N', description: 'application load balancers (default: 1 when a service is routed by the front door, json/services.json frontDoor, else 0)' },
      'alb-lcu': {
        type: 'string',
        placeholder: 'LCU',
        description: `average LCUs each load balancer uses all month (default ALB_LCU, else ${DEFAULT_ASSUMPTIONS.albLcu}: a ceiling for a student app, whose traffic stays far below one LCU)`,
      },
      'alb-azs': { type: 'string', placeholder: 'N', description: `AZs each load balancer spans, one public IPv4 address each (default ${DEFAULT_ASSUMPTIONS.albAzs}; --deployed reads them)` },
      'nat-gateways': { type: 'string', placeholder: 'N', description: `NAT gateways, e.g. for tasks in private subnets (default ${DEFAULT_ASSUMPTIONS.natGateways})` },
      'nat-gb': { type: 'string', placeholder: 'GB', description: `data each NAT gateway processes a month (default ${DEFAULT_ASSUMPTIONS.natGbPerMonth})` },
      'express-mode': {
        type: 'boolean',
        description: "price the same services as ECS Express Mode's defaults would run them: 1 vCPU / 2 GB per task, at least one task each, one ALB (for comparison)",
      },
      json: { type: 'boolean', description: 'print {"monthlyUsd": number, "items": [...], ...} instead of the table' },
    },
    env: [
      ...envHelp('AWS_DEFAULT_REGION', 'ECS_SERVICES', 'ECR_REPOSITORIES', 'LOG_RETENTION_DAYS', 'ECS_CLUSTER', 'LOAD_BALANCER_NAME'),
      { name: 'AWS_ENDPOINT_URL_PRICING', description: 'send Price List calls here instead (--live)' },
      { name: 'ALB_LCU', description: `LCUs the load balancer is assumed to use (default ${DEFAULT_ASSUMPTIONS.albLcu}; --alb-lcu wins)` },
    ],
    notes: [
      'Examples:  ./scripts/cost --region eu-west-2',
      '           ./scripts/cost --live --deployed --json',
      `The Price List API answers only in us-east-1, eu-central-1 and ap-south-1; --live asks the nearest and prices --region.`,
    ],
  }),
  async ({ values }) => {
    const note = (line: string) => void process.stderr.write(`${line}\n`)
    const kit = await scriptKit(scriptOutput(values.json === true, { note: values.json ? () => {} : note }))
    let estimate: Estimate | undefined
    const { document } = await cost(
      kit,
      {
        ...values,
        logGbPerTaskMonth: values['log-gb-per-task-month'],
        imageGb: values['image-gb'],
        albLcu: values['alb-lcu'],
        albAzs: values['alb-azs'],
        expressMode: values['express-mode'] === true,
        natGateways: values['nat-gateways'],
        natGbPerMonth: values['nat-gb'],
      },
      (raw) => (estimate = raw),
    )
    if (values.json) say(JSON.stringify(document, null, 2))
    else for (const line of formatEstimate(estimate as Estimate)) say(line)
  },
)
