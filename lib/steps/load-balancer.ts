// The application load balancer in front of the routed services (the bootcamp's cruddur-alb):
// internet-facing, across the default VPC's subnets, behind its own security group.
import type { Step } from './step.js'
import { loadBalancerSecurityGroupStep } from './load-balancer-security-group.js'

export const loadBalancerStep: Step = {
  id: 'elbv2/create-load-balancer',
  title: 'application load balancer',
  needs: [loadBalancerSecurityGroupStep],
  // SKELETON: filled in by the front-door network work.
  async run() {
    return []
  },
}
