// With DOMAIN_NAME: the bootcamp's ACM certificate (the domain and api.<domain>, DNS
// validation), its validation records written into the domain's hosted zone, and the wait for
// ISSUED. Without a domain it has nothing to do.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { certificateStep } from '../../lib/steps/certificate.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'acm/request-certificate',
    summary:
      'With DOMAIN_NAME: check that its public hosted zone exists in Route 53, find a certificate covering the domain ' +
      'and each routed host under it (api.<domain>) or request one (DNS validation), write its validation CNAME records ' +
      'into the zone, and wait for ISSUED (progress on stderr; re-running resumes). Without DOMAIN_NAME: nothing to do. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('DOMAIN_NAME', 'CERTIFICATE_WAIT_SECONDS', 'ECS_SERVICES', 'AWS_DEFAULT_REGION'),
  },
  stepContextOptions(() => [certificateStep]),
  (args, run) => runStepsScript([certificateStep], args, run),
)
