// One service to COUNT tasks.
import { runAwsScript } from '../lib/core/boundary.js'
import { UsageError } from '../lib/core/errors.js'
import { withRunLock } from '../lib/core/lock.js'
import { say, warn } from '../lib/core/output.js'
import { declaredServices, serviceNamed } from '../lib/config/services.js'
import { envHelp } from '../lib/config/variables.js'
import { formatResult, parseCount, scaleService } from '../lib/ops/scaling.js'

await runAwsScript(
  {
    name: 'scale',
    summary:
      "Set a service's desired count of tasks (0 stops it; ./scripts/pause stops every service and remembers their counts). " +
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
  },
  (args) => (args.values['dry-run'] ? 'dry-run' : 'apply'),
  async ({ values, positionals }, run) => {
    const [name, countText] = positionals
    if (!name) throw new UsageError(`name a service (declared: ${declaredServices().map((s) => s.name).join(', ')}) and a count; see scale --help`)
    const service = serviceNamed(name)
    const count = parseCount(countText)
    const result = await withRunLock(run, warn, () => scaleService(run, service.name, count))
    say(values.json ? JSON.stringify({ dryRun: run.dryRun, ...result }, null, 2) : formatResult(result, run.dryRun))
  },
)
