// The bootcamp's cruddur-alb: an internet-facing application load balancer across the default
// VPC's subnets (one per Availability Zone), behind its own security group. Idempotent.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { loadBalancerStep } from '../../lib/steps/load-balancer.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'elbv2/create-load-balancer',
    summary:
      'Create the internet-facing application load balancer (IPv4) across the default VPC’s subnets, one per ' +
      'Availability Zone (at least two), with the load balancer’s security group, dropping invalid header fields. ' +
      'An existing one has its security group, subnets and that attribute put back when they drifted. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('LOAD_BALANCER_NAME', 'LOAD_BALANCER_SECURITY_GROUP_NAME', 'AWS_DEFAULT_REGION'),
    notes: [
      'Needs: ./scripts/ec2/create-load-balancer-security-group.',
      'Deletion protection stays off (a student stack must tear down) and access logs off (they need an S3 bucket).',
    ],
  },
  stepContextOptions(() => [loadBalancerStep]),
  (args, run) => runStepsScript([loadBalancerStep], args, run),
)
