// Pre-flight before a deploy: everything a service's task needs from AWS to start, one line per check.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { formatChecks } from '../lib/verify/checks.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { verify } from '../lib/kit/verify.js'
import { REGISTRY_TIMEOUT_HELP } from '../lib/images/registry.js'

export type { VerifyDocument } from '../lib/kit/verify.js'

await runScript(withAwsEnv(
  {
    name: 'verify',
    summary:
      "Check, read-only, that each service's task could start: its roles exist and trust ecs-tasks.amazonaws.com; the execution role may " +
      'pull from ECR, write the log group and read the SSM parameters; every parameter exists; the image tag is in ECR with a manifest for ' +
      "the task's platform; the log group and cluster exist; the container ports are open; with ECS Exec on, the task role has the " +
      'ssmmessages actions; for a service the front door routes to, its target group exists on the declared containerPort with the declared health-check path, ' +
      'and with DOMAIN_NAME the certificate (the HTTPS listener\'s, else ACM\'s for the domain) is ISSUED and covers the domain and api.<domain>. One line per check; exit 1 when any fails.',
    positionals: [{ name: 'SERVICE', description: 'one declared service (default: ECS_SERVICES, else every service in json/services.json)' }],
    options: { json: { type: 'boolean', description: 'print one JSON document instead of lines' } },
    // The image is looked up where it was pushed: ECR, or the registry ECR_REGISTRY names.
    env: [...envHelp('AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'AWS_ENDPOINT_URL', 'ECS_SERVICES', 'ECS_CLUSTER', 'SECURITY_GROUP_NAME', 'IMAGE_TAG', 'LOG_GROUP', 'SSM_PREFIX', 'ECR_REGISTRY', 'LOAD_BALANCER_NAME', 'DOMAIN_NAME'), REGISTRY_TIMEOUT_HELP],
  }),
  async ({ values, positionals }) => {
    const kit = await scriptKit(scriptOutput(values.json === true))
    const { document, exitCode } = await verify(kit, positionals)
    if (values.json) {
      say(JSON.stringify(document, null, 2))
    } else {
      const results = document.checks
      for (const line of formatChecks(results)) say(line)
      say(document.failed === 0 ? `all ${results.filter((r) => r.verdict === 'pass').length} checks passed` : `${document.failed} of ${results.length} checks failed`)
    }
    return exitCode
  },
)
