// The guide's `aws iam create-role` / `put-role-policy` / `attach-role-policy` for the ECS
// execution role and task role, idempotent, without CloudWatchFullAccess (policies/README.md).
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { iamRolesStep } from '../../lib/steps/iam-roles.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'iam/create-roles',
    summary:
      'Create the ECS execution role (pull images, write logs, read SSM secrets) and the task role ' +
      '(ECS Exec, X-Ray) with the policies in policies/. Converges drifted policies. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('EXECUTION_ROLE_NAME', 'TASK_ROLE_NAME', 'LOG_GROUP', 'SSM_PREFIX', 'AWS_ACCOUNT_ID', 'AWS_DEFAULT_REGION'),
    notes: ['Why each permission is granted, and why CloudWatchFullAccess is not: policies/README.md'],
  },
  stepContextOptions(() => [iamRolesStep]),
  (args, run) => runStepsScript([iamRolesStep], args, run),
)
