// Everything the kit made, deleted in reverse dependency order, after a plan and a yes.
import { createInterface } from 'node:readline/promises'
import { planCostLine } from '../lib/cost/workload.js'
import { runAwsScript } from '../lib/core/boundary.js'
import { parseSeconds } from '../lib/core/cli.js'
import { CheckFailed, EXIT, UsageError } from '../lib/core/errors.js'
import { withRunLock } from '../lib/core/lock.js'
import { say, warn } from '../lib/core/output.js'
import { declaredServices, serviceNamed } from '../lib/config/services.js'
import { envHelp } from '../lib/config/variables.js'
import { formatReport, formatSummary, fullSummary, runSteps, summarize, type StepReport } from '../lib/steps/engine.js'
import { stepContext, type StepContext } from '../lib/steps/step.js'
import { dataStepIds, DEFAULT_TEARDOWN, teardownSteps, type TeardownOptions } from '../lib/teardown/index.js'
import { formatLeft, leftFrom, leftProblem, TEARDOWN_OUTCOMES, type TeardownDocument } from '../lib/teardown/report.js'

/** A yes on the terminal. Ctrl-C or Ctrl-D (they close the question) is a no, as is anything but y or yes. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  const closed = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)))
  try {
    const answer = await Promise.race([rl.question(question), closed])
    // Closed without an answer: the cursor is still on the question's line.
    if (answer === undefined) process.stdout.write('\n')
    return answer !== undefined && /^y(es)?$/i.test(answer.trim())
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
      'With ECS_SERVICES naming some of the declared services, only what is theirs goes (their services, task definitions, and ' +
      'with --all their repositories and parameters); what every service uses is kept, and said so, while another declared ' +
      'service exists. Prints the plan first and asks (or needs --yes). Safe to re-run: a second run changes nothing, an ' +
      'interrupted one completes. Exit 1 when something that is neither data nor shared is left. Waits while another ' +
      'command changes the stack.',
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

    // Nothing may change the stack meanwhile: the plan shown is the plan run (no lock under --dry-run).
    return withRunLock(run, warn, async () => {
      const t0 = performance.now()
      const ctx = await stepContext(run)
      const planning: StepContext = { ...ctx, mode: 'dry-run', dryRun: true }
      const print = (isPlan: boolean) => (report: StepReport) => {
        if (!json) for (const line of formatReport(report, isPlan)) say(line)
      }
      const steps = teardownSteps(run.names, options)
      // Every step, data included, for what is left.
      const everything = teardownSteps(run.names, { ...options, all: true })
      const dataIds = dataStepIds(everything)
      const partial = declaredServices().some((s) => !run.names.services.includes(s.name))
      const only = partial ? run.names.services : undefined

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
      if (cancelled) return EXIT.failed

      // What is left: a plan of everything, data included, made after the run. Under --dry-run,
      // what that plan keeps (the data unless --all, what is shared): what it would delete is the plan.
      const summary = fullSummary(summarize(reports))
      let left = leftFrom(await runSteps(everything, planning, () => {}, { reverse: true }), all, dataIds)
      if (dryRun) left = left.filter((item) => item.why !== 'not deleted')
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
      } else if (dryRun) {
        say(left.length ? `Would be left:\n${formatLeft(left, { failed: false, only }).slice(1).join('\n')}` : 'Nothing would be left.')
      } else {
        for (const line of formatLeft(left, { failed: summary.failed > 0, only })) say(line)
      }
      // Anything left that is neither data kept on purpose nor shared with a service that stays: exit 1, saying so.
      const problem = dryRun ? undefined : leftProblem(left, summary.failed > 0, json)
      if (problem) throw new CheckFailed(problem)
      return summary.failed > 0 ? EXIT.failed : EXIT.ok
    })
  },
)
