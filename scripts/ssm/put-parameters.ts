// The guide's `aws ssm put-parameter --type SecureString` commands, from the service declarations, idempotent, values never printed.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { ssmParametersStep } from '../../lib/steps/ssm-parameters.js'
import { envHelp, parameterHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ssm/put-parameters',
    summary:
      'Store each service\'s parameters (json/services.json) under SSM_PREFIX/<service>/, writing only those that are missing ' +
      'or differ. Values are read from the environment and never printed. Safe to re-run.',
    options: STEP_OPTIONS,
    env: [...parameterHelp(), ...envHelp('SSM_PREFIX', 'ECS_SERVICES', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID')],
    notes: ['Rotating a secret: change the variable and re-run; only that parameter is rewritten.'],
  },
  stepContextOptions(() => [ssmParametersStep]),
  (args, run) => runStepsScript([ssmParametersStep], args, run),
)
