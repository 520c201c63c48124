// Application Auto Scaling for a service: `register-scalable-target` + `put-scaling-policy`,
// idempotent, from the service's "scaling" declaration in json/services.json.
import { selectedServices } from '../../lib/config/services.js'
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { autoScalingStep } from '../../lib/steps/auto-scaling.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'application-autoscaling/register-scalable-target',
    summary:
      'Register the ECS service NAME as a scalable target (its desired count, between the declared min and max) and put ' +
      'its target-tracking policy: average CPU by default, ALB requests per target when the service is routed through ' +
      'the front door and declares requestsPerTarget. A paused service keeps min = max = 0. Safe to re-run.',
    positionals: [{ name: 'NAME', description: 'the service (default: each of ECS_SERVICES)' }],
    options: STEP_OPTIONS,
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'LOAD_BALANCER_NAME', 'AWS_DEFAULT_REGION'),
    notes: ['Needs: ./scripts/ecs/create-service (and the front door for requestsPerTarget).'],
  },
  stepContextOptions((inputs, args) => selectedServices(inputs.services, args.positionals[0]).map(autoScalingStep)),
  (args, run) => runStepsScript(selectedServices(run.services, args.positionals[0]).map(autoScalingStep), args, run),
)
