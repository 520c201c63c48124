// Every service to 0 tasks, each one's count remembered on the service for resume.
import { runAwsScript } from '../lib/core/boundary.js'
import { CheckFailed } from '../lib/core/errors.js'
import { withRunLock } from '../lib/core/lock.js'
import { say, warn } from '../lib/core/output.js'
import { serviceNamed } from '../lib/config/services.js'
import { envHelp } from '../lib/config/variables.js'
import { formatResult, missingLine, PAUSE_TAG, pauseServices } from '../lib/ops/scaling.js'
import { planCostLine } from '../lib/cost/workload.js'

await runAwsScript(
  {
    name: 'pause',
    summary:
      `Scale every service (ECS_SERVICES) to 0 tasks, so nothing runs and nothing is billed for tasks, remembering each ` +
      `one's desired count in the tag ${PAUSE_TAG} on the service. ./scripts/resume brings them back. Safe to re-run. ` +
      'Exit 1 when a service is missing (the others are still paused). Waits while another command changes the stack.',
    options: {
      'dry-run': { type: 'boolean', description: 'say what would change; change nothing' },
      json: { type: 'boolean', description: 'print one JSON document' },
    },
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
  },
  (args) => (args.values['dry-run'] ? 'dry-run' : 'apply'),
  async ({ values }, run) => {
    const names = run.names.services.map((name) => serviceNamed(name).name)
    const { results, counts, savings } = await withRunLock(run, warn, async () => {
      // What the pause saves a month: priced from the counts as they are before it.
      const saving = await planCostLine(run, 'pause')
      const paused = await pauseServices(run, names)
      return { ...paused, savings: Object.keys(paused.counts).length > 0 ? saving : undefined }
    })
    if (values.json) {
      say(JSON.stringify({ dryRun: run.dryRun, services: results, paused: counts, ...(savings ? { savings } : {}) }, null, 2))
    } else {
      for (const result of results) say(formatResult(result, run.dryRun))
      const n = Object.keys(counts).length
      say(n === 0 ? 'Nothing to pause.' : `${run.dryRun ? 'Would pause' : 'Paused'} ${n} service${n === 1 ? '' : 's'}: ./scripts/resume brings ${n === 1 ? 'it' : 'them'} back.`)
      if (savings) say(savings)
    }
    const missing = missingLine(results, run.names.cluster, 'paused')
    if (missing) throw new CheckFailed(missing)
  },
)
