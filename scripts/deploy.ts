// Deploy a service: the task definition with the image pinned by digest (registered only when
// it differs from the latest revision), the service updated with its file's live settings
// (or created), then the verdict on the deployment this update started: success only when it
// completed, is still PRIMARY, runs the new revision and all desired tasks; a rollback is a
// failure, however stable the service looks afterwards.
import { ECSClient, type CreateServiceCommandInput, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { deployedCounts, planCostLine } from '../lib/cost/workload.js'
import { runAwsScript } from '../lib/core/boundary.js'
import { CheckFailed, ConfigError, KitError, UsageError } from '../lib/core/errors.js'
import { envHelp } from '../lib/config/variables.js'
import { stepContext } from '../lib/steps/step.js'
import { holdRunLock } from '../lib/core/lock.js'
import { warn } from '../lib/core/output.js'
import { pausedCount } from '../lib/ops/scaling.js'
import { contextHome, imageDigest } from '../lib/images/image-home.js'
import { serviceStep } from '../lib/steps/ecs-service.js'
import { resolveServiceNetwork } from '../lib/steps/security-group.js'
import {
  circuitBreakerOn,
  containersOf,
  lastSucceeded,
  liveSettings,
  pinImage,
  registerIfChanged,
  settingsDrift,
  taggedSuccesses,
} from '../lib/deploy/deploy.js'
import { alreadyRunning, revisionName } from '../lib/deploy/verdict.js'
import {
  COMMON_OPTIONS,
  describeService,
  finish,
  judge,
  outcomeOf,
  printer,
  serviceArgument,
  startDeployment,
  waitSettings,
  type DeployDocument,
} from '../lib/deploy/command.js'

await runAwsScript(
  {
    name: 'deploy',
    summary:
      'Deploy SERVICE: register its task definition with the image pinned by digest (only when it differs from the latest ' +
      'revision), update the service with json/service-SERVICE.json’s live settings (deployment configuration, ECS Exec, ' +
      'network, Service Connect), keeping its desired count, or create it; then wait for the verdict on this deployment, ' +
      'showing service events and stopped tasks as they happen. A rollback by the circuit breaker is a failure.',
    positionals: [{ name: 'SERVICE', description: 'the service (default: the one in ECS_SERVICES)' }],
    options: {
      tag: { type: 'string', placeholder: 'TAG', description: 'image tag to deploy, resolved to its digest in ECR (default IMAGE_TAG)' },
      'no-wait': { type: 'boolean', description: 'start the deployment and exit; follow it later with scripts/wait' },
      force: { type: 'boolean', description: 'start a fresh deployment even of the revision that runs or is rolling out (as update-service --force-new-deployment)' },
      'rollback-on-failure': { type: 'boolean', description: 'when the deployment fails and ECS did not roll back, go back to the last revision that deployed successfully' },
      ...COMMON_OPTIONS,
    },
    env: envHelp('IMAGE_TAG', 'ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID'),
    notes: [
      'Exit 0: the deployment succeeded (or nothing differs from what runs). Exit 1: it failed, was rolled back, superseded, or timed out.',
      'Needs what ./scripts/provision creates, and the image pushed to ECR. Refuses a paused service: ./scripts/resume it first.',
      'Holds the stack lock provision and teardown take until its deployment has started (a second run waits).',
    ],
  },
  'apply',
  async (args, run) => {
    const t0 = performance.now()
    const declaration = serviceArgument(args.positionals[0], run, 'deploy')
    const name = declaration.name
    const json = args.values.json === true
    const settings = waitSettings(args.values)
    const tag = args.values.tag ?? run.names.imageTag
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw new UsageError(`--tag must be an image tag (letters, digits, . _ -), got "${tag}"`)
    const force = args.values.force === true
    const out = printer(json)
    const seconds = () => Number(((performance.now() - t0) / 1000).toFixed(3))

    const ctx = await stepContext(run)
    const ecs = ctx.client(ECSClient, 'ECS')
    // The image's digest from where it was pushed (ECR, or the registry ECR_REGISTRY names).
    const images = contextHome(ctx)

    // What to run: the rendered definition (checked before anything is read or locked).
    const rendered = ctx.render(declaration.taskDefinitionFile) as RegisterTaskDefinitionCommandInput
    if (rendered.family !== name) throw new ConfigError(`${declaration.taskDefinitionFile}: "family" is ${JSON.stringify(rendered.family)}, expected "${name}"`)
    if (containersOf(rendered, declaration.repository).length === 0) {
      throw new ConfigError(`${declaration.taskDefinitionFile}: no container runs an image of the repository ${declaration.repository} (json/services.json)`)
    }

    // The stack to this run until its deployment has started: a teardown cannot remove what it creates.
    const release = await holdRunLock(run, warn)
    let started: Started
    try {
      started = await startLocked()
    } finally {
      release()
    }
    if ('finished' in started) return started.finished
    const { doc, deploymentId, registration, since, tasksSince, cluster } = started

    if (args.values['no-wait'] === true) {
      return finish({ ...doc, outcome: 'not-waited', reason: `deployment ${deploymentId} of ${revisionName(registration.arn)} started; follow it with scripts/wait ${name}`, seconds: seconds() }, json)
    }
    const { result, verdict } = await judge(ecs, { cluster, service: name, deploymentId, taskDefinition: registration.arn, settings, json, since, tasksSince })
    Object.assign(doc, outcomeOf(verdict), { stopped: result.stopped })

    if (verdict.kind === 'failure' && args.values['rollback-on-failure'] === true) {
      if (verdict.cause === 'rollback') {
        out.line('  ECS rolled back by itself (circuit breaker): nothing more to do')
      } else if (verdict.cause === 'superseded' || verdict.cause === 'service-missing') {
        out.line(`  not rolling back: ${verdict.cause === 'superseded' ? 'someone else deployed since' : 'the service is gone'}`)
      } else {
        const unlock = await holdRunLock(run, warn)
        let back: { target: { taskDefinition: string; how: string }; deploymentId: string } | undefined
        try {
          const service = await describeService(ecs, cluster, name)
          const target = lastSucceeded(service, await taggedSuccesses(ecs, name), registration.arn)
          if (!target) out.line(`  cannot roll back: no earlier revision of ${name} is known to have deployed successfully`)
          else {
            out.line(`  rolling back to ${revisionName(target.taskDefinition)} (${target.how})`)
            back = { target, deploymentId: (await startDeployment(ecs, { cluster, service: name, taskDefinition: target.taskDefinition })).deploymentId }
          }
        } finally {
          unlock()
        }
        if (back) {
          const judged = await judge(ecs, { cluster, service: name, deploymentId: back.deploymentId, taskDefinition: back.target.taskDefinition, settings, json })
          doc.rolledBack = { taskDefinition: back.target.taskDefinition, deploymentId: back.deploymentId, ...outcomeOf(judged.verdict) }
          out.line(`  rollback to ${revisionName(back.target.taskDefinition)}: ${judged.verdict.kind === 'success' ? 'succeeded' : `failed too (${judged.verdict.reason})`}`)
        }
      }
    }
    return finish({ ...doc, seconds: seconds() }, json)

    type Started =
      | { finished: ReturnType<typeof finish> }
      | { doc: DeployDocument; deploymentId: string; registration: Awaited<ReturnType<typeof registerIfChanged>>; since: Date; tasksSince?: Date; cluster: string }

    /** Everything up to a started (or followed) deployment; nothing changes before every check passed. */
    async function startLocked(): Promise<Started> {
      const [digest, , existing] = await Promise.all([
        imageDigest(images.home, declaration.repository, tag, images.access),
        resolveServiceNetwork(ctx),
        describeService(ecs, run.names.cluster, name),
      ])
      const wanted = ctx.render(declaration.serviceFile) as CreateServiceCommandInput
      const cluster = wanted.cluster ?? run.names.cluster
      if (existing?.status === 'DRAINING') throw new KitError(`ECS service ${name} is being deleted (DRAINING): wait until it is INACTIVE, then deploy again`)
      const paused = existing?.status === 'ACTIVE' ? pausedCount(existing.tags) : undefined
      if (paused !== undefined) {
        throw new CheckFailed(
          `ECS service ${name} is paused (desired ${existing?.desiredCount ?? 0}; resume brings back ${paused}): run ./scripts/resume first, then deploy; nothing was changed`,
        )
      }
      const desired = pinImage(rendered, declaration.repository, digest)
      const image = containersOf(desired, declaration.repository)[0].image as string
      out.line(`deploy ${name}: ${declaration.repository}:${tag} is ${digest}`)
      if (!circuitBreakerOn(wanted)) {
        out.line(`  note: ${declaration.serviceFile} turns on no deployment circuit breaker; the kit's fail-fast rules and --timeout still end the wait`)
      }

      const registration = await registerIfChanged(ecs, desired)
      out.line(`  task definition ${registration.detail}`)
      // The monthly figure and the change this deploy makes to it: every count is kept (a new
      // service starts with its file's), so only a new service or another task size moves it.
      const counts = await deployedCounts(run)
      if (existing?.status !== 'ACTIVE') delete counts[name]
      out.line(`  ${await planCostLine(run, 'templates', { counts })}`)
      const doc: DeployDocument = {
        command: 'deploy',
        service: name,
        cluster,
        taskDefinition: registration.arn,
        registered: registration.registered,
        image,
        changed: registration.registered,
        outcome: 'unchanged',
        reason: '',
        seconds: 0,
      }

      let deploymentId: string
      let since = new Date()
      let tasksSince: Date | undefined
      if (existing?.status === 'ACTIVE') {
        const drift = settingsDrift(wanted, existing)
        const primary = existing.deployments?.find((d) => d.status === 'PRIMARY')
        if (!force && drift.length === 0 && alreadyRunning(existing, registration.arn)) {
          const running = `${primary?.runningCount}/${primary?.desiredCount}`
          return {
            finished: finish(
              { ...doc, deploymentId: primary?.id, outcome: 'unchanged', reason: `nothing to deploy: ${revisionName(registration.arn)} already runs (${running} tasks, deployment ${primary?.id}); no new revision, no new deployment (--force starts one)`, seconds: seconds() },
              json,
            ),
          }
        }
        if (!force && drift.length === 0 && primary?.taskDefinition === registration.arn && primary.rolloutState === 'IN_PROGRESS') {
          deploymentId = primary.id as string
          since = primary.createdAt ?? since
          // Its tasks that stopped before now are the past (a cause since fixed): only what happens from now on is judged.
          tasksSince = new Date()
          out.line(`  ${revisionName(registration.arn)} is already rolling out (deployment ${deploymentId}): following it, judging its tasks from now on (--force starts a fresh deployment)`)
        } else {
          // Same revision, same settings, but not running as it should (or --force): a fresh deployment of it.
          const fresh = force || (drift.length === 0 && primary?.taskDefinition === registration.arn)
          since = new Date()
          const update = await startDeployment(ecs, { cluster, service: name, taskDefinition: registration.arn, ...liveSettings(wanted), forceNewDeployment: fresh })
          deploymentId = update.deploymentId
          doc.changed = true
          const why = [drift.length ? `settings differ in ${drift.slice(0, 3).join(', ')}` : '', force ? 'forced (--force)' : fresh ? 'forced: the revision runs, but not completed' : '']
            .filter(Boolean)
            .join('; ')
          out.line(`  service ${name} updated: deployment ${deploymentId} of ${revisionName(registration.arn)} started, desired count ${update.service.desiredCount ?? '?'} kept${why ? ` (${why})` : ''}`)
        }
      } else {
        // Missing or INACTIVE: create it as provision would (the file names the family: its latest revision is ours).
        const [change] = await serviceStep(declaration).run(ctx)
        const created = await describeService(ecs, cluster, name)
        const primary = created?.deployments?.find((d) => d.status === 'PRIMARY')
        if (!primary?.id) throw new KitError(`ECS service ${name} was created but shows no deployment`)
        deploymentId = primary.id
        doc.changed = true
        out.line(`  service ${name} ${change.outcome}: ${change.detail ?? ''}; deployment ${deploymentId}`)
      }
      doc.deploymentId = deploymentId
      return { doc, deploymentId, registration, since, tasksSince, cluster }
    }
  },
)
