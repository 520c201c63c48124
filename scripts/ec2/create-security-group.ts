// The guide's `describe-vpcs` + `create-security-group` + `authorize-security-group-ingress`,
// idempotent, opening the containers' ports (4567) instead of the guide's port 80.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { securityGroupStep } from '../../lib/steps/security-group.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ec2/create-security-group',
    summary:
      'Find the default VPC and its subnets, create the services’ security group there, and allow the ' +
      'container ports of the task definitions (task-definitions/<service>.json) from INGRESS_CIDR. Safe to re-run; ' +
      'rules the kit did not add are left alone.',
    options: STEP_OPTIONS,
    env: envHelp('SECURITY_GROUP_NAME', 'INGRESS_CIDR', 'ECS_SERVICES', 'AWS_DEFAULT_REGION'),
  },
  stepContextOptions(() => [securityGroupStep]),
  (args, run) => runStepsScript([securityGroupStep], args, run),
)
