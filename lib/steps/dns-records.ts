// With DOMAIN_NAME: alias A records for the domain and each routed host under it, pointing at
// the load balancer, in the domain's existing public hosted zone (never created or deleted here).
import type { Step } from './step.js'
import { loadBalancerStep } from './load-balancer.js'

export const dnsRecordsStep: Step = {
  id: 'route53/create-records',
  title: 'DNS records for DOMAIN_NAME',
  needs: [loadBalancerStep],
  // SKELETON: filled in by the domain work.
  async run() {
    return []
  },
}
