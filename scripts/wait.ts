// The verdict on the deployment in progress (or the last one), with the same wait as deploy:
// events and stopped tasks as they happen, success only when that deployment completed on
// its own task definition, still PRIMARY, with every desired task running.
import { ECSClient } from '@aws-sdk/client-ecs'
import { runAwsScript } from '../lib/core/boundary.js'
import { CheckFailed } from '../lib/core/errors.js'
import { envHelp } from '../lib/config/variables.js'
import { deploymentToJudge, revisionName, rollbackSeen, rolledBackVerdict } from '../lib/deploy/verdict.js'
import { deploymentRecords } from '../lib/deploy/wait.js'
import { COMMON_OPTIONS, describeService, finish, judge, outcomeOf, printer, serviceArgument, waitSettings } from '../lib/deploy/command.js'

await runAwsScript(
  {
    name: 'wait',
    summary:
      'Wait for the verdict on SERVICE’s deployment in progress (or its latest one), showing service events and stopped ' +
      'tasks grouped by reason as they happen. When ECS rolled a failed deployment back (seen in its deployments, its ' +
      'deployment records or its events), the verdict is that failure, with the revision the service now runs.',
    positionals: [{ name: 'SERVICE', description: 'the service (default: the one in ECS_SERVICES)' }],
    options: COMMON_OPTIONS,
    env: envHelp('ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION'),
    notes: ['Exit 0: the deployment succeeded. Exit 1: it failed, was rolled back, superseded, or the wait timed out.'],
  },
  'apply',
  async (args, run) => {
    const t0 = performance.now()
    const name = serviceArgument(args.positionals[0], run, 'wait').name
    const json = args.values.json === true
    const settings = waitSettings(args.values)
    const cluster = run.names.cluster
    const ecs = run.client(ECSClient, 'ECS')
    const service = await describeService(ecs, cluster, name)
    if (!service || service.status !== 'ACTIVE') {
      throw new CheckFailed(`ECS service ${name} ${service ? `is ${service.status}` : 'does not exist'} in cluster ${cluster}: deploy it with scripts/deploy ${name}`)
    }
    const records = await deploymentRecords(ecs, cluster, name)
    const base = { command: 'wait' as const, service: name, cluster, changed: false }
    const deployment = deploymentToJudge(service, records)
    if (!deployment?.id || !deployment.taskDefinition) throw new CheckFailed(`ECS service ${name} shows no deployment to wait for`)
    const back = rollbackSeen(service, records)
    if (back && back.failedId !== deployment.id) {
      // ECS rolled back and no longer lists the failed deployment: the PRIMARY one is the rollback, not a success.
      const verdict = rolledBackVerdict(back, {})
      return finish(
        { ...base, taskDefinition: back.nowRuns, deploymentId: back.failedId, ...outcomeOf(verdict), seconds: Number(((performance.now() - t0) / 1000).toFixed(3)) },
        json,
      )
    }
    printer(json).line(`wait ${name}: deployment ${deployment.id} of ${revisionName(deployment.taskDefinition)} (${deployment.rolloutState ?? 'no rollout state'})`)
    const { result, verdict } = await judge(ecs, {
      cluster,
      service: name,
      deploymentId: deployment.id,
      taskDefinition: deployment.taskDefinition,
      settings,
      json,
      since: deployment.createdAt,
    })
    return finish(
      {
        ...base,
        taskDefinition: deployment.taskDefinition,
        deploymentId: deployment.id,
        ...outcomeOf(verdict),
        stopped: result.stopped,
        seconds: Number(((performance.now() - t0) / 1000).toFixed(3)),
      },
      json,
    )
  },
)
