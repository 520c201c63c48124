// Every paused service back to its desired count before the pause.
import { runAwsScript } from '../lib/core/boundary.js'
import { CheckFailed } from '../lib/core/errors.js'
import { withRunLock } from '../lib/core/lock.js'
import { say, warn } from '../lib/core/output.js'
import { serviceNamed } from '../lib/config/services.js'
import { envHelp } from '../lib/config/variables.js'
import { formatResult, missingLine, PAUSE_TAG, resumeServices } from '../lib/ops/scaling.js'

await runAwsScript(
  {
    name: 'resume',
    summary:
      `Bring every service paused by ./scripts/pause back to the desired count it had (kept in the tag ${PAUSE_TAG}). ` +
      'A service scaled since the pause keeps its count. Safe to re-run. Exit 1 when a service is missing (the others are ' +
      'still resumed). Waits while another command changes the stack.',
    options: {
      'dry-run': { type: 'boolean', description: 'say what would change; change nothing' },
      json: { type: 'boolean', description: 'print one JSON document' },
    },
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
  },
  (args) => (args.values['dry-run'] ? 'dry-run' : 'apply'),
  async ({ values }, run) => {
    const names = run.names.services.map((name) => serviceNamed(name).name)
    const results = await withRunLock(run, warn, () => resumeServices(run, names))
    if (values.json) say(JSON.stringify({ dryRun: run.dryRun, services: results }, null, 2))
    else {
      for (const result of results) say(formatResult(result, run.dryRun))
      const n = results.filter((r) => r.action === 'resumed').length
      say(n === 0 ? 'Nothing to resume.' : `${run.dryRun ? 'Would resume' : 'Resumed'} ${n} service${n === 1 ? '' : 's'}.`)
    }
    const missing = missingLine(results, run.names.cluster, 'resumed')
    if (missing) throw new CheckFailed(missing)
  },
)
