// The guide's `describe-vpcs` + `create-security-group` + `authorize-security-group-ingress`,
// idempotent, opening the containers' ports (4567) instead of the guide's port 80.
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { securityGroupStep } from '../../lib/steps/security-group.js'

await runScript(
  {
    name: 'ec2/create-security-group',
    summary:
      'Find the default VPC and its subnets, create the services’ security group there, and allow the ' +
      'container ports of the task definitions (task-definitions/<service>.json) from INGRESS_CIDR. Safe to re-run; ' +
      'rules the kit did not add are left alone.',
    options: STEP_OPTIONS,
    env: [
      { name: 'SECURITY_GROUP_NAME', description: 'security group name (default crud-srv-sg)' },
      { name: 'INGRESS_CIDR', description: 'IPv4 CIDR allowed to reach the container ports (default 0.0.0.0/0)' },
      { name: 'ECS_SERVICES', description: 'services whose task-definition ports to open (default backend-flask)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
    ],
  },
  (args) => runStepsScript([securityGroupStep], args),
)
