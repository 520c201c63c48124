// Everything the kit made, deleted in reverse dependency order, after a plan and a yes.
import { createInterface } from 'node:readline/promises'
import { planCostLine } from '../lib/cost/workload.js'
import { runAwsScript } from '../lib/core/boundary.js'
import { parseSeconds } from '../lib/core/cli.js'
import { CheckFailed, EXIT, UsageError } from '../lib/core/errors.js'
import { say, warn } from '../lib/core/output.js'
import { serviceNamed } from '../lib/config/services.js'
import { envHelp } from '../lib/config/variables.js'
import { formatReport, formatSummary, fullSummary, runSteps, summarize, type StepReport } from '../lib/steps/engine.js'
import { stepContext, type StepContext } from '../lib/steps/step.js'
import { dataSteps, DEFAULT_TEARDOWN, teardownSteps, type TeardownOptions } from '../lib/teardown/index.js'
import { formatLeft, leftFrom, TEARDOWN_OUTCOMES, type LeftItem, type TeardownDocument } from '../lib/teardown/report.js'

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

await runAwsScript(
  {
    name: 'teardown',
    summary:
      'Delete everything the kit made, in reverse dependency order: the services (scaled to 0, deleted, waited for until ' +
      'INACTIVE), the cluster, every revision of the task definitions, the security group, the roles with their policies, ' +
      'and the log group. The ECR repositories (with their images) and the SSM parameters are data: they go only with --all. ' +
      'Prints the plan first and asks (or needs --yes). Safe to re-run: a second run changes nothing, an interrupted one completes.',
    options: {
      yes: { type: 'boolean', short: 'y', description: 'do not ask: delete what the plan shows (needed when not on a terminal)' },
      all: { type: 'boolean', description: 'also delete the data: the ECR repositories with their images, and the SSM parameters' },
      'dry-run': { type: 'boolean', description: 'print the plan and what would be left; change nothing' },
      json: { type: 'boolean', description: 'print one JSON document (needs --yes or --dry-run)' },
      timeout: { type: 'string', placeholder: 'SECONDS', description: 'give up waiting for services to drain after this long (default 600)' },
      poll: { type: 'string', placeholder: 'SECONDS', description: 'seconds between reads while waiting (default 5)' },
    },
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'LOG_GROUP', 'ECR_REPOSITORIES', 'SSM_PREFIX', 'EXECUTION_ROLE_NAME', 'TASK_ROLE_NAME', 'SECURITY_GROUP_NAME', 'AWS_DEFAULT_REGION'),
    notes: ['Preview first:  ./scripts/teardown --dry-run', 'Everything, data too:  ./scripts/teardown --all --yes'],
  },
  (args) => (args.values['dry-run'] ? 'dry-run' : 'apply'),
  async ({ values }, run) => {
    const json = values.json === true
    const all = values.all === true
    const dryRun = run.dryRun
    const options: TeardownOptions = {
      ...DEFAULT_TEARDOWN,
      all,
      timeoutSeconds: parseSeconds(values.timeout, 'timeout', DEFAULT_TEARDOWN.timeoutSeconds),
      pollSeconds: parseSeconds(values.poll, 'poll', DEFAULT_TEARDOWN.pollSeconds),
      progress: warn,
    }
    // Every selected service must be declared: an unknown name is a mistake, not "already gone".
    for (const name of run.names.services) serviceNamed(name)
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true
    if (!dryRun && values.yes !== true && (json || !interactive)) {
      throw new UsageError(
        `teardown deletes the stack and needs --yes ${json ? 'with --json' : 'when not run on a terminal'} (see what it would delete with --dry-run): nothing was changed`,
      )
    }

    const t0 = performance.now()
    const ctx = await stepContext(run)
    const planning: StepContext = { ...ctx, mode: 'dry-run', dryRun: true }
    const print = (isPlan: boolean) => (report: StepReport) => {
      if (!json) for (const line of formatReport(report, isPlan)) say(line)
    }
    const steps = teardownSteps(run.names, options)

    if (!json) say(`Plan for account ${ctx.accountId}, ${ctx.region} (nothing is changed yet):`)
    const plan = await runSteps(steps, planning, print(true), { reverse: true })
    const planSummary = fullSummary(summarize(plan))
    if (!json) say(formatSummary(planSummary, true, TEARDOWN_OUTCOMES))
    // What it saves a month: priced from what runs before anything is deleted.
    const monthlyCost = await planCostLine(run, 'teardown')
    if (!json) say(monthlyCost)
    if (planSummary.failed > 0 && !dryRun) throw new CheckFailed('the plan could not be made (see above): nothing was changed')

    let reports: StepReport[] = []
    let cancelled = false
    if (!dryRun && planSummary.deleted > 0) {
      if (values.yes !== true) cancelled = !(await confirm(`Delete the ${planSummary.deleted} resources above? [y/N] `))
      if (cancelled) {
        say('teardown cancelled: nothing was changed')
      } else {
        if (!json) say('Tearing down:')
        reports = await runSteps(steps, ctx, print(false), { reverse: true })
        if (!json) say(`${formatSummary(summarize(reports), false, TEARDOWN_OUTCOMES)} (${((performance.now() - t0) / 1000).toFixed(2)}s)`)
      }
    } else if (!dryRun && !json) {
      say('Nothing to tear down.')
    }

    // What is left: a plan of everything, data included, made after the run. Under --dry-run,
    // what the plan does not delete: the data, unless --all.
    let left: LeftItem[] = []
    if (dryRun) {
      left = all ? [] : leftFrom(await runSteps(dataSteps(), planning), false)
    } else if (!cancelled) {
      left = leftFrom(await runSteps(teardownSteps(run.names, { ...options, all: true }), planning, () => {}, { reverse: true }), all)
    }
    const summary = fullSummary(summarize(reports))
    if (json) {
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
        seconds: Number(((performance.now() - t0) / 1000).toFixed(3)),
      }
      say(JSON.stringify(document, null, 2))
    } else {
      if (dryRun) say(left.length ? `Would be left:\n${formatLeft(left).slice(1).join('\n')}` : 'Nothing would be left.')
      else if (!cancelled) for (const line of formatLeft(left)) say(line)
    }
    if (cancelled) return EXIT.failed
    return summary.failed > 0 ? EXIT.failed : EXIT.ok
  },
)
