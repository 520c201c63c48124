// What teardown reports: its --json document, and what it leaves, worked out from a plan of
// every kit resource (data included) made after the run. Pure.
import type { StepReport, Summary } from '../steps/engine.js'
import { TEARDOWN_IDS } from './options.js'

/** A resource teardown leaves, and why. */
export interface LeftItem {
  resource: string
  name: string
  detail?: string
  why: 'data' | 'not deleted'
}

/** What --json prints. */
export interface TeardownDocument {
  dryRun: boolean
  all: boolean
  account: string
  region: string
  plan: StepReport[]
  planSummary: Required<Summary>
  /** Empty under --dry-run, or when there was nothing to delete. */
  steps: StepReport[]
  summary: Required<Summary>
  left: LeftItem[]
  /** The monthly cost line: what runs now, and nothing after. */
  monthlyCost: string
  seconds: number
}

/** The outcomes a teardown summary always shows. */
export const TEARDOWN_OUTCOMES = ['deleted', 'unchanged'] as const
const DATA_STEPS: readonly string[] = [TEARDOWN_IDS.repositories, TEARDOWN_IDS.parameters]

/** What a plan of every kit resource (data included) says would still be deleted: what is left. Pure. */
export function leftFrom(reports: readonly StepReport[], all: boolean): LeftItem[] {
  return reports.flatMap((report) =>
    report.changes
      .filter((c) => c.outcome === 'deleted')
      .map((c): LeftItem => ({
        resource: c.resource,
        name: c.name,
        ...(c.detail ? { detail: c.detail } : {}),
        why: DATA_STEPS.includes(report.id) && !all ? 'data' : 'not deleted',
      })),
  )
}

/** The lines saying what is left. Pure. */
export function formatLeft(left: readonly LeftItem[]): string[] {
  if (left.length === 0) return ['Nothing the kit made is left.']
  return [
    'Left in place:',
    ...left.map((item) => {
      const why = item.why === 'data' ? 'data, kept: ./scripts/teardown --all deletes it' : 'not deleted: see the errors above, then re-run'
      return `    ${item.resource} ${item.name}${item.detail ? ` (${item.detail})` : ''}: ${why}`
    }),
  ]
}

