// A service's rollback alarms: CloudWatch metric alarms its deploymentConfiguration.alarms
// names, idempotent, from the service's "rollbackAlarms" declaration in json/services.json.
import { selectedServices } from '../../lib/config/services.js'
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { rollbackAlarmsStep } from '../../lib/steps/rollback-alarms.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'cloudwatch/put-rollback-alarms',
    summary:
      'Put the CloudWatch alarms that roll a deployment of the ECS service NAME back: behind the front door its ' +
      'targets\' 5xx rate (cruddur-NAME-5xx) and unhealthy targets (cruddur-NAME-unhealthy-hosts); for every service ' +
      'its running tasks below desired (cruddur-NAME-tasks-below-desired, which needs Container Insights on the cluster). ' +
      'Thresholds from "rollbackAlarms" in json/services.json. Safe to re-run.',
    positionals: [{ name: 'NAME', description: 'the service (default: each of ECS_SERVICES)' }],
    options: STEP_OPTIONS,
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'LOAD_BALANCER_NAME', 'AWS_DEFAULT_REGION'),
    notes: ['Needs: the front door (./scripts/elbv2/create-target-group) for a routed service. ./scripts/ecs/create-service wires the alarms into the service.'],
  },
  stepContextOptions((inputs, args) => selectedServices(inputs.services, args.positionals[0]).map(rollbackAlarmsStep)),
  (args, run) => runStepsScript(selectedServices(run.services, args.positionals[0]).map(rollbackAlarmsStep), args, run),
)
