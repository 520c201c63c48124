// The bootcamp's cruddur-<service>-tg: a routed service's target group (type ip, HTTP on its
// container port, its declared health check). Idempotent.
import type { ServiceDeclaration } from '../../lib/config/services.js'
import { selectedServices } from '../../lib/config/services.js'
import { runAwsScript } from '../../lib/core/boundary.js'
import { routedServices } from '../../lib/front-door/routes.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { targetGroupStep } from '../../lib/steps/target-group.js'
import { envHelp } from '../../lib/config/variables.js'

/** The named service (checked to be routed by its step), or every routed one of ECS_SERVICES. */
const servicesOf = (selected: readonly ServiceDeclaration[], name: string | undefined): readonly ServiceDeclaration[] =>
  name === undefined ? routedServices(selected) : selectedServices(selected, name)

await runAwsScript(
  {
    name: 'elbv2/create-target-group',
    summary:
      'Create the target group of a service json/services.json routes through the front door: HTTP on its container ' +
      'port, target type ip, in the default VPC, health check on its healthCheckPath every 15 s (2 healthy, 2 unhealthy, ' +
      '200-399), deregistration delay 30 s. Drifted health-check settings and delay are put back. Safe to re-run.',
    positionals: [{ name: 'NAME', description: 'the service (default: each routed service of ECS_SERVICES)' }],
    options: STEP_OPTIONS,
    env: envHelp('ECS_SERVICES', 'AWS_DEFAULT_REGION'),
  },
  stepContextOptions((inputs, args) => servicesOf(inputs.services, args.positionals[0]).map(targetGroupStep)),
  (args, run) => runStepsScript(servicesOf(run.services, args.positionals[0]).map(targetGroupStep), args, run),
)
