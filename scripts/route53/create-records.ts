// With DOMAIN_NAME: the bootcamp's alias A records (the domain and api.<domain>) to the load
// balancer, in the domain's existing hosted zone. Without a domain it has nothing to do.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { dnsRecordsStep } from '../../lib/steps/dns-records.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'route53/create-records',
    summary:
      'With DOMAIN_NAME: write alias A records for the domain and each routed host under it (api.<domain>) to the load ' +
      "balancer, in the domain's public hosted zone; only what is missing or differs is written, and the zone itself is " +
      'never created or deleted. Without DOMAIN_NAME: nothing to do. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('DOMAIN_NAME', 'LOAD_BALANCER_NAME', 'ECS_SERVICES', 'AWS_DEFAULT_REGION'),
  },
  stepContextOptions(() => [dnsRecordsStep]),
  (args, run) => runStepsScript([dnsRecordsStep], args, run),
)
