// Back to the task definition of the last deployment that succeeded (not merely the previous
// revision): an older deployment the service still lists as COMPLETED, else the newest
// revision the kit tagged when its deployment succeeded. Then the same wait as deploy.
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs'
import { isMissingDefinition } from '../lib/steps/task-definition.js'
import { runAwsScript } from '../lib/core/boundary.js'
import { CheckFailed } from '../lib/core/errors.js'
import { envHelp } from '../lib/config/variables.js'
import { checkRevision, lastSucceeded, taggedSuccesses } from '../lib/deploy/deploy.js'
import { revisionName } from '../lib/deploy/verdict.js'
import { holdRunLock } from '../lib/core/lock.js'
import { warn } from '../lib/core/output.js'
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
    notes: [
      'Exit 0: the rollback deployment succeeded, or the service already runs the last revision that deployed successfully ' +
        '(as after ECS’s own circuit-breaker rollback): then nothing changes. Exit 1: it failed, or no revision is known to have succeeded (give --to).',
      'Holds the stack lock provision and teardown take until its deployment has started.',
    ],
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

    // Checked before any call: ECS would refuse a bad reference only after the plan was printed.
    const asked = args.values.to !== undefined ? checkRevision(args.values.to, name) : undefined

    const release = await holdRunLock(run, warn)
    let started: Awaited<ReturnType<typeof startDeployment>>
    let target: string
    try {
      const service = await describeService(ecs, cluster, name)
      if (!service || service.status !== 'ACTIVE') {
        throw new CheckFailed(`ECS service ${name} ${service ? `is ${service.status}` : 'does not exist'} in cluster ${cluster}: nothing to roll back`)
      }
      const primary = service.deployments?.find((d) => d.status === 'PRIMARY')
      const current = primary?.taskDefinition ?? service.taskDefinition
      let how: string
      if (asked !== undefined) {
        // The revision's ARN (what the success tag goes on), and a clear line when there is no such revision.
        try {
          target = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: asked }))).taskDefinition?.taskDefinitionArn ?? asked
        } catch (error) {
          if (isMissingDefinition(error)) throw new CheckFailed(`there is no task definition ${revisionName(asked)}: give a revision that exists with --to ${name}:N`)
          throw error
        }
        how = 'as asked'
      } else {
        const tagged = await taggedSuccesses(ecs, name)
        // Already on the last revision that deployed successfully (ECS's circuit breaker went back to it): nothing to do.
        const newest = lastSucceeded(service, tagged, undefined)
        if (newest && current && newest.taskDefinition === current && primary?.rolloutState !== 'FAILED') {
          const still = primary?.rolloutState === 'IN_PROGRESS' ? ` (deployment ${primary.id} is still rolling out: follow it with scripts/wait ${name})` : ''
          return finish(
            {
              command: 'rollback',
              service: name,
              cluster,
              taskDefinition: current,
              deploymentId: primary?.id,
              changed: false,
              outcome: 'unchanged',
              reason: `already there: ${name} runs ${revisionName(current)}, the last revision that deployed successfully (${newest.how}); nothing changed (--to ${name}:N goes further back)${still}`,
              seconds: seconds(),
            },
            json,
          )
        }
        const found = lastSucceeded(service, tagged, current)
        if (!found) {
          throw new CheckFailed(
            `no revision of ${name} other than the running ${revisionName(current)} is known to have deployed successfully: give one with --to ${name}:N`,
          )
        }
        target = found.taskDefinition
        how = found.how
      }
      out.line(`rollback ${name}: from ${revisionName(current)} to ${revisionName(target)} (${how})`)
      started = await startDeployment(ecs, { cluster, service: name, taskDefinition: target })
    } finally {
      release()
    }
    const base = { command: 'rollback' as const, service: name, cluster, taskDefinition: started.service.taskDefinition ?? target, deploymentId: started.deploymentId, changed: true }
    if (args.values['no-wait'] === true) {
      return finish({ ...base, outcome: 'not-waited', reason: `deployment ${started.deploymentId} of ${revisionName(target)} started; follow it with scripts/wait ${name}`, seconds: seconds() }, json)
    }
    const { result, verdict } = await judge(ecs, { cluster, service: name, deploymentId: started.deploymentId, taskDefinition: base.taskDefinition, settings, json })
    return finish({ ...base, ...outcomeOf(verdict), stopped: result.stopped, seconds: seconds() }, json)
  },
)
