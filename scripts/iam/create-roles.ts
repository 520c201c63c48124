// The guide's `aws iam create-role` / `put-role-policy` / `attach-role-policy` for the ECS
// execution role and task role, idempotent, without CloudWatchFullAccess (policies/README.md).
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { iamRolesStep } from '../../lib/steps/iam-roles.js'

await runScript(
  {
    name: 'iam/create-roles',
    summary:
      'Create the ECS execution role (pull images, write logs, read SSM secrets) and the task role ' +
      '(ECS Exec, X-Ray) with the policies in policies/. Converges drifted policies. Safe to re-run.',
    options: STEP_OPTIONS,
    env: [
      { name: 'EXECUTION_ROLE_NAME', description: 'execution role name (default CruddurServiceExecutionRole)' },
      { name: 'TASK_ROLE_NAME', description: 'task role name (default CruddurTaskRole)' },
      { name: 'LOG_GROUP', description: 'log group the execution role may write to (default /cruddur/fargate-cluster)' },
      { name: 'SSM_PREFIX', description: 'SSM path the execution role may read (default /cruddur/backend-flask)' },
      { name: 'AWS_ACCOUNT_ID', description: 'account for the policies’ ARNs (default: asked of STS)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
    ],
    notes: ['Why each permission is granted, and why CloudWatchFullAccess is not: policies/README.md'],
  },
  (args) => runStepsScript([iamRolesStep], args),
)
