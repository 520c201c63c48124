// The bootcamp's listeners: HTTP:80 forwarding /api/* to the backend and the rest to the
// frontend; with DOMAIN_NAME, 80 redirecting to HTTPS:443, which routes api.<domain> to the backend.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { listenersStep } from '../../lib/steps/listeners.js'
import { routedServices } from '../../lib/front-door/routes.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'elbv2/create-listeners',
    summary:
      "Create the load balancer's listeners and rules from json/services.json's routes: without DOMAIN_NAME, HTTP:80 " +
      'forwards each service\'s paths to its target group and the rest to the default service; with it, HTTP:80 redirects ' +
      'to HTTPS:443 (the certificate, TLS 1.2/1.3 only), which routes <host>.<domain> and the paths. What differs is brought ' +
      "back, the kit's rules and listeners no longer wanted are deleted, others are left alone. Safe to re-run.",
    options: STEP_OPTIONS,
    env: envHelp('LOAD_BALANCER_NAME', 'DOMAIN_NAME', 'ECS_SERVICES', 'AWS_DEFAULT_REGION'),
  },
  stepContextOptions((inputs) => [listenersStep(routedServices(inputs.services))]),
  (args, run) => runStepsScript([listenersStep(routedServices(run.services))], args, run),
)
