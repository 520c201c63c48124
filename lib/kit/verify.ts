// kit.verify(): the pre-flight before a deploy, one result per check (scripts/verify).
import { EXIT } from '../core/errors.js'
import { serviceNamed } from '../config/services.js'
import { stepContext } from '../steps/step.js'
import type { CheckResult } from '../verify/checks.js'
import { verifyService, VerifyReader } from '../verify/verify.js'
import type { KitCore as Kit, Outcome } from './core.js'

/** What verify --json prints. */
export interface VerifyDocument {
  ok: boolean
  region: string
  account: string
  /** Every check of every service; verdict "skip" does not fail the run. */
  checks: CheckResult[]
  failed: number
}

export async function verify(kit: Kit, given: string | readonly string[] | undefined): Promise<Outcome<VerifyDocument>> {
  const run = await kit.run('read-only')
  const names = typeof given === 'string' ? [given] : given
  // serviceNamed refuses a name that is not declared (or not a name) before any AWS call.
  const services = names?.length ? names.map((name) => serviceNamed(name)) : run.services
  const ctx = await stepContext(run)
  const reader = new VerifyReader(ctx)
  const results = (await Promise.all(services.map((service) => verifyService(reader, service)))).flat()
  const failed = results.filter((r) => r.verdict === 'fail').length
  const document: VerifyDocument = { ok: failed === 0, region: ctx.region, account: ctx.accountId, checks: results, failed }
  return { document, exitCode: failed === 0 ? EXIT.ok : EXIT.failed, message: `${failed} of ${results.length} checks failed` }
}
