// The body shared by every provisioning script (each step's own script and provision):
// validate every input, then run the steps, printing progress lines or one JSON document.
import type { ParsedArgs, ScriptSpec } from '../core/cli.js'
import { ConfigError, EXIT, type ExitCode } from '../core/errors.js'
import { get } from '../config/env.js'
import { holdStackLock } from '../core/lock.js'
import { say, warn } from '../core/output.js'
import { formatReport, formatSummary, runSteps, summarize, type StepReport, type Summary } from './engine.js'
import { stepContext, type Step, type StepInputs } from './step.js'
import type { Mode, RunContext } from '../aws/context.js'

export const STEP_OPTIONS = {
  'dry-run': { type: 'boolean', description: 'read what exists and print the plan; change nothing' },
  json: { type: 'boolean', description: 'print one JSON document instead of progress lines' },
} as const

/** What --json prints. */
export interface StepsDocument {
  dryRun: boolean
  account: string
  region: string
  steps: StepReport[]
  summary: Summary
  seconds: number
  /** provision --dry-run: the plan's monthly cost, e.g. "monthly cost: $0.00 → $28.92 (+$28.92)". */
  epilogue?: string
}

/** Every input problem across the steps, found before any AWS call. */
export function validateSteps(steps: readonly Step[], run: StepInputs): string[] {
  return [...new Set(steps.flatMap((step) => step.validate?.(run) ?? []))]
}

/** A provisioning script's mode: dry-run under --dry-run, else apply. Pure. */
export const stepMode = (args: ParsedArgs<ScriptSpec & { options: typeof STEP_OPTIONS }>): Mode =>
  args.values['dry-run'] === true ? 'dry-run' : 'apply'

export async function runStepsScript(
  steps: readonly Step[],
  args: ParsedArgs<ScriptSpec & { options: typeof STEP_OPTIONS }>,
  run: RunContext,
  options: Pick<ApplyOptions, 'epilogue'> = {},
): Promise<ExitCode> {
  const { summary } = await applySteps(steps, run, { json: args.values.json === true, ...options })
  return summary.failed > 0 ? EXIT.failed : EXIT.ok
}

export interface ApplyOptions {
  json: boolean
  /** A last line after the summary (the plan's monthly cost), or in --json its `epilogue` field. */
  epilogue?: (run: RunContext) => Promise<string>
}

/** Validate, then run the steps, printing as it goes. Throws ConfigError (nothing changed) on bad input. */
export async function applySteps(
  steps: readonly Step[],
  run: RunContext,
  { json, epilogue }: ApplyOptions,
): Promise<{ summary: Summary; reports: StepReport[] }> {
  if (run.mode === 'read-only') throw new Error('steps need an apply or dry-run context')
  const problems = validateSteps(steps, run)
  if (problems.length > 0) throw new ConfigError(`nothing was changed: ${problems.join('; ')}`)

  const { dryRun } = run
  // Only a run that changes things needs the stack to itself.
  const release = dryRun ? () => {} : await holdRunLock(run)
  try {
    return await applyLocked(steps, run, json, epilogue)
  } finally {
    release()
  }
}

/** Hold the stack's lock for a run that changes the stack (provision, deploy, rollback...); returns its release. */
export const holdRunLock = (run: RunContext): Promise<() => void> =>
  holdStackLock(`${get(run.env, 'AWS_ENDPOINT_URL') ?? 'aws'} ${run.region} ${run.names.cluster}`, `the stack (cluster ${run.names.cluster} in ${run.region})`, commandName(), {
    onWait: warn,
    timeoutMs: 15 * 60 * 1000,
  })

/** The command as the user typed it, for the lock's owner. */
const commandName = (): string => (process.argv[1] ?? 'the kit').split('/scripts/').pop() ?? 'the kit'

async function applyLocked(
  steps: readonly Step[],
  run: RunContext,
  json: boolean,
  epilogue: ApplyOptions['epilogue'],
): Promise<{ summary: Summary; reports: StepReport[] }> {
  const { dryRun } = run
  const ctx = await stepContext(run, steps)
  const t0 = performance.now()
  const reports = await runSteps(steps, ctx, (report: StepReport) => {
    if (!json) for (const line of formatReport(report, dryRun)) say(line)
  })
  const summary = summarize(reports)
  const seconds = (performance.now() - t0) / 1000
  if (json) {
    const document: StepsDocument = { dryRun, account: ctx.accountId, region: ctx.region, steps: reports, summary, seconds: Number(seconds.toFixed(3)) }
    if (epilogue) document.epilogue = await epilogue(run)
    say(JSON.stringify(document, null, 2))
  } else {
    say(`${formatSummary(summary, dryRun)} (${seconds.toFixed(2)}s)`)
    if (epilogue) say(await epilogue(run))
  }
  return { summary, reports }
}
