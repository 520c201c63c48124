// The guide's `aws logs create-log-group` + `put-retention-policy`, idempotent.
import { runScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/steps/apply.js'
import { logGroupStep } from '../../lib/steps/log-group.js'
import { envHelp } from '../../lib/config/variables.js'

await runScript(
  {
    name: 'logs/create-log-group',
    summary: 'Create the CloudWatch log group the ECS tasks log to, and set its retention. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('LOG_GROUP', 'LOG_RETENTION_DAYS', 'AWS_DEFAULT_REGION'),
  },
  (args) => runStepsScript([logGroupStep], args),
)
