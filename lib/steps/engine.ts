// Runs steps in dependency order (or, for teardown, in reverse dependency order), independent
// ones at the same time, and reports each.
import { describeError } from '../core/describe-error.js'
import type { Change, Outcome, Step, StepContext } from './step.js'

export interface StepReport {
  id: string
  title: string
  changes: Change[]
  seconds: number
  /** Why the step failed, one line. */
  error?: string
  /** The step did not run because a step it waits for failed. */
  skipped?: boolean
}

export interface RunOptions {
  /**
   * Reverse dependency order (teardown): a step runs only once every step that NEEDS it has
   * finished, so what refers to a resource goes before the resource. Default: forward.
   */
  reverse?: boolean
}

/**
 * What each step waits for: the steps it needs (forward), or the steps that need it (reverse).
 * Needs naming a step that is not in the list are ignored. Pure.
 */
export function waitsFor(steps: readonly Step[], { reverse = false }: RunOptions = {}): Map<string, string[]> {
  const known = new Set(steps.map((s) => s.id))
  const waits = new Map<string, string[]>(steps.map((s) => [s.id, []]))
  for (const step of steps) {
    for (const need of new Set(step.needs.map((n) => n.id))) {
      if (!known.has(need) || need === step.id) continue
      if (reverse) waits.get(need)?.push(step.id)
      else waits.get(step.id)?.push(need)
    }
  }
  return waits
}

/**
 * Run every step once all the steps it waits for (see waitsFor) have succeeded. A failed
 * step's waiters are skipped; independent steps still run, so one failure does not hide the
 * rest of the picture.
 */
export async function runSteps(
  steps: readonly Step[],
  ctx: StepContext,
  onReport: (report: StepReport) => void = () => {},
  options: RunOptions = {},
): Promise<StepReport[]> {
  const waits = waitsFor(steps, options)
  const byId = new Map(steps.map((s) => [s.id, s]))
  const done = new Map<string, Promise<StepReport>>()
  const clock = () => performance.now()

  const start = (step: Step): Promise<StepReport> => {
    const existing = done.get(step.id)
    if (existing) return existing
    const promise = (async (): Promise<StepReport> => {
      const upstream = await Promise.all((waits.get(step.id) ?? []).map((id) => start(byId.get(id) as Step)))
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
  /** Present only when something was (or would be) deleted, so provisioning's summary keeps its shape. */
  deleted?: number
  failed: number
}

/** Count outcomes across reports. Pure. */
export function summarize(reports: readonly StepReport[]): Summary {
  const summary: Summary = { created: 0, updated: 0, unchanged: 0, failed: 0 }
  for (const report of reports) {
    if (report.error !== undefined) summary.failed += 1
    for (const change of report.changes) summary[change.outcome] = (summary[change.outcome] ?? 0) + 1
  }
  return summary
}

/** A summary with every outcome counted, 0 included (teardown's --json). Pure. */
export const fullSummary = (summary: Summary): Required<Summary> => ({ ...summary, deleted: summary.deleted ?? 0 })

const VERB: Record<Outcome, [done: string, planned: string]> = {
  created: ['created', 'would create'],
  updated: ['updated', 'would update'],
  unchanged: ['unchanged', 'unchanged'],
  deleted: ['deleted', 'would delete'],
}

/** How a summary names each outcome, done and planned. */
const SUMMARY_WORDS: Record<Outcome, [done: string, planned: string]> = {
  created: ['created', 'to create'],
  updated: ['updated', 'to update'],
  unchanged: ['unchanged', 'unchanged'],
  deleted: ['deleted', 'to delete'],
}

const ORDER: readonly Outcome[] = ['created', 'updated', 'deleted', 'unchanged']

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
  const counts = summarize([{ id: '', title: '', changes: [...changes], seconds: 0 }])
  const parts = ORDER.filter((o) => (counts[o] ?? 0) > 0).map((o) => `${counts[o]} ${VERB[o][dryRun ? 1 : 0]}`)
  return parts.join(', ') || 'nothing to do'
}

/**
 * The one-line summary: "3 created, 1 updated, 12 unchanged". `always` names the outcomes shown
 * even at 0 (provisioning's three by default; teardown's are deleted and unchanged); any other
 * outcome is shown when it happened. Pure.
 */
export function formatSummary(
  summary: Summary,
  dryRun: boolean,
  always: readonly Outcome[] = ['created', 'updated', 'unchanged'],
): string {
  const failed = summary.failed ? `, ${summary.failed} step${summary.failed === 1 ? '' : 's'} failed` : ''
  const parts = ORDER.filter((o) => always.includes(o) || (summary[o] ?? 0) > 0).map((o) => `${summary[o] ?? 0} ${SUMMARY_WORDS[o][dryRun ? 1 : 0]}`)
  return `${dryRun ? 'plan: ' : ''}${parts.join(', ')}${failed}`
}
