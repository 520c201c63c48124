// The verdict on the deployment in progress (or the last one), with the same wait as deploy:
// events and stopped tasks as they happen, success only when that deployment completed on
// its own task definition, still PRIMARY, with every desired task running.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { envHelp } from '../lib/config/variables.js'
import { COMMON_OPTIONS, finish, WAIT_UNTIL_OPTION } from '../lib/deploy/command.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { wait } from '../lib/kit/deploy.js'

await runScript(withAwsEnv(
  {
    name: 'wait',
    summary:
      'Wait for the verdict on SERVICE’s deployment in progress (or its latest one), showing service events and stopped ' +
      'tasks grouped by reason as they happen. When ECS rolled a failed deployment back (seen in its deployments, its ' +
      'deployment records or its events), the verdict is that failure, with the revision the service now runs. ' +
      'Behind a target group, success also needs the new tasks healthy there.',
    positionals: [{ name: 'SERVICE', description: 'the service (default: the one in ECS_SERVICES)' }],
    options: { ...COMMON_OPTIONS, ...WAIT_UNTIL_OPTION },
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
    notes: ['Exit 0: the deployment succeeded. Exit 1: it failed, was rolled back, superseded, or the wait timed out.'],
  }),
  async ({ values, positionals }) => {
    const json = values.json === true
    const kit = await scriptKit(scriptOutput(json, { underJson: 'stderr' }))
    const { timeout, interval } = values
    return finish((await wait(kit, positionals[0], { timeout, interval, waitUntil: values['wait-until'] })).document, json)
  },
)
