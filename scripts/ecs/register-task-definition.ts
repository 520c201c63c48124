// The guide's `aws ecs register-task-definition --cli-input-json file://...`, registering a
// new revision only when the rendered template differs from the latest ACTIVE one.
import { kitNames } from '../../lib/config.js'
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { defaultFamilies, taskDefinitionSteps } from '../../lib/steps/task-definition.js'

await runScript(
  {
    name: 'ecs/register-task-definition',
    summary:
      'Register the task definition rendered from task-definitions/FAMILY.json, only when it differs ' +
      'from the latest ACTIVE revision. Safe to re-run.',
    positionals: [{ name: 'FAMILY', description: 'family to register (default: each of ECS_SERVICES, i.e. backend-flask)' }],
    options: STEP_OPTIONS,
    env: [
      { name: 'AWS_COGNITO_USER_POOL_ID', description: 'Cognito user pool id for the backend (required)' },
      { name: 'AWS_COGNITO_USER_POOL_CLIENT_ID', description: 'Cognito app client id for the backend (required)' },
      { name: 'IMAGE_TAG', description: 'image tag to run (default latest)' },
      { name: 'ECS_SERVICES', description: 'families registered without FAMILY (default backend-flask)' },
      { name: 'EXECUTION_ROLE_NAME', description: 'execution role name (default CruddurServiceExecutionRole)' },
      { name: 'TASK_ROLE_NAME', description: 'task role name (default CruddurTaskRole)' },
      { name: 'LOG_GROUP', description: 'awslogs-group (default /cruddur/fargate-cluster)' },
      { name: 'SSM_PREFIX', description: 'SSM path of the secrets (default /cruddur/backend-flask)' },
      { name: 'AWS_ACCOUNT_ID', description: 'account for the ARNs and the ECR registry (default: asked of STS)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
    ],
    notes: ['Needs the roles (iam/create-roles) and the log group (logs/create-log-group) for tasks to start.'],
  },
  (args) => {
    const families = args.positionals.length > 0 ? args.positionals.slice(0, 1) : defaultFamilies(kitNames(process.env))
    return runStepsScript(taskDefinitionSteps(families), args)
  },
)
