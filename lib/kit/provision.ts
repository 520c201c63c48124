// kit.provision(): the whole stack of the week-6 guide in one idempotent run (scripts/provision).
import { EXIT } from '../core/errors.js'
import { planCostLine } from '../cost/workload.js'
import { applySteps, validateSteps, type StepsDocument } from '../steps/apply.js'
import { formatSummary } from '../steps/engine.js'
import { allSteps } from '../steps/index.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { StepsDocument }

export async function provision(kit: Kit, options: { dryRun?: boolean }): Promise<Outcome<StepsDocument>> {
  // A missing region is reported with every other missing input, as the script does (stepContextOptions).
  const run = await kit.run(options.dryRun === true ? 'dry-run' : 'apply', (inputs) => validateSteps(allSteps(inputs.services), inputs))
  const { summary, document } = await applySteps(allSteps(run.services), run, {
    json: false,
    print: kit.out.line,
    warn: kit.out.warn,
    // The plan says what it would cost a month, and the change from what runs now.
    ...(run.dryRun ? { epilogue: (r) => planCostLine(r, 'templates') } : {}),
  })
  return { document, exitCode: summary.failed > 0 ? EXIT.failed : EXIT.ok, message: formatSummary(summary, run.dryRun) }
}
