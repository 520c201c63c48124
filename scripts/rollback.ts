// Back to the task definition of the last deployment that succeeded (not merely the previous
// revision): an older deployment the service still lists as COMPLETED, else the newest
// revision the kit tagged when its deployment succeeded. Then the same wait as deploy.
import { ECSClient } from '@aws-sdk/client-ecs'
import { runAwsScript } from '../lib/core/boundary.js'
import { CheckFailed } from '../lib/core/errors.js'
import { envHelp } from '../lib/config/variables.js'
import { checkRevision, lastSucceeded, taggedSuccesses } from '../lib/deploy/deploy.js'
import { revisionName } from '../lib/deploy/verdict.js'
import { COMMON_OPTIONS, describeService, finish, judge, outcomeOf, printer, serviceArgument, startDeployment, waitSettings } from '../lib/deploy/command.js'

await runAwsScript(
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
    notes: ['Exit 0: the rollback deployment succeeded. Exit 1: it failed, or no revision is known to have succeeded (give --to).'],
  },
  'apply',
  async (args, run) => {
    const t0 = performance.now()
    const name = serviceArgument(args.positionals[0], run, 'rollback').name
    const json = args.values.json === true
    const settings = waitSettings(args.values)
    const cluster = run.names.cluster
    const ecs = run.client(ECSClient, 'ECS')
    const out = printer(json)
    const seconds = () => Number(((performance.now() - t0) / 1000).toFixed(3))

    const service = await describeService(ecs, cluster, name)
    if (!service || service.status !== 'ACTIVE') {
      throw new CheckFailed(`ECS service ${name} ${service ? `is ${service.status}` : 'does not exist'} in cluster ${cluster}: nothing to roll back`)
    }
    const current = service.deployments?.find((d) => d.status === 'PRIMARY')?.taskDefinition ?? service.taskDefinition
    let target: string
    let how: string
    if (args.values.to !== undefined) {
      target = checkRevision(args.values.to, name)
      how = 'as asked'
    } else {
      const found = lastSucceeded(service, await taggedSuccesses(ecs, name), current)
      if (!found) {
        throw new CheckFailed(
          `no revision of ${name} other than the running ${revisionName(current)} is known to have deployed successfully: give one with --to ${name}:N`,
        )
      }
      target = found.taskDefinition
      how = found.how
    }
    out.line(`rollback ${name}: from ${revisionName(current)} to ${revisionName(target)} (${how})`)
    const started = await startDeployment(ecs, { cluster, service: name, taskDefinition: target })
    const base = { command: 'rollback' as const, service: name, cluster, taskDefinition: started.service.taskDefinition ?? target, deploymentId: started.deploymentId, changed: true }
    if (args.values['no-wait'] === true) {
      return finish({ ...base, outcome: 'not-waited', reason: `deployment ${started.deploymentId} of ${revisionName(target)} started; follow it with scripts/wait ${name}`, seconds: seconds() }, json)
    }
    const { result, verdict } = await judge(ecs, { cluster, service: name, deploymentId: started.deploymentId, taskDefinition: base.taskDefinition, settings, json })
    return finish({ ...base, ...outcomeOf(verdict), stopped: result.stopped, seconds: seconds() }, json)
  },
)
