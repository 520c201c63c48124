// Deploy, wait and rollback as the kit's API and scripts run them (moved from scripts/deploy.ts,
// wait.ts and rollback.ts). Deploy a service: the task definition with the image pinned by
// digest (registered only when it differs from the latest revision), the service updated with
// its file's live settings (or created), then the verdict on the deployment this update
// started: success only when it completed, is still PRIMARY, runs the new revision and all
// desired tasks; a rollback is a failure, however stable the service looks afterwards.
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient, type CreateServiceCommandInput, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import type { RunContext } from '../aws/context.js'
import { deployedCounts, planCostLine } from '../cost/workload.js'
import { CheckFailed, ConfigError, KitError, UsageError } from '../core/errors.js'
import { stepContext } from '../steps/step.js'
import { serviceStep } from '../steps/ecs-service.js'
import { resolveServiceNetwork } from '../steps/security-group.js'
import {
  checkRevision,
  circuitBreakerOn,
  containersOf,
  lastSucceeded,
  liveSettings,
  pinImage,
  registerIfChanged,
  resolveDigest,
  settingsDrift,
  taggedSuccesses,
} from './deploy.js'
import { alreadyRunning, deploymentToJudge, revisionName } from './verdict.js'
import { describeService, judge, outcomeOf, serviceArgument, startDeployment, waitSettings, type DeployDocument, type Printer } from './command.js'

/** How long to wait for a verdict, and how often to ask: seconds (a number, or a flag's text). */
export interface WaitOptions {
  /** Stop waiting after this long (default 900); the rollout itself goes on. */
  timeout?: number | string
  /** Poll ECS this often (default 5). */
  interval?: number | string
}

export interface DeployOptions extends WaitOptions {
  /** The image tag to deploy, resolved to its digest in ECR (default IMAGE_TAG). */
  tag?: string
  /** false: start the deployment and return (outcome "not-waited"). Default true. */
  wait?: boolean
  /** When the deployment fails and ECS did not roll back, go back to the last revision that deployed successfully. */
  rollbackOnFailure?: boolean
}

export interface RollbackOptions extends WaitOptions {
  /** Go back to this revision (FAMILY:REVISION) instead of the last one that succeeded. */
  to?: string
  /** false: start the rollback and return. Default true. */
  wait?: boolean
}

const asText = (value: number | string | undefined): string | undefined => (value === undefined ? undefined : String(value))
const settingsOf = (options: WaitOptions) => waitSettings({ timeout: asText(options.timeout), interval: asText(options.interval) })

/** Deploy one service (the named one, else the only one in ECS_SERVICES) and judge the deployment. */
export async function deployService(run: RunContext, given: string | undefined, options: DeployOptions, out: Printer): Promise<DeployDocument> {
  const t0 = performance.now()
  const declaration = serviceArgument(given, run, 'deploy')
  const name = declaration.name
  const settings = settingsOf(options)
  const tag = options.tag ?? run.names.imageTag
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw new UsageError(`--tag must be an image tag (letters, digits, . _ -), got "${tag}"`)
  const seconds = () => Number(((performance.now() - t0) / 1000).toFixed(3))
  const json = false

  const ctx = await stepContext(run)
  const ecs = ctx.client(ECSClient, 'ECS')
  const ecr = ctx.client(ECRClient, 'ECR')

  // What to run: the rendered definition, its image pinned by digest.
  const rendered = ctx.render(declaration.taskDefinitionFile) as RegisterTaskDefinitionCommandInput
  if (rendered.family !== name) throw new ConfigError(`${declaration.taskDefinitionFile}: "family" is ${JSON.stringify(rendered.family)}, expected "${name}"`)
  if (containersOf(rendered, declaration.repository).length === 0) {
    throw new ConfigError(`${declaration.taskDefinitionFile}: no container runs an image of the repository ${declaration.repository} (json/services.json)`)
  }
  const [digest, , existing] = await Promise.all([
    resolveDigest(ecr, declaration.repository, tag),
    resolveServiceNetwork(ctx),
    describeService(ecs, run.names.cluster, name),
  ])
  const desired = pinImage(rendered, declaration.repository, digest)
  const image = containersOf(desired, declaration.repository)[0].image as string
  const wanted = ctx.render(declaration.serviceFile) as CreateServiceCommandInput
  const cluster = wanted.cluster ?? run.names.cluster
  out.line(`deploy ${name}: ${declaration.repository}:${tag} is ${digest}`)
  if (!circuitBreakerOn(wanted)) {
    out.line(`  note: ${declaration.serviceFile} turns on no deployment circuit breaker; the kit's fail-fast rules and --timeout still end the wait`)
  }
  if (existing?.status === 'DRAINING') throw new KitError(`ECS service ${name} is being deleted (DRAINING): wait until it is INACTIVE, then deploy again`)

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
  if (existing?.status === 'ACTIVE') {
    const drift = settingsDrift(wanted, existing)
    const primary = existing.deployments?.find((d) => d.status === 'PRIMARY')
    if (drift.length === 0 && alreadyRunning(existing, registration.arn)) {
      const running = `${primary?.runningCount}/${primary?.desiredCount}`
      return { ...doc, deploymentId: primary?.id, outcome: 'unchanged', reason: `nothing to deploy: ${revisionName(registration.arn)} already runs (${running} tasks, deployment ${primary?.id}); no new revision, no new deployment`, seconds: seconds() }
    }
    if (drift.length === 0 && primary?.taskDefinition === registration.arn && primary.rolloutState === 'IN_PROGRESS') {
      deploymentId = primary.id as string
      since = primary.createdAt ?? since
      out.line(`  ${revisionName(registration.arn)} is already rolling out (deployment ${deploymentId}): following it`)
    } else {
      // Same revision, same settings, but not running as it should: a fresh deployment of it.
      const force = drift.length === 0 && primary?.taskDefinition === registration.arn
      since = new Date()
      const started = await startDeployment(ecs, { cluster, service: name, taskDefinition: registration.arn, ...liveSettings(wanted), forceNewDeployment: force })
      deploymentId = started.deploymentId
      doc.changed = true
      const why = [drift.length ? `settings differ in ${drift.slice(0, 3).join(', ')}` : '', force ? 'forced: the revision runs, but not completed' : ''].filter(Boolean).join('; ')
      out.line(`  service ${name} updated: deployment ${deploymentId} of ${revisionName(registration.arn)} started, desired count ${started.service.desiredCount ?? '?'} kept${why ? ` (${why})` : ''}`)
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

  if (options.wait === false) {
    return { ...doc, outcome: 'not-waited', reason: `deployment ${deploymentId} of ${revisionName(registration.arn)} started; follow it with scripts/wait ${name}`, seconds: seconds() }
  }
  const { result, verdict } = await judge(ecs, { cluster, service: name, deploymentId, taskDefinition: registration.arn, settings, json, since, out })
  Object.assign(doc, outcomeOf(verdict), { stopped: result.stopped })

  if (verdict.kind === 'failure' && options.rollbackOnFailure === true) {
    if (verdict.cause === 'rollback') {
      out.line('  ECS rolled back by itself (circuit breaker): nothing more to do')
    } else if (verdict.cause === 'superseded' || verdict.cause === 'service-missing') {
      out.line(`  not rolling back: ${verdict.cause === 'superseded' ? 'someone else deployed since' : 'the service is gone'}`)
    } else {
      const service = await describeService(ecs, cluster, name)
      const target = lastSucceeded(service, await taggedSuccesses(ecs, name), registration.arn)
      if (!target) {
        out.line(`  cannot roll back: no earlier revision of ${name} is known to have deployed successfully`)
      } else {
        out.line(`  rolling back to ${revisionName(target.taskDefinition)} (${target.how})`)
        const back = await startDeployment(ecs, { cluster, service: name, taskDefinition: target.taskDefinition })
        const judged = await judge(ecs, { cluster, service: name, deploymentId: back.deploymentId, taskDefinition: target.taskDefinition, settings, json, out })
        doc.rolledBack = { taskDefinition: target.taskDefinition, deploymentId: back.deploymentId, ...outcomeOf(judged.verdict) }
        out.line(`  rollback to ${revisionName(target.taskDefinition)}: ${judged.verdict.kind === 'success' ? 'succeeded' : `failed too (${judged.verdict.reason})`}`)
      }
    }
  }
  return { ...doc, seconds: seconds() }
}

/**
 * The verdict on the deployment in progress (or the last one), with the same wait as deploy:
 * events and stopped tasks as they happen, success only when that deployment completed on
 * its own task definition, still PRIMARY, with every desired task running.
 */
export async function waitService(run: RunContext, given: string | undefined, options: WaitOptions, out: Printer): Promise<DeployDocument> {
  const t0 = performance.now()
  const name = serviceArgument(given, run, 'wait').name
  const json = false
  const settings = settingsOf(options)
  const cluster = run.names.cluster
  const ecs = run.client(ECSClient, 'ECS')
  const service = await describeService(ecs, cluster, name)
  if (!service || service.status !== 'ACTIVE') {
    throw new CheckFailed(`ECS service ${name} ${service ? `is ${service.status}` : 'does not exist'} in cluster ${cluster}: deploy it with scripts/deploy ${name}`)
  }
  const deployment = deploymentToJudge(service)
  if (!deployment?.id || !deployment.taskDefinition) throw new CheckFailed(`ECS service ${name} shows no deployment to wait for`)
  out.line(`wait ${name}: deployment ${deployment.id} of ${revisionName(deployment.taskDefinition)} (${deployment.rolloutState ?? 'no rollout state'})`)
  const { result, verdict } = await judge(ecs, {
    cluster,
    service: name,
    deploymentId: deployment.id,
    taskDefinition: deployment.taskDefinition,
    settings,
    json,
    since: deployment.createdAt,
    out,
  })
  return {
    command: 'wait',
    service: name,
    cluster,
    taskDefinition: deployment.taskDefinition,
    deploymentId: deployment.id,
    changed: false,
    ...outcomeOf(verdict),
    stopped: result.stopped,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(3)),
  }
}

/**
 * Back to the task definition of the last deployment that succeeded (not merely the previous
 * revision): an older deployment the service still lists as COMPLETED, else the newest
 * revision the kit tagged when its deployment succeeded. Then the same wait as deploy.
 */
export async function rollbackService(run: RunContext, given: string | undefined, options: RollbackOptions, out: Printer): Promise<DeployDocument> {
  const t0 = performance.now()
  const name = serviceArgument(given, run, 'rollback').name
  const json = false
  const settings = settingsOf(options)
  const cluster = run.names.cluster
  const ecs = run.client(ECSClient, 'ECS')
  const seconds = () => Number(((performance.now() - t0) / 1000).toFixed(3))

  const service = await describeService(ecs, cluster, name)
  if (!service || service.status !== 'ACTIVE') {
    throw new CheckFailed(`ECS service ${name} ${service ? `is ${service.status}` : 'does not exist'} in cluster ${cluster}: nothing to roll back`)
  }
  const current = service.deployments?.find((d) => d.status === 'PRIMARY')?.taskDefinition ?? service.taskDefinition
  let target: string
  let how: string
  if (options.to !== undefined) {
    target = checkRevision(options.to, name)
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
  if (options.wait === false) {
    return { ...base, outcome: 'not-waited', reason: `deployment ${started.deploymentId} of ${revisionName(target)} started; follow it with scripts/wait ${name}`, seconds: seconds() }
  }
  const { result, verdict } = await judge(ecs, { cluster, service: name, deploymentId: started.deploymentId, taskDefinition: base.taskDefinition, settings, json, out })
  return { ...base, ...outcomeOf(verdict), stopped: result.stopped, seconds: seconds() }
}
