// kit.audit(): the guide's security advice as checks, on the templates (local) or the live stack (scripts/audit).
import { evaluate, loadAccepted, parseFailOn, type AuditReport, type FailOn } from '../audit/engine.js'
import { localSnapshot } from '../audit/local.js'
import { EXIT } from '../core/errors.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { AuditReport }

export interface AuditOptions {
  /** Check the templates only, with stand-in values: no AWS call. */
  local?: boolean
  /** Fail when an open finding is at or above: critical, high (default), medium, low, none. */
  failOn?: FailOn | string
}

export async function audit(kit: Kit, options: AuditOptions): Promise<Outcome<AuditReport>> {
  const failOn = parseFailOn(options.failOn)
  const accepted = loadAccepted()
  let snapshot
  if (options.local) snapshot = localSnapshot(kit.env)
  else {
    const run = await kit.run('read-only')
    kit.out.note(`reading the stack in ${run.region} (read-only)...`)
    // Loaded only for the live audit: --local never loads the CloudTrail and Config clients.
    const { liveSnapshot } = await import('../audit/live.js')
    snapshot = await liveSnapshot(run)
  }
  const report = evaluate(snapshot, accepted, failOn)
  const open = report.findings.filter((f) => !f.accepted).length
  return { document: report, exitCode: report.failed ? EXIT.failed : EXIT.ok, message: `${open} open finding${open === 1 ? '' : 's'}, at least one at or above ${failOn}` }
}
