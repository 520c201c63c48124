// Every service to 0 tasks, each one's count remembered on the service for resume.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { CheckFailed } from '../lib/core/errors.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { formatResult, PAUSE_TAG } from '../lib/ops/scaling.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { pause } from '../lib/kit/scaling.js'

await runScript(withAwsEnv(
  {
    name: 'pause',
    summary:
      `Scale every service (ECS_SERVICES) to 0 tasks, so nothing runs and nothing is billed for tasks, remembering each ` +
      `one's desired count in the tag ${PAUSE_TAG} on the service. With auto scaling on, min = max = 0 on its scalable ` +
      'target too, the bounds remembered in the same tag. ./scripts/resume brings them back. Safe to re-run. ' +
      'Exit 1 when a service is missing (the others are still paused). Waits while another command changes the stack.',
    options: {
      'dry-run': { type: 'boolean', description: 'say what would change; change nothing' },
      json: { type: 'boolean', description: 'print one JSON document' },
    },
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
  }),
  async ({ values }) => {
    const kit = await scriptKit(scriptOutput(values.json === true))
    const { document, message } = await pause(kit, { dryRun: values['dry-run'] === true })
    if (values.json) {
      say(JSON.stringify(document, null, 2))
    } else {
      const { dryRun, services: results, paused: counts, savings } = document
      for (const result of results) say(formatResult(result, dryRun))
      const n = Object.keys(counts).length
      say(n === 0 ? 'Nothing to pause.' : `${dryRun ? 'Would pause' : 'Paused'} ${n} service${n === 1 ? '' : 's'}: ./scripts/resume brings ${n === 1 ? 'it' : 'them'} back.`)
      if (savings) say(savings)
    }
    // A missing service: exit 1 with its line (the others were paused).
    if (message) throw new CheckFailed(message)
  },
)
