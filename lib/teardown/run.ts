// Teardown as the kit's API and script run it (moved from scripts/teardown.ts): everything the
// kit made, deleted in reverse dependency order, after a plan and a yes.
import type { RunContext } from '../aws/context.js'
import { planCostLine } from '../cost/workload.js'
import { parseSeconds } from '../core/cli.js'
import { CheckFailed, UsageError } from '../core/errors.js'
import { withRunLock } from '../core/lock.js'
import { secondsSince } from '../core/output.js'
import { declaredServices, serviceNamed } from '../config/services.js'
import { formatReport, formatSummary, fullSummary, runSteps, summarize, type StepReport } from '../steps/engine.js'
import { stepContext, type StepContext } from '../steps/step.js'
import { dataStepIds, DEFAULT_TEARDOWN, teardownSteps, type TeardownOptions } from './index.js'
import { TEARDOWN_IDS, type TeardownChange } from './options.js'
import { leftFrom, TEARDOWN_OUTCOMES, type LeftItem, type TeardownDocument } from './report.js'

export interface TeardownRequest {
  /** Also delete the data: the ECR repositories with their images, the SSM parameters, and the ACM certificate with its validation records. */
  all?: boolean
  /** Do not ask: delete what the plan shows. Without it, `confirm` must say yes. */
  yes?: boolean
  /** Give up waiting for services to drain, or a group, target group, certificate or namespace to be free, after this long, in seconds (default 600). */
  timeout?: number | string
  /** Seconds between reads while waiting (default 5). */
  poll?: number | string
}

export interface TeardownIo {
  /** The plan and progress lines, as the script prints them. */
  line(text: string): void
  /** Waiting for services to drain. */
  warn(text: string): void
  /** Ask before deleting (a terminal); without it, teardown needs `yes`. */
  confirm?: (question: string) => Promise<boolean>
  /** Whether the caller prints --json (only the wording of the refusal without --yes). */
  json?: boolean
}

const asText = (value: number | string | undefined): string | undefined => (value === undefined ? undefined : String(value))

/** What teardownStack gives back: the --json document, whether the question was answered no, and whose resources were torn down. */
export interface TeardownRun {
  document: TeardownDocument
  cancelled: boolean
  /** The services torn down, when not every declared one (ECS_SERVICES): formatLeft's `only`. */
  only?: readonly string[]
}

/**
 * Plan, ask, delete, and work out what is left, holding the stack's lock throughout (none
 * under dry-run): the plan shown is the plan run. `cancelled` when the question was answered no.
 */
export async function teardownStack(run: RunContext, request: TeardownRequest, io: TeardownIo): Promise<TeardownRun> {
  const json = io.json === true
  const all = request.all === true
  const dryRun = run.dryRun
  const options: TeardownOptions = {
    ...DEFAULT_TEARDOWN,
    all,
    timeoutSeconds: parseSeconds(asText(request.timeout), 'timeout', DEFAULT_TEARDOWN.timeoutSeconds),
    pollSeconds: parseSeconds(asText(request.poll), 'poll', DEFAULT_TEARDOWN.pollSeconds),
    progress: io.warn,
  }
  // Every selected service must be declared: an unknown name is a mistake, not "already gone".
  for (const name of run.names.services) serviceNamed(name)
  if (!dryRun && request.yes !== true && (json || !io.confirm)) {
    throw new UsageError(
      `teardown deletes the stack and needs --yes ${json ? 'with --json' : 'when not run on a terminal'} (see what it would delete with --dry-run): nothing was changed`,
    )
  }
  // Nothing may change the stack meanwhile: the plan shown is the plan run (no lock under dry-run).
  return withRunLock(run, io.warn, () => teardownLocked(run, request, io, options))
}

async function teardownLocked(run: RunContext, request: TeardownRequest, io: TeardownIo, options: TeardownOptions): Promise<TeardownRun> {
  const { all } = options
  const dryRun = run.dryRun
  const say = io.line

  const t0 = performance.now()
  const ctx = await stepContext(run)
  const planning: StepContext = { ...ctx, mode: 'dry-run', dryRun: true }
  const print = (isPlan: boolean) => (report: StepReport) => {
    for (const line of formatReport(report, isPlan)) say(line)
  }
  const steps = teardownSteps(run.names, options)
  // Every step, data included, for what is left.
  const everything = teardownSteps(run.names, { ...options, all: true })
  const dataIds = dataStepIds(everything)
  const partial = declaredServices().some((s) => !run.names.services.includes(s.name))
  const only = partial ? run.names.services : undefined

  say(`Plan for account ${ctx.accountId}, ${ctx.region} (nothing is changed yet):`)
  const plan = await runSteps(steps, planning, print(true), { reverse: true })
  const planSummary = fullSummary(summarize(plan))
  say(formatSummary(planSummary, true, TEARDOWN_OUTCOMES))
  // What it saves a month: priced from what runs before anything is deleted.
  const keepsLoadBalancer = plan.some((r) => r.id === TEARDOWN_IDS.loadBalancer && r.changes.some((c) => (c as TeardownChange).kept !== undefined))
  const monthlyCost = await planCostLine(run, 'teardown', { keepsLoadBalancer })
  say(monthlyCost)
  if (planSummary.failed > 0 && !dryRun) throw new CheckFailed('the plan could not be made (see above): nothing was changed')

  let reports: StepReport[] = []
  let cancelled = false
  if (!dryRun && planSummary.deleted > 0) {
    if (request.yes !== true) cancelled = !(await (io.confirm as NonNullable<TeardownIo['confirm']>)(`Delete the ${planSummary.deleted} resources above? [y/N] `))
    if (cancelled) {
      say('teardown cancelled: nothing was changed')
    } else {
      say('Tearing down:')
      reports = await runSteps(steps, ctx, print(false), { reverse: true })
      say(`${formatSummary(summarize(reports), false, TEARDOWN_OUTCOMES)} (${((performance.now() - t0) / 1000).toFixed(2)}s)`)
    }
  } else if (!dryRun) {
    say('Nothing to tear down.')
  }

  // What is left: a plan of everything, data included, made after the run. Under dry-run, what
  // that plan keeps (the data unless --all, what is shared): what it would delete is the plan.
  // Nothing is worked out after a no: nothing was changed.
  let left: LeftItem[] = []
  if (!cancelled) {
    left = leftFrom(await runSteps(everything, planning, () => {}, { reverse: true }), all, dataIds)
    if (dryRun) left = left.filter((item) => item.why !== 'not deleted')
  }
  const summary = fullSummary(summarize(reports))
  const document: TeardownDocument = {
    dryRun,
    all,
    account: ctx.accountId,
    region: ctx.region,
    plan,
    planSummary,
    steps: reports,
    summary,
    left,
    monthlyCost,
    seconds: secondsSince(t0),
  }
  return { document, cancelled, ...(only ? { only } : {}) }
}
