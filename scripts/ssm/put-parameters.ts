// The guide's five `aws ssm put-parameter --type SecureString`, idempotent, values never printed.
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { ssmParametersStep } from '../../lib/steps/ssm-parameters.js'

await runScript(
  {
    name: 'ssm/put-parameters',
    summary:
      'Store the backend\'s secrets as SecureString parameters under SSM_PREFIX, writing only those that are missing ' +
      'or differ. Values are read from the environment and never printed. Safe to re-run.',
    options: STEP_OPTIONS,
    env: [
      { name: 'AWS_ACCESS_KEY_ID', description: 'stored as <SSM_PREFIX>/AWS_ACCESS_KEY_ID' },
      { name: 'AWS_SECRET_ACCESS_KEY', description: 'stored as <SSM_PREFIX>/AWS_SECRET_ACCESS_KEY' },
      { name: 'PROD_CONNECTION_URL', description: 'stored as <SSM_PREFIX>/CONNECTION_URL' },
      { name: 'ROLLBAR_ACCESS_TOKEN', description: 'stored as <SSM_PREFIX>/ROLLBAR_ACCESS_TOKEN' },
      { name: 'HONEYCOMB_API_KEY', description: 'stored as <SSM_PREFIX>/OTEL_EXPORTER_OTLP_HEADERS = x-honeycomb-team=<key>' },
      { name: 'SSM_PREFIX', description: 'parameter path (default /cruddur/backend-flask)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
      { name: 'AWS_ACCOUNT_ID', description: 'account (else asked of STS)' },
    ],
    notes: ['Rotating a secret: change the variable and re-run; only that parameter is rewritten.'],
  },
  (args) => runStepsScript([ssmParametersStep], args),
)
