// The whole stack of the week-6 guide in one idempotent run.
import { kitNames, NAME_VARIABLES } from '../lib/config.js'
import { runScript } from '../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../lib/step-script.js'
import { allSteps } from '../lib/steps/index.js'

await runScript(
  {
    name: 'provision',
    summary:
      'Bring the whole Cruddur ECS stack up: log group, cluster, ECR repositories, SSM parameters, IAM roles, ' +
      'task definition, security group and service. Checks every input first and changes nothing if one is missing; ' +
      'independent steps run in parallel; re-running changes only what differs.',
    options: STEP_OPTIONS,
    env: [
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
      { name: 'AWS_ACCOUNT_ID', description: 'account (else asked of STS)' },
      { name: 'AWS_ACCESS_KEY_ID', description: 'stored as /cruddur/backend-flask/AWS_ACCESS_KEY_ID' },
      { name: 'AWS_SECRET_ACCESS_KEY', description: 'stored as /cruddur/backend-flask/AWS_SECRET_ACCESS_KEY' },
      { name: 'PROD_CONNECTION_URL', description: 'stored as /cruddur/backend-flask/CONNECTION_URL' },
      { name: 'ROLLBAR_ACCESS_TOKEN', description: 'stored as /cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN' },
      { name: 'HONEYCOMB_API_KEY', description: 'stored as OTEL_EXPORTER_OTLP_HEADERS (x-honeycomb-team=...)' },
      { name: 'AWS_COGNITO_USER_POOL_ID', description: 'task definition environment' },
      { name: 'AWS_COGNITO_USER_POOL_CLIENT_ID', description: 'task definition environment' },
      ...Object.entries(NAME_VARIABLES).map(([name, fallback]) => ({ name, description: `default ${fallback}` })),
    ],
    notes: ['Preview first:  ./scripts/provision --dry-run'],
  },
  (args) => runStepsScript(allSteps(kitNames(process.env)), args),
)
