// What exists of the stack, whether it is what provision would make, and what runs (read-only).
import { COST_PLACEHOLDER, formatInventory, formatServices } from '../lib/ops/inventory.js'
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { say } from '../lib/core/output.js'
import { envHelp, parameterHelp, VARIABLES, type Variable } from '../lib/config/variables.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { checksLines, status, statusSummary } from '../lib/kit/status.js'

await runScript(withAwsEnv(
  {
    name: 'status',
    summary:
      'Check every resource provision manages, in provision\'s own terms (its steps run as a dry run): missing, drifted or as it should be. ' +
      'Then, per service: deployments and rollout state, running / pending / desired, its URL and each load-balancer target\'s state and reason (a routed service), ' +
      'each task (health, status, public IP, image digest) and the last 5 events. Once every resource exists, what scripts/verify and scripts/audit (high, critical) fail on. ' +
      'Read-only. Exit 1 when something is missing, drifted, unreadable or could not be compared, verify or audit fails, a rollout is failing, or a target is unhealthy.',
    positionals: [{ name: 'SERVICE', description: 'one declared service (default: ECS_SERVICES, else every declared one); the shared resources are always checked' }],
    options: { json: { type: 'boolean', description: 'print one JSON document (see README: "scripts/status --json")' } },
    env: [...envHelp(...(Object.keys(VARIABLES) as Variable[]).filter((name) => name !== 'ECR_REGISTRY')), ...parameterHelp()],
    notes: [
      'Marks: ✓ as provision would leave it, ✗ missing / drifted / unreadable, ? not compared (a variable it needs is not set),',
      '! as provision leaves it but worth a look (a service drifted from its file: deploy and scale change services on purpose).',
      'Targets: ✓ healthy, ✗ unhealthy (the load balancer sends it no traffic), ! on its way (initial, draining) or none registered.',
    ],
  }),
  async ({ values, positionals }) => {
    const kit = await scriptKit(scriptOutput(values.json === true))
    const { document: report, exitCode } = await status(kit, positionals)
    if (values.json) {
      say(JSON.stringify(report, null, 2))
    } else {
      say(`resources (${report.region}, account ${report.account}):`)
      for (const line of formatInventory(report.resources)) say(line)
      say(statusSummary(report))
      for (const line of checksLines(report)) say(line)
      say('')
      for (const line of formatServices(report.services)) say(line)
      say(report.monthlyCost ?? COST_PLACEHOLDER)
    }
    return exitCode
  },
)
