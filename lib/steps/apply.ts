// The body shared by every provisioning script (each step's own script and provision):
// validate every input, then run the steps, printing progress lines or one JSON document.
import type { ParsedArgs, ScriptSpec } from '../core/cli.js'
import { ConfigError, EXIT, type ExitCode } from '../core/errors.js'
import { withRunLock } from '../core/lock.js'
import { say, warn } from '../core/output.js'
import { formatReport, formatSummary, runSteps, summarize, type StepReport, type Summary } from './engine.js'
import { stepContext, type Step, type StepInputs } from './step.js'
import type { ContextOptions, Mode, RunContext } from '../aws/context.js'

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

type StepArgs = ParsedArgs<ScriptSpec & { options: typeof STEP_OPTIONS }>

/** A provisioning script's mode: dry-run under --dry-run, else apply. Pure. */
export const stepMode = (args: StepArgs): Mode =>
  args.values['dry-run'] === true ? 'dry-run' : 'apply'

/**
 * A provisioning script's context options: its mode, and its steps' validation, so that a
 * missing region is reported together with every other missing input. Pure.
 */
export const stepContextOptions =
  (stepsOf: (inputs: StepInputs, args: StepArgs) => readonly Step[]) =>
  (args: StepArgs): ContextOptions => ({
    mode: stepMode(args),
    inputProblems: (inputs) => validateSteps(stepsOf(inputs, args), inputs),
  })

export async function runStepsScript(
  steps: readonly Step[],
  args: ParsedArgs<ScriptSpec & { options: typeof STEP_OPTIONS }>,
  run: RunContext,
  options: Pick<ApplyOptions, 'epilogue'> = {},
): Promise<ExitCode> {
  const json = args.values.json === true
  const { summary, document } = await applySteps(steps, run, { json, ...options })
  if (json) say(JSON.stringify(document, null, 2))
  return summary.failed > 0 ? EXIT.failed : EXIT.ok
}

export interface ApplyOptions {
  json: boolean
  /** A last line after the summary (the plan's monthly cost), or in --json its `epilogue` field. */
  epilogue?: (run: RunContext) => Promise<string>
  /** Where progress lines go (default: stdout); a caller of the kit's API may pass its own. */
  print?: (line: string) => void
  /** Where waiting for the stack's lock is said (default: stderr). */
  warn?: (line: string) => void
}

/**
 * Validate, then run the steps, printing as it goes (nothing under `json`); resolves the --json
 * document too. Throws ConfigError (nothing changed) on bad input.
 */
export async function applySteps(
  steps: readonly Step[],
  run: RunContext,
  { json, epilogue, print = say, warn: onWait = warn }: ApplyOptions,
): Promise<{ summary: Summary; reports: StepReport[]; document: StepsDocument }> {
  if (run.mode === 'read-only') throw new Error('steps need an apply or dry-run context')
  const problems = validateSteps(steps, run)
  if (problems.length > 0) throw new ConfigError(`nothing was changed: ${problems.join('; ')}`)

  // Only a run that changes things needs the stack to itself (holdRunLock takes none under --dry-run).
  return withRunLock(run, onWait, () => applyLocked(steps, run, json, epilogue, print))
}

async function applyLocked(
  steps: readonly Step[],
  run: RunContext,
  json: boolean,
  epilogue: ApplyOptions['epilogue'],
  print: (line: string) => void,
): Promise<{ summary: Summary; reports: StepReport[]; document: StepsDocument }> {
  const { dryRun } = run
  const ctx = await stepContext(run, steps)
  const t0 = performance.now()
  const reports = await runSteps(steps, ctx, (report: StepReport) => {
    if (!json) for (const line of formatReport(report, dryRun)) print(line)
  })
  const summary = summarize(reports)
  const seconds = (performance.now() - t0) / 1000
  const document: StepsDocument = { dryRun, account: ctx.accountId, region: ctx.region, steps: reports, summary, seconds: Number(seconds.toFixed(3)) }
  if (epilogue) document.epilogue = await epilogue(run)
  if (!json) {
    print(`${formatSummary(summary, dryRun)} (${seconds.toFixed(2)}s)`)
    if (document.epilogue !== undefined) print(document.epilogue)
  }
  return { summary, reports, document }
}
