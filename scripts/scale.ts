// One service to COUNT tasks.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { formatResult } from '../lib/ops/scaling.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { scale } from '../lib/kit/scaling.js'

await runScript(withAwsEnv(
  {
    name: 'scale',
    summary:
      "Set a service's desired count of tasks (0 stops it; ./scripts/pause stops every service and remembers their counts). " +
      'With auto scaling on, its bounds too, or the scaler would undo the count: min = COUNT, max = the larger of COUNT ' +
      'and the declared max (0 and 0 for COUNT 0). ' +
      'Waits while another command changes the stack.',
    positionals: [
      { name: 'SERVICE', description: 'a service declared in json/services.json, e.g. backend-flask' },
      { name: 'COUNT', description: 'tasks to run, from 0' },
    ],
    options: {
      'dry-run': { type: 'boolean', description: 'say what would change; change nothing' },
      json: { type: 'boolean', description: 'print one JSON document' },
    },
    env: envHelp('ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
    notes: ['Example:  ./scripts/scale backend-flask 2'],
  }),
  async ({ values, positionals }) => {
    const [name, count] = positionals
    const kit = await scriptKit(scriptOutput(values.json === true))
    const { dryRun, ...result } = (await scale(kit, name, count, { dryRun: values['dry-run'] === true })).document
    say(values.json ? JSON.stringify({ dryRun, ...result }, null, 2) : formatResult(result, dryRun))
  },
)
