// The whole stack of the week-6 guide in one idempotent run.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { say } from '../lib/core/output.js'
import { STEP_OPTIONS } from '../lib/steps/apply.js'
import { envHelp, parameterHelp, VARIABLES, type Variable } from '../lib/config/variables.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { provision } from '../lib/kit/provision.js'

await runScript(withAwsEnv(
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
  }),
  async ({ values }) => {
    const json = values.json === true
    const kit = await scriptKit(scriptOutput(json))
    const { document, exitCode } = await provision(kit, { dryRun: values['dry-run'] === true })
    if (json) say(JSON.stringify(document, null, 2))
    return exitCode
  },
)
