// The guide's `aws ecs register-task-definition --cli-input-json file://...`, registering a
// new revision only when the rendered template differs from the latest ACTIVE one.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { taskDefinitionStep } from '../../lib/steps/task-definition.js'
import { selectedServices } from '../../lib/config/services.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ecs/register-task-definition',
    summary:
      'Register the task definition rendered from task-definitions/FAMILY.json, only when it differs ' +
      'from the latest ACTIVE revision. Safe to re-run.',
    positionals: [{ name: 'FAMILY', description: 'family to register (default: each of ECS_SERVICES, i.e. backend-flask)' }],
    options: STEP_OPTIONS,
    env: envHelp('AWS_COGNITO_USER_POOL_ID', 'AWS_COGNITO_USER_POOL_CLIENT_ID', 'IMAGE_TAG', 'ECS_SERVICES', 'EXECUTION_ROLE_NAME', 'TASK_ROLE_NAME', 'LOG_GROUP', 'SSM_PREFIX', 'AWS_ACCOUNT_ID', 'AWS_DEFAULT_REGION'),
    notes: ['Needs the roles (iam/create-roles) and the log group (logs/create-log-group) for tasks to start.'],
  },
  stepContextOptions((inputs, args) => selectedServices(inputs.services, args.positionals[0]).map(taskDefinitionStep)),
  (args, run) => runStepsScript(selectedServices(run.services, args.positionals[0]).map(taskDefinitionStep), args, run),
)
