// kit.status(): what exists of the stack, whether it is what provision would make, and what runs (scripts/status).
import { EXIT } from '../core/errors.js'
import { serviceNamed } from '../config/services.js'
import { planCostLine } from '../cost/workload.js'
import { alarmsInAlarm, countStates, formatInventory, statusReport, unhealthyTargets, type CostLine, type StatusDocument } from '../ops/inventory.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { StatusDocument }

/** The monthly cost line: the cost module's figure for what runs now (scripts/cost has the detail). */
const costLine: CostLine = (run) => planCostLine(run, 'current')

/** What status says under its resources: what is wrong and where to look, or that all is well. Pure. */
export function statusSummary(report: StatusDocument): string {
  const counts = countStates(report.resources)
  const parts = (['missing', 'drifted', 'error', 'unchecked'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`)
  return parts.length ? `${parts.join(', ')}, ${counts.ok} ok: ./scripts/provision --dry-run shows the plan` : `all ${counts.ok} resources as provision would leave them`
}

/** What verify and audit (high) fail on, once every resource exists: the lines status prints after its summary. Pure. */
export function checksLines(report: StatusDocument): string[] {
  if (!report.checked) return ['verify and audit (high): not run until every resource exists']
  const failed = report.checks.filter((c) => c.state === 'failed').length
  return [
    ...(report.checks.length ? ['verify and audit (high):', ...formatInventory(report.checks)] : []),
    failed ? `${failed} failed in verify or audit: each line names the command that explains it` : 'verify and audit (high): nothing fails',
  ]
}

/** The one line a failed status is rejected with: the resources when they are not all ok, else what verify/audit or a rollout fail on. Pure. */
function statusMessage(report: StatusDocument): string {
  if (report.resources.some((r) => r.state !== 'ok')) return statusSummary(report)
  const failedChecks = report.checks.filter((c) => c.state !== 'ok').length
  if (failedChecks > 0) return checksLines(report).at(-1) as string
  const failing = report.services.filter((s) => s.failing).map((s) => s.name)
  if (failing.length) return `the rollout of ${failing.join(', ')} is failing: ./scripts/status shows why`
  const alarming = report.services.flatMap((s) => alarmsInAlarm(s))
  if (alarming.length) return `${alarming.length === 1 ? 'a rollback alarm is' : `${alarming.length} rollback alarms are`} in ALARM (ECS rolls a deployment back on it): ${alarming.join('; ')}`
  const unhealthy = report.services.flatMap((s) => unhealthyTargets(s))
  return unhealthy.length ? `the load balancer finds ${unhealthy.length === 1 ? 'a target' : `${unhealthy.length} targets`} unhealthy: ${unhealthy.join('; ')}` : statusSummary(report)
}

export async function status(kit: Kit, given: string | readonly string[] | undefined): Promise<Outcome<StatusDocument>> {
  const run = await kit.run('read-only')
  const names = typeof given === 'string' ? [given] : given
  // A name that is not declared (or not a name) is refused before any AWS call.
  const services = names?.length ? names.map((name) => serviceNamed(name).name) : undefined
  const report = await statusReport(run, { services, costLine })
  return { document: report, exitCode: report.ok ? EXIT.ok : EXIT.failed, message: statusMessage(report) }
}
