// What teardown reports: its --json document, and what it leaves, worked out from a plan of
// every kit resource (data included) made after the run. Pure.
import type { StepReport, Summary } from '../steps/engine.js'
import type { TeardownChange } from './options.js'

/** A resource teardown leaves, and why: data (kept unless --all), shared (another service uses it), or not deleted. */
export interface LeftItem {
  resource: string
  name: string
  detail?: string
  why: 'data' | 'shared' | 'not deleted'
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

/**
 * What a plan of every kit resource (data included) says is left: what it would still delete
 * (data, unless --all; anything else: not deleted), and what it keeps as shared. Pure.
 */
export function leftFrom(reports: readonly StepReport[], all: boolean, dataSteps: ReadonlySet<string>): LeftItem[] {
  return reports.flatMap((report) =>
    report.changes.flatMap((c: TeardownChange): LeftItem[] => {
      if (c.kept !== undefined) return [{ resource: c.resource, name: c.name, detail: c.kept, why: 'shared' }]
      if (c.outcome !== 'deleted') return []
      return [{ resource: c.resource, name: c.name, ...(c.detail ? { detail: c.detail } : {}), why: dataSteps.has(report.id) && !all ? 'data' : 'not deleted' }]
    }),
  )
}

/** What is left that should not be: neither data kept on purpose nor shared with a service that stays. Pure. */
export const notDeleted = (left: readonly LeftItem[]): LeftItem[] => left.filter((item) => item.why === 'not deleted')

export interface LeftContext {
  /** Whether a step failed (its errors are above the list). */
  failed: boolean
  /** The services torn down, when not every declared one (ECS_SERVICES): "nothing left" speaks of theirs only. */
  only?: readonly string[]
}

/** The lines saying what is left. Pure. */
export function formatLeft(left: readonly LeftItem[], { failed, only }: LeftContext): string[] {
  if (left.length === 0) return [only ? `Nothing of ${only.join(', ')} is left.` : 'Nothing the kit made is left.']
  const why = (item: LeftItem): string => {
    if (item.why === 'data') return 'data, kept: ./scripts/teardown --all deletes it'
    if (item.why === 'shared') return `kept, ${item.detail}`
    return failed ? 'not deleted: see the errors above, then re-run' : 'still there after teardown (made again while it ran?): re-run teardown'
  }
  return [
    'Left in place:',
    ...left.map((item) => `    ${item.resource} ${item.name}${item.detail && item.why !== 'shared' ? ` (${item.detail})` : ''}: ${why(item)}`),
  ]
}

/** The error teardown ends with when something not meant to stay is left, or undefined. Pure. */
export function leftProblem(left: readonly LeftItem[], failed: boolean, json: boolean): string | undefined {
  const n = notDeleted(left).length
  if (n === 0) return undefined
  const where = json ? 'listed in "left"' : 'listed above'
  const errors = json ? 'the failed steps\' errors' : 'the errors above'
  return `${n} resource${n === 1 ? '' : 's'} the kit made ${n === 1 ? 'is' : 'are'} still there (${where}): re-run teardown${failed ? ` once ${errors} are dealt with` : ''}`
}
