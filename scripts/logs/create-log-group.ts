// The guide's `aws logs create-log-group` + `put-retention-policy`, idempotent.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { logGroupStep } from '../../lib/steps/log-group.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'logs/create-log-group',
    summary: 'Create the CloudWatch log group the ECS tasks log to, and set its retention. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('LOG_GROUP', 'LOG_RETENTION_DAYS', 'AWS_DEFAULT_REGION'),
  },
  stepContextOptions(() => [logGroupStep]),
  (args, run) => runStepsScript([logGroupStep], args, run),
)
