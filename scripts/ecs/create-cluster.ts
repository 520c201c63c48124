// The guide's `aws ecs create-cluster --cluster-name cruddur --service-connect-defaults namespace=cruddur`, idempotent.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { clusterStep } from '../../lib/steps/cluster.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ecs/create-cluster',
    summary:
      'Create the ECS cluster with its default Service Connect namespace; re-create it if it was deleted (INACTIVE). Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('ECS_CLUSTER', 'SERVICE_CONNECT_NAMESPACE', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID'),
  },
  stepContextOptions(() => [clusterStep]),
  (args, run) => runStepsScript([clusterStep], args, run),
)
