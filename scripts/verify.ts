// Pre-flight before a deploy: everything a service's task needs from AWS to start, one line per check.
import { runAwsScript } from '../lib/core/boundary.js'
import { EXIT } from '../lib/core/errors.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { stepContext } from '../lib/steps/step.js'
import { serviceNamed } from '../lib/config/services.js'
import { formatChecks, type CheckResult } from '../lib/verify/checks.js'
import { verifyService, VerifyReader } from '../lib/verify/verify.js'

/** What --json prints. */
export interface VerifyDocument {
  ok: boolean
  region: string
  account: string
  /** Every check of every service; verdict "skip" does not fail the run. */
  checks: CheckResult[]
  failed: number
}

await runAwsScript(
  {
    name: 'verify',
    summary:
      "Check, read-only, that each service's task could start: its roles exist and trust ecs-tasks.amazonaws.com; the execution role may " +
      'pull from ECR, write the log group and read the SSM parameters; every parameter exists; the image tag is in ECR with a manifest for ' +
      "the task's platform; the log group and cluster exist; the container ports are open; with ECS Exec on, the task role has the " +
      'ssmmessages actions. One line per check; exit 1 when any fails.',
    positionals: [{ name: 'SERVICE', description: 'one declared service (default: ECS_SERVICES, else every service in json/services.json)' }],
    options: { json: { type: 'boolean', description: 'print one JSON document instead of lines' } },
    env: envHelp('AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'AWS_ENDPOINT_URL', 'ECS_SERVICES', 'ECS_CLUSTER', 'SECURITY_GROUP_NAME', 'IMAGE_TAG', 'LOG_GROUP', 'SSM_PREFIX'),
  },
  'read-only',
  async ({ values, positionals }, run) => {
    // serviceNamed refuses a name that is not declared (or not a name) before any AWS call.
    const services = positionals.length ? positionals.map((name) => serviceNamed(name)) : run.services
    const ctx = await stepContext(run)
    const reader = new VerifyReader(ctx)
    const results = (await Promise.all(services.map((service) => verifyService(reader, service)))).flat()
    const failed = results.filter((r) => r.verdict === 'fail').length
    if (values.json) {
      const document: VerifyDocument = { ok: failed === 0, region: ctx.region, account: ctx.accountId, checks: results, failed }
      say(JSON.stringify(document, null, 2))
    } else {
      for (const line of formatChecks(results)) say(line)
      say(failed === 0 ? `all ${results.filter((r) => r.verdict === 'pass').length} checks passed` : `${failed} of ${results.length} checks failed`)
    }
    return failed === 0 ? EXIT.ok : EXIT.failed
  },
)
