// Runs steps in dependency order, independent ones at the same time, and reports each.
import { describeError } from '../core/describe-error.js'
import type { Change, Outcome, Step, StepContext } from './step.js'

export interface StepReport {
  id: string
  title: string
  changes: Change[]
  seconds: number
  /** Why the step failed, one line. */
  error?: string
  /** The step did not run because a step it needs failed. */
  skipped?: boolean
}

/**
 * Run every step once all the steps it needs have succeeded. A failed step's dependents are
 * skipped; independent steps still run, so one failure does not hide the rest of the picture.
 */
export async function runSteps(steps: readonly Step[], ctx: StepContext, onReport: (report: StepReport) => void = () => {}): Promise<StepReport[]> {
  const known = new Set(steps.map((s) => s.id))
  const done = new Map<string, Promise<StepReport>>()
  const clock = () => performance.now()

  const start = (step: Step): Promise<StepReport> => {
    const existing = done.get(step.id)
    if (existing) return existing
    const promise = (async (): Promise<StepReport> => {
      const needs = step.needs.filter((need) => known.has(need.id)).map((need) => start(steps.find((s) => s.id === need.id) as Step))
      const upstream = await Promise.all(needs)
      const failed = upstream.find((r) => r.error !== undefined)
      let report: StepReport
      if (failed) {
        report = { id: step.id, title: step.title, changes: [], seconds: 0, error: `skipped: ${failed.id} failed`, skipped: true }
      } else {
        const t0 = clock()
        try {
          const changes = await step.run(ctx)
          report = { id: step.id, title: step.title, changes, seconds: (clock() - t0) / 1000 }
        } catch (error) {
          report = { id: step.id, title: step.title, changes: [], seconds: (clock() - t0) / 1000, error: describeError(error).line }
        }
      }
      onReport(report)
      return report
    })()
    done.set(step.id, promise)
    return promise
  }
  // Report in the order given for steps that finish together; results keep that order too.
  return Promise.all(steps.map(start))
}

export interface Summary {
  created: number
  updated: number
  unchanged: number
  failed: number
}

/** Count outcomes across reports. Pure. */
export function summarize(reports: readonly StepReport[]): Summary {
  const summary: Summary = { created: 0, updated: 0, unchanged: 0, failed: 0 }
  for (const report of reports) {
    if (report.error !== undefined) summary.failed += 1
    for (const change of report.changes) summary[change.outcome] += 1
  }
  return summary
}

const VERB: Record<Outcome, [done: string, planned: string]> = {
  created: ['created', 'would create'],
  updated: ['updated', 'would update'],
  unchanged: ['unchanged', 'unchanged'],
}

/** A step's progress line and one line per resource. Pure. */
export function formatReport(report: StepReport, dryRun: boolean): string[] {
  const mark = report.error !== undefined ? (report.skipped ? '-' : '✗') : '✓'
  const lines = [`${mark} ${report.id.padEnd(34)} ${report.error ?? outcomeCounts(report.changes, dryRun)}  (${report.seconds.toFixed(2)}s)`]
  for (const change of report.changes) {
    const verb = VERB[change.outcome][dryRun ? 1 : 0]
    lines.push(`    ${verb.padEnd(12)} ${change.resource} ${change.name}${change.detail ? `: ${change.detail}` : ''}`)
    if (change.warning) lines.push(`    ${'warning:'.padEnd(12)} ${change.warning}`)
  }
  return lines
}

function outcomeCounts(changes: readonly Change[], dryRun: boolean): string {
  const counts = summarize([{ id: "", title: "", changes: [...changes], seconds: 0 }])
  const parts = (['created', 'updated', 'unchanged'] as const)
    .filter((o) => counts[o] > 0)
    .map((o) => `${counts[o]} ${VERB[o][dryRun ? 1 : 0]}`)
  return parts.join(', ') || 'nothing to do'
}

/** The one-line summary: "3 created, 1 updated, 12 unchanged". Pure. */
export function formatSummary(summary: Summary, dryRun: boolean): string {
  const failed = summary.failed ? `, ${summary.failed} step${summary.failed === 1 ? '' : 's'} failed` : ''
  if (dryRun) return `plan: ${summary.created} to create, ${summary.updated} to update, ${summary.unchanged} unchanged${failed}`
  return `${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged${failed}`
}
