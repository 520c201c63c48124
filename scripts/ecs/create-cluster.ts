// The guide's `aws ecs create-cluster --cluster-name cruddur --service-connect-defaults namespace=cruddur`, idempotent.
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { clusterStep } from '../../lib/steps/cluster.js'

await runScript(
  {
    name: 'ecs/create-cluster',
    summary:
      'Create the ECS cluster with its default Service Connect namespace; re-create it if it was deleted (INACTIVE). Safe to re-run.',
    options: STEP_OPTIONS,
    env: [
      { name: 'ECS_CLUSTER', description: 'cluster name (default cruddur)' },
      { name: 'SERVICE_CONNECT_NAMESPACE', description: 'default Service Connect namespace, name or ARN (default cruddur)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
      { name: 'AWS_ACCOUNT_ID', description: 'account (else asked of STS)' },
    ],
  },
  (args) => runStepsScript([clusterStep], args),
)
