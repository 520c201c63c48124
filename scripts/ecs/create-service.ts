// The guide's `aws ecs create-service --cli-input-json file://aws/json/service-backend-flask.json`,
// idempotent, with the security group and the default VPC's subnets filled in.
import { UsageError } from '../../lib/errors.js'
import { kitNames } from '../../lib/config.js'
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { serviceProblem, serviceStep } from '../../lib/steps/ecs-service.js'

await runScript(
  {
    name: 'ecs/create-service',
    summary:
      'Create the ECS service NAME from json/service-NAME.json (ECS Exec on, Service Connect), in the default VPC ' +
      'with the kit’s security group. An existing service is left as it is; what differs from the file is reported. ' +
      'Safe to re-run.',
    positionals: [{ name: 'NAME', description: 'the service (default: each of ECS_SERVICES)' }],
    options: STEP_OPTIONS,
    env: [
      { name: 'ECS_SERVICES', description: 'services to create when NAME is not given (default backend-flask)' },
      { name: 'ECS_CLUSTER', description: 'cluster name (default cruddur)' },
      { name: 'SERVICE_CONNECT_NAMESPACE', description: 'Service Connect namespace (default cruddur)' },
      { name: 'SECURITY_GROUP_NAME', description: 'the services’ security group (default crud-srv-sg)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
      { name: 'AWS_ACCOUNT_ID', description: 'account (else asked of STS)' },
    ],
    notes: ['Needs: ./scripts/ecs/create-cluster, ./scripts/ecs/register-task-definition, ./scripts/ec2/create-security-group.'],
  },
  (args) => {
    const [name] = args.positionals
    if (name !== undefined) {
      const problem = serviceProblem(name)
      if (problem) throw new UsageError(problem)
    }
    const names = name !== undefined ? [name] : kitNames(process.env).services
    return runStepsScript(names.map(serviceStep), args)
  },
)
