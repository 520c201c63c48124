// What exists of the stack, whether it is what provision would make, and what runs (read-only).
import { EXIT } from '../lib/core/errors.js'
import { serviceNamed } from '../lib/config/services.js'
import { COST_PLACEHOLDER, countStates, formatInventory, formatServices, statusReport, type CostLine } from '../lib/ops/inventory.js'
import { runAwsScript } from '../lib/core/boundary.js'
import { planCostLine } from '../lib/cost/workload.js'
import { say } from '../lib/core/output.js'
import { envHelp, parameterHelp, VARIABLES, type Variable } from '../lib/config/variables.js'

/** The monthly cost line: the cost module's figure for what runs now (scripts/cost has the detail). */
const costLine: CostLine = (run) => planCostLine(run, 'current')

await runAwsScript(
  {
    name: 'status',
    summary:
      'Check every resource provision manages, in provision\'s own terms (its steps run as a dry run): missing, drifted or as it should be. ' +
      'Then, per service: deployments and rollout state, running / pending / desired, each task (health, status, public IP, image digest) ' +
      'and the last 5 events. Once every resource exists, what scripts/verify and scripts/audit (high, critical) fail on. ' +
      'Read-only. Exit 1 when something is missing, drifted, unreadable or could not be compared, verify or audit fails, or a rollout is failing.',
    positionals: [{ name: 'SERVICE', description: 'one declared service (default: ECS_SERVICES, else every declared one); the shared resources are always checked' }],
    options: { json: { type: 'boolean', description: 'print one JSON document (see README: "scripts/status --json")' } },
    env: [...envHelp(...(Object.keys(VARIABLES) as Variable[]).filter((name) => name !== 'ECR_REGISTRY')), ...parameterHelp()],
    notes: [
      'Marks: ✓ as provision would leave it, ✗ missing / drifted / unreadable, ? not compared (a variable it needs is not set),',
      '! as provision leaves it but worth a look (a service drifted from its file: deploy and scale change services on purpose).',
    ],
  },
  'read-only',
  async ({ values, positionals }, run) => {
    // A name that is not declared (or not a name) is refused before any AWS call.
    const services = positionals.length ? positionals.map((name) => serviceNamed(name).name) : undefined
    const report = await statusReport(run, { services, costLine })
    if (values.json) {
      say(JSON.stringify(report, null, 2))
    } else {
      say(`resources (${run.region}, account ${report.account}):`)
      for (const line of formatInventory(report.resources)) say(line)
      const counts = countStates(report.resources)
      const parts = (['missing', 'drifted', 'error', 'unchecked'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`)
      say(parts.length ? `${parts.join(', ')}, ${counts.ok} ok: ./scripts/provision --dry-run shows the plan` : `all ${counts.ok} resources as provision would leave them`)
      if (!report.checked) say('verify and audit (high): not run until every resource exists')
      else {
        const failed = report.checks.filter((c) => c.state === 'failed').length
        if (report.checks.length) say('verify and audit (high):')
        for (const line of formatInventory(report.checks)) say(line)
        say(failed ? `${failed} failed in verify or audit: each line names the command that explains it` : 'verify and audit (high): nothing fails')
      }
      say('')
      for (const line of formatServices(report.services)) say(line)
      say(report.monthlyCost ?? COST_PLACEHOLDER)
    }
    return report.ok ? EXIT.ok : EXIT.failed
  },
)
