// kit.cost(): what the stack costs a month (scripts/cost; the command is lib/cost/command.ts).
import { EXIT } from '../core/errors.js'
import { costEstimate, type CostOptions } from '../cost/command.js'
import { estimateJson, type Estimate } from '../cost/estimate.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { CostOptions, Estimate }

/** The estimate as it is (the script's table prints it), and as --json prints it (the document). */
export async function cost(kit: Kit, options: CostOptions, raw?: (estimate: Estimate) => void): Promise<Outcome<Estimate>> {
  const estimate = await costEstimate(kit.env, options, kit.out.note)
  raw?.(estimate)
  return { document: estimateJson(estimate), exitCode: EXIT.ok }
}
