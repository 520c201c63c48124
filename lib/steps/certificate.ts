// With DOMAIN_NAME: an ACM certificate for the domain and each routed host under it, validated
// by DNS records the kit writes into the domain's hosted zone. Without a domain: nothing.
import type { Step } from './step.js'

export const certificateStep: Step = {
  id: 'acm/request-certificate',
  title: 'TLS certificate for DOMAIN_NAME',
  needs: [],
  // SKELETON: filled in by the domain work.
  async run() {
    return []
  },
}
