// The guide's `aws ecs create-service --cli-input-json file://aws/json/service-backend-flask.json`,
// idempotent, with the security group and the default VPC's subnets filled in.
import { selectedServices } from '../../lib/config/services.js'
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { serviceStep } from '../../lib/steps/ecs-service.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ecs/create-service',
    summary:
      'Create the ECS service NAME from json/service-NAME.json (ECS Exec on, Service Connect), in the default VPC ' +
      'with the kit’s security group; a service json/services.json routes through the front door behind its target group ' +
      '(loadBalancers) with its health-check grace period. An existing service is left as it is (what differs from the file is reported), ' +
      'except that a routed one not behind its target group is attached with UpdateService (a new deployment follows). Safe to re-run.',
    positionals: [{ name: 'NAME', description: 'the service (default: each of ECS_SERVICES)' }],
    options: STEP_OPTIONS,
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'SERVICE_CONNECT_NAMESPACE', 'SECURITY_GROUP_NAME', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID'),
    notes: [
      'Needs: ./scripts/ecs/create-cluster, ./scripts/ecs/register-task-definition, ./scripts/ec2/create-security-group,',
      'and for a routed service ./scripts/elbv2/create-target-group NAME.',
    ],
  },
  stepContextOptions((inputs, args) => selectedServices(inputs.services, args.positionals[0]).map(serviceStep)),
  (args, run) => runStepsScript(selectedServices(run.services, args.positionals[0]).map(serviceStep), args, run),
)
