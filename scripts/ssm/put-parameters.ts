// The guide's five `aws ssm put-parameter --type SecureString`, idempotent, values never printed.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepMode } from '../../lib/steps/apply.js'
import { ssmParametersStep } from '../../lib/steps/ssm-parameters.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ssm/put-parameters',
    summary:
      'Store the backend\'s secrets as SecureString parameters under SSM_PREFIX, writing only those that are missing ' +
      'or differ. Values are read from the environment and never printed. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'PROD_CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN', 'HONEYCOMB_API_KEY', 'SSM_PREFIX', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID'),
    notes: ['Rotating a secret: change the variable and re-run; only that parameter is rewritten.'],
  },
  stepMode,
  (args, run) => runStepsScript([ssmParametersStep], args, run),
)
