// kit.status(): what exists of the stack, whether it is what provision would make, and what runs (scripts/status).
import { EXIT } from '../core/errors.js'
import { serviceNamed } from '../config/services.js'
import { planCostLine } from '../cost/workload.js'
import { countStates, statusReport, type CostLine, type StatusDocument } from '../ops/inventory.js'
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

export async function status(kit: Kit, given: string | readonly string[] | undefined): Promise<Outcome<StatusDocument>> {
  const run = await kit.run('read-only')
  const names = typeof given === 'string' ? [given] : given
  // A name that is not declared (or not a name) is refused before any AWS call.
  const services = names?.length ? names.map((name) => serviceNamed(name).name) : undefined
  const report = await statusReport(run, { services, costLine })
  return { document: report, exitCode: report.ok ? EXIT.ok : EXIT.failed, message: statusSummary(report) }
}
