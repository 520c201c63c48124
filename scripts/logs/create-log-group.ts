// The guide's `aws logs create-log-group` + `put-retention-policy`, idempotent.
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { logGroupStep } from '../../lib/steps/log-group.js'

await runScript(
  {
    name: 'logs/create-log-group',
    summary: 'Create the CloudWatch log group the ECS tasks log to, and set its retention. Safe to re-run.',
    options: STEP_OPTIONS,
    env: [
      { name: 'LOG_GROUP', description: 'log group name (default /cruddur/fargate-cluster)' },
      { name: 'LOG_RETENTION_DAYS', description: 'retention in days (default 1)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
    ],
  },
  (args) => runStepsScript([logGroupStep], args),
)
