// The whole stack of the week-6 guide in one idempotent run.
import { runAwsScript } from '../lib/core/boundary.js'
import { planCostLine } from '../lib/cost/workload.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../lib/steps/apply.js'
import { allSteps } from '../lib/steps/index.js'
import { envHelp, parameterHelp, VARIABLES, type Variable } from '../lib/config/variables.js'

await runAwsScript(
  {
    name: 'provision',
    summary:
      'Bring the whole Cruddur ECS stack up: log group, cluster, ECR repositories, SSM parameters, IAM roles, ' +
      'and for every service in json/services.json its task definition and service, with the security group. Checks every input first and changes nothing if one is missing; ' +
      'independent steps run in parallel; re-running changes only what differs.',
    options: STEP_OPTIONS,
    // Every variable the kit knows except ECR_REGISTRY (ecr/login's alone) and the endpoint.
    env: [
      ...envHelp(...(Object.keys(VARIABLES) as Variable[]).filter((name) => name !== 'ECR_REGISTRY' && name !== 'AWS_ENDPOINT_URL')),
      ...parameterHelp(),
    ],
    notes: ['Preview first, with what it costs a month:  ./scripts/provision --dry-run'],
  },
  stepContextOptions((inputs) => allSteps(inputs.services)),
  (args, run) =>
    runStepsScript(allSteps(run.services), args, run, {
      // The plan says what it would cost a month, and the change from what runs now.
      ...(run.dryRun ? { epilogue: (r) => planCostLine(r, 'templates') } : {}),
    }),
)
