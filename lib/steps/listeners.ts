// The load balancer's listeners and rules: without a domain, HTTP:80 forwarding by path; with
// one, HTTP:80 redirecting to HTTPS:443, which holds the certificate and routes by host and path.
import type { ServiceDeclaration } from '../config/services.js'
import type { Step } from './step.js'
import { certificateStep } from './certificate.js'
import { loadBalancerStep } from './load-balancer.js'
import { targetGroupStep } from './target-group.js'

/** The listeners step for the routed services of a run (it needs their target groups). */
export function listenersStep(routed: readonly ServiceDeclaration[]): Step {
  return {
    id: 'elbv2/create-listeners',
    title: "the load balancer's listeners and rules",
    needs: [loadBalancerStep, certificateStep, ...routed.map(targetGroupStep)],
    // SKELETON: filled in by the domain work.
    async run() {
      return []
    },
  }
}
