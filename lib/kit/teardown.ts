// kit.teardown(): everything the kit made, in reverse dependency order (scripts/teardown; the
// orchestration is lib/teardown/run.ts).
import { EXIT } from '../core/errors.js'
import { formatSummary } from '../steps/engine.js'
import { teardownStack, type TeardownIo, type TeardownRequest } from '../teardown/run.js'
import { TEARDOWN_OUTCOMES, type TeardownDocument } from '../teardown/report.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { TeardownDocument }

export interface TeardownOptions extends TeardownRequest {
  /** Print the plan and what would be left; change nothing. */
  dryRun?: boolean
}

export async function teardown(kit: Kit, options: TeardownOptions, io: Partial<Pick<TeardownIo, 'confirm' | 'json'>> = {}): Promise<Outcome<TeardownDocument> & { cancelled: boolean }> {
  const run = await kit.run(options.dryRun === true ? 'dry-run' : 'apply')
  const { document, cancelled } = await teardownStack(run, options, { line: kit.out.line, warn: kit.out.warn, ...io })
  if (cancelled) return { document, cancelled, exitCode: EXIT.failed, message: 'teardown cancelled: nothing was changed' }
  const failed = document.summary.failed > 0
  return { document, cancelled, exitCode: failed ? EXIT.failed : EXIT.ok, message: formatSummary(document.summary, false, TEARDOWN_OUTCOMES) }
}
