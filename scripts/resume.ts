// Every paused service back to its desired count before the pause.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { CheckFailed } from '../lib/core/errors.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { formatResult, PAUSE_TAG } from '../lib/ops/scaling.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { resume } from '../lib/kit/scaling.js'

await runScript(withAwsEnv(
  {
    name: 'resume',
    summary:
      `Bring every service paused by ./scripts/pause back to the desired count it had (kept in the tag ${PAUSE_TAG}), ` +
      'and its auto-scaling bounds (those remembered, else the declared ones) first. ' +
      'A service scaled since the pause keeps its count. Safe to re-run. Exit 1 when a service is missing (the others are ' +
      'still resumed). Waits while another command changes the stack.',
    options: {
      'dry-run': { type: 'boolean', description: 'say what would change; change nothing' },
      json: { type: 'boolean', description: 'print one JSON document' },
    },
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
  }),
  async ({ values }) => {
    const kit = await scriptKit(scriptOutput(values.json === true))
    const { document, message } = await resume(kit, { dryRun: values['dry-run'] === true })
    const { dryRun, services: results } = document
    if (values.json) say(JSON.stringify(document, null, 2))
    else {
      for (const result of results) say(formatResult(result, dryRun))
      const n = results.filter((r) => r.action === 'resumed').length
      say(n === 0 ? 'Nothing to resume.' : `${dryRun ? 'Would resume' : 'Resumed'} ${n} service${n === 1 ? '' : 's'}.`)
    }
    // A missing service: exit 1 with its line (the others were resumed).
    if (message) throw new CheckFailed(message)
  },
)
