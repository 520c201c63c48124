// Back to the task definition of the last deployment that succeeded (not merely the previous
// revision): an older deployment the service still lists as COMPLETED, else the newest
// revision the kit tagged when its deployment succeeded. Then the same wait as deploy.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { envHelp } from '../lib/config/variables.js'
import { COMMON_OPTIONS, finish } from '../lib/deploy/command.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { rollback } from '../lib/kit/deploy.js'

await runScript(withAwsEnv(
  {
    name: 'rollback',
    summary:
      'Roll SERVICE back to the task definition of its last deployment that succeeded (known from the service’s deployments, ' +
      'or from the tag deploy and wait put on a revision that deployed successfully), then wait for the verdict as deploy does.',
    positionals: [{ name: 'SERVICE', description: 'the service (default: the one in ECS_SERVICES)' }],
    options: {
      to: { type: 'string', placeholder: 'FAMILY:REVISION', description: 'go back to this revision instead' },
      'no-wait': { type: 'boolean', description: 'start the rollback and exit; follow it later with scripts/wait' },
      ...COMMON_OPTIONS,
    },
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
    notes: [
      'Exit 0: the rollback deployment succeeded, or the service already runs the last revision that deployed successfully ' +
        '(as after ECS’s own circuit-breaker rollback): then nothing changes. Exit 1: it failed, or no revision is known to have succeeded (give --to).',
      'Holds the stack lock provision and teardown take until its deployment has started.',
    ],
  }),
  async ({ values, positionals }) => {
    const json = values.json === true
    const kit = await scriptKit(scriptOutput(json, { underJson: 'stderr' }))
    const { to, timeout, interval } = values
    return finish((await rollback(kit, positionals[0], { to, timeout, interval, wait: values['no-wait'] !== true })).document, json)
  },
)
