// The load balancer's own security group (the bootcamp's cruddur-alb-sg): HTTP and HTTPS from
// INGRESS_CIDR, nothing else. The services' group then admits their ports from it alone.
import type { Step } from './step.js'

export const loadBalancerSecurityGroupStep: Step = {
  id: 'ec2/create-load-balancer-security-group',
  title: "the load balancer's security group",
  needs: [],
  // SKELETON: filled in by the front-door network work.
  async run() {
    return []
  },
}
