// The bootcamp's cruddur-alb-sg: the load balancer's own security group, admitting HTTP and
// HTTPS from INGRESS_CIDR and nothing else. Idempotent.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { loadBalancerSecurityGroupStep } from '../../lib/steps/load-balancer-security-group.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ec2/create-load-balancer-security-group',
    summary:
      'Find the default VPC, create the load balancer’s security group there, and allow tcp/80 and tcp/443 from ' +
      'INGRESS_CIDR. Safe to re-run; rules the kit did not add are left alone and mentioned.',
    options: STEP_OPTIONS,
    env: envHelp('LOAD_BALANCER_SECURITY_GROUP_NAME', 'INGRESS_CIDR', 'AWS_DEFAULT_REGION'),
  },
  stepContextOptions(() => [loadBalancerSecurityGroupStep]),
  (args, run) => runStepsScript([loadBalancerSecurityGroupStep], args, run),
)
