// kit.teardown(): everything the kit made, in reverse dependency order (scripts/teardown; the
// orchestration is lib/teardown/run.ts).
import { EXIT } from '../core/errors.js'
import { formatSummary } from '../steps/engine.js'
import { teardownStack, type TeardownIo, type TeardownRequest } from '../teardown/run.js'
import { leftProblem, TEARDOWN_OUTCOMES, type TeardownDocument } from '../teardown/report.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { TeardownDocument }

export interface TeardownOptions extends TeardownRequest {
  /** Print the plan and what would be left; change nothing. */
  dryRun?: boolean
}

/** The outcome, and for the script: whether it was cancelled, whose resources went, and the line when something is left that should not be. */
export type TeardownOutcome = Outcome<TeardownDocument> & { cancelled: boolean; only?: readonly string[]; problem?: string }

export async function teardown(kit: Kit, options: TeardownOptions, io: Partial<Pick<TeardownIo, 'confirm' | 'json'>> = {}): Promise<TeardownOutcome> {
  const run = await kit.run(options.dryRun === true ? 'dry-run' : 'apply')
  const { document, cancelled, only } = await teardownStack(run, options, { line: kit.out.line, warn: kit.out.warn, ...io })
  const done = { document, cancelled, ...(only ? { only } : {}) }
  if (cancelled) return { ...done, exitCode: EXIT.failed, message: 'teardown cancelled: nothing was changed' }
  const failed = document.summary.failed > 0
  // Anything left that is neither data kept on purpose nor shared with a service that stays: exit 1,
  // saying so (the API's caller has the document: its "left").
  const problem = document.dryRun ? undefined : leftProblem(document.left, failed, io.json !== false)
  if (problem) return { ...done, problem, exitCode: EXIT.failed, message: problem }
  return { ...done, exitCode: failed ? EXIT.failed : EXIT.ok, message: formatSummary(document.summary, false, TEARDOWN_OUTCOMES) }
}
