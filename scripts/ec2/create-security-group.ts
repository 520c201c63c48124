// The guide's `describe-vpcs` + `create-security-group` + `authorize-security-group-ingress`,
// idempotent, admitting the containers' ports (4567, not the guide's port 80) from the load
// balancer's group and from the services themselves, never from the internet.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { securityGroupStep } from '../../lib/steps/security-group.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ec2/create-security-group',
    summary:
      'Find the default VPC and its subnets, create the services’ security group there, and allow the ' +
      'container ports of the task definitions (task-definitions/<service>.json) from the load balancer’s security group ' +
      '(a routed service’s) and from the services’ group itself (Service Connect). A container port open to an address ' +
      'range (the kit’s old 0.0.0.0/0 or INGRESS_CIDR rule) is revoked. Safe to re-run; rules on other ports the kit did ' +
      'not add are left alone and mentioned.',
    options: STEP_OPTIONS,
    env: envHelp('SECURITY_GROUP_NAME', 'LOAD_BALANCER_SECURITY_GROUP_NAME', 'ECS_SERVICES', 'AWS_DEFAULT_REGION'),
    notes: ['Needs, when a service is routed through the front door: ./scripts/ec2/create-load-balancer-security-group.'],
  },
  stepContextOptions(() => [securityGroupStep]),
  (args, run) => runStepsScript([securityGroupStep], args, run),
)
