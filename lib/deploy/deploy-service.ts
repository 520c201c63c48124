// Deploy, wait and rollback as the kit's API and scripts run them (moved from scripts/deploy.ts,
// wait.ts and rollback.ts). Deploy a service: the task definition with the image pinned by
// digest (registered only when it differs from the latest revision), the service updated with
// its file's live settings (or created), then the verdict on the deployment this update
// started: success only when it completed, is still PRIMARY, runs the new revision and all
// desired tasks; a rollback is a failure, however stable the service looks afterwards.
import { DescribeTaskDefinitionCommand, ECSClient, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import type { RunContext } from '../aws/context.js'
import { deployedCounts, planCostLine } from '../cost/workload.js'
import { CheckFailed, ConfigError, KitError, UsageError } from '../core/errors.js'
import { holdRunLock } from '../core/lock.js'
import { secondsSince, warn } from '../core/output.js'
import { contextHome, imageDigest } from '../images/image-home.js'
import { pausedCount } from '../ops/scaling.js'
import { stepContext } from '../steps/step.js'
import { isMissingDefinition } from '../steps/task-definition.js'
import { serviceStep } from '../steps/ecs-service.js'
import { resolveServiceNetwork } from '../steps/security-group.js'
import { elbv2, resolveFrontDoor } from '../front-door/lookup.js'
import { serviceRequest } from '../front-door/service-request.js'
import { serviceUrl } from '../front-door/routes.js'
import {
  checkRevision,
  containersOf,
  lastSucceeded,
  liveSettings,
  pinImage,
  registerIfChanged,
  rollbackGuard,
  settingsDrift,
  taggedSuccesses,
} from './deploy.js'
import { alreadyRunning, deploymentToJudge, revisionName, rollbackSeen, rolledBackVerdict } from './verdict.js'
import { deploymentRecords, describeServiceDeployment, judgedBy, parseWaitUntil, recordsBefore, recordVerdict, refuseStageWithoutRecords } from './records.js'
import { describeService, judge, judgedFields, outcomeOf, serviceArgument, startDeployment, waitSettings, type DeployDocument, type Printer } from './command.js'

/** How long to wait for a verdict, and how often to ask: seconds (a number, or a flag's text). */
export interface WaitOptions {
  /** Stop waiting after this long (default 900); the rollout itself goes on. */
  timeout?: number | string
  /** Poll ECS this often (default 5). */
  interval?: number | string
  /** deployed (default) or stage:STAGE (a lifecycle stage of ECS's records): what the wait waits for. */
  waitUntil?: string
}

export interface DeployOptions extends WaitOptions {
  /** The image tag to deploy, resolved to its digest in ECR (default IMAGE_TAG). */
  tag?: string
  /** Start a fresh deployment even of the revision that runs or is rolling out (update-service --force-new-deployment). */
  force?: boolean
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

/** Where deploy, wait and rollback print; `warn` hears a wait for the stack's lock (default: stderr). */
export type DeployOut = Printer & { warn?: (text: string) => void }

const asText = (value: number | string | undefined): string | undefined => (value === undefined ? undefined : String(value))
const settingsOf = (options: WaitOptions) => waitSettings({ timeout: asText(options.timeout), interval: asText(options.interval) })

/**
 * Deploy one service (the named one, else the only one in ECS_SERVICES) and judge the
 * deployment. Holds the stack lock until the deployment has started (and again while it
 * starts a rollback): a teardown cannot remove what it creates. Refuses a paused service.
 */
export async function deployService(run: RunContext, given: string | undefined, options: DeployOptions, out: DeployOut): Promise<DeployDocument> {
  const t0 = performance.now()
  const declaration = serviceArgument(given, run, 'deploy')
  const name = declaration.name
  const settings = settingsOf(options)
  const until = parseWaitUntil(options.waitUntil)
  const tag = options.tag ?? run.names.imageTag
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw new UsageError(`--tag must be an image tag (letters, digits, . _ -), got "${tag}"`)
  const force = options.force === true
  const seconds = () => secondsSince(t0)
  const json = false
  const onWait = out.warn ?? warn

  const ctx = await stepContext(run)
  const ecs = ctx.client(ECSClient, 'ECS')
  // The image's digest from where it was pushed (ECR, or the registry ECR_REGISTRY names).
  const images = contextHome(ctx)

  // The front door first: the task definition and the service file refer to its URLs and target groups.
  await resolveFrontDoor(ctx)
  const url = serviceUrl(declaration, { domainName: ctx.names.domainName, dnsName: ctx.discovered.loadBalancerDnsName })
  // What to run: the rendered definition (checked before anything is read or locked).
  const rendered = ctx.render(declaration.taskDefinitionFile) as RegisterTaskDefinitionCommandInput
  if (rendered.family !== name) throw new ConfigError(`${declaration.taskDefinitionFile}: "family" is ${JSON.stringify(rendered.family)}, expected "${name}"`)
  if (containersOf(rendered, declaration.repository).length === 0) {
    throw new ConfigError(`${declaration.taskDefinitionFile}: no container runs an image of the repository ${declaration.repository} (json/services.json)`)
  }

  // stage: needs ECS's records: refused before anything changes where the endpoint keeps none.
  if (until.kind === 'stage' && options.wait !== false) {
    refuseStageWithoutRecords(judgedBy(await deploymentRecords(ecs, run.names.cluster, name)), until)
  }

  type Started =
    | { finished: DeployDocument }
    | {
        doc: DeployDocument
        deploymentId: string
        registration: Awaited<ReturnType<typeof registerIfChanged>>
        since: Date
        tasksSince?: Date
        cluster: string
        before?: { records: ReadonlySet<string> | undefined }
      }

  /** Everything up to a started (or followed) deployment; nothing changes before every check passed. */
  const startLocked = async (): Promise<Started> => {
    const [digest, , existing] = await Promise.all([
      imageDigest(images.home, declaration.repository, tag, images.access),
      resolveServiceNetwork(ctx),
      describeService(ecs, run.names.cluster, name),
    ])
    const wanted = serviceRequest(ctx, declaration)
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
    const guard = rollbackGuard(wanted.deploymentConfiguration)
    if (guard.missing === 'circuit breaker') {
      out.line(`  note: ${declaration.serviceFile} turns on no deployment circuit breaker; the kit's fail-fast rules and --timeout still end the wait`)
    } else if (guard.missing === 'rollback alarms') {
      out.line(
        `  note: ${name} deploys ${guard.strategy} without rollback alarms ("rollbackAlarms": false in json/services.json; the circuit breaker is ROLLING's only), so ECS rolls nothing back by itself; the kit's fail-fast rules and --timeout still end the wait`,
      )
    }

    const registration = await registerIfChanged(ecs, desired)
    out.line(`  task definition ${registration.detail}`)
    // The monthly figure and the change this deploy makes to it: every count is kept (a new
    // service starts with its file's), so only a new service or another task size moves it.
    const counts = await deployedCounts(run)
    if (existing?.status !== 'ACTIVE') delete counts[name]
    out.line(`  ${await planCostLine(run, 'deploy', { counts })}`)
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
      ...(url ? { url } : {}),
      seconds: 0,
    }

    let deploymentId: string
    let since = new Date()
    let tasksSince: Date | undefined
    let before: { records: ReadonlySet<string> | undefined } | undefined
    if (existing?.status === 'ACTIVE') {
      const drift = settingsDrift(wanted, existing)
      const primary = existing.deployments?.find((d) => d.status === 'PRIMARY')
      if (!force && drift.length === 0 && alreadyRunning(existing, registration.arn)) {
        const running = `${primary?.runningCount}/${primary?.desiredCount}`
        return {
          finished: { ...doc, deploymentId: primary?.id, outcome: 'unchanged', reason: `nothing to deploy: ${revisionName(registration.arn)} already runs (${running} tasks, deployment ${primary?.id}); no new revision, no new deployment (--force starts one)`, seconds: seconds() },
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
        // The records there are now are not this deployment's (it may run a revision that ran before).
        if (options.wait !== false) before = await recordsBefore(ecs, cluster, name)
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
    return { doc, deploymentId, registration, since, tasksSince, cluster, before }
  }

  // The stack to this run until its deployment has started: a teardown cannot remove what it creates.
  const release = await holdRunLock(run, onWait)
  let started: Started
  try {
    started = await startLocked()
  } finally {
    release()
  }
  if ('finished' in started) return started.finished
  const { doc, deploymentId, registration, since, tasksSince, cluster, before } = started

  if (options.wait === false) {
    return { ...doc, outcome: 'not-waited', reason: `deployment ${deploymentId} of ${revisionName(registration.arn)} started; follow it with scripts/wait ${name}`, seconds: seconds() }
  }
  const balancer = elbv2(run)
  const { result, verdict } = await judge(ecs, { cluster, service: name, deploymentId, taskDefinition: registration.arn, settings, json, since, tasksSince, out, elbv2: balancer, until, before })
  Object.assign(doc, outcomeOf(verdict), judgedFields(result))

  if (verdict.kind === 'failure' && options.rollbackOnFailure === true) {
    if (verdict.cause === 'rollback') {
      out.line('  ECS rolled back by itself (circuit breaker): nothing more to do')
    } else if (verdict.cause === 'superseded' || verdict.cause === 'service-missing') {
      out.line(`  not rolling back: ${verdict.cause === 'superseded' ? 'someone else deployed since' : 'the service is gone'}`)
    } else {
      const unlock = await holdRunLock(run, onWait)
      let back: { target: { taskDefinition: string; how: string }; deploymentId: string; before?: { records: ReadonlySet<string> | undefined } } | undefined
      try {
        const service = await describeService(ecs, cluster, name)
        const target = lastSucceeded(service, await taggedSuccesses(ecs, name), registration.arn)
        if (!target) out.line(`  cannot roll back: no earlier revision of ${name} is known to have deployed successfully`)
        else {
          out.line(`  rolling back to ${revisionName(target.taskDefinition)} (${target.how})`)
          // Its revision deployed before: that deployment's record is not this one's.
          const earlier = await recordsBefore(ecs, cluster, name)
          back = { target, before: earlier, deploymentId: (await startDeployment(ecs, { cluster, service: name, taskDefinition: target.taskDefinition })).deploymentId }
        }
      } finally {
        unlock()
      }
      if (back) {
        const judged = await judge(ecs, { cluster, service: name, deploymentId: back.deploymentId, taskDefinition: back.target.taskDefinition, settings, json, out, elbv2: balancer, before: back.before })
        doc.rolledBack = { taskDefinition: back.target.taskDefinition, deploymentId: back.deploymentId, ...outcomeOf(judged.verdict) }
        out.line(`  rollback to ${revisionName(back.target.taskDefinition)}: ${judged.verdict.kind === 'success' ? 'succeeded' : `failed too (${judged.verdict.reason})`}`)
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
export async function waitService(run: RunContext, given: string | undefined, options: WaitOptions, out: DeployOut): Promise<DeployDocument> {
  const t0 = performance.now()
  const name = serviceArgument(given, run, 'wait').name
  const json = false
  const settings = settingsOf(options)
  const until = parseWaitUntil(options.waitUntil)
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
    // Where the records said so, the newest one says why (the alarm, the circuit breaker).
    const newest = back.seenIn === 'records' ? [...(records ?? [])].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0] : undefined
    const record = newest?.serviceDeploymentArn ? await describeServiceDeployment(ecs, newest.serviceDeploymentArn) : undefined
    const fromRecord = record ? recordVerdict(record) : undefined
    const verdict = fromRecord?.kind === 'failure' ? fromRecord : rolledBackVerdict(back, {})
    return { ...base, taskDefinition: back.nowRuns, deploymentId: back.failedId, ...outcomeOf(verdict), judgedBy: judgedBy(records), seconds: secondsSince(t0) }
  }
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
    elbv2: elbv2(run),
    until,
    followInProgress: true,
  })
  return {
    ...base,
    taskDefinition: deployment.taskDefinition,
    deploymentId: deployment.id,
    ...outcomeOf(verdict),
    ...judgedFields(result),
    seconds: secondsSince(t0),
  }
}

/**
 * Back to the task definition of the last deployment that succeeded (not merely the previous
 * revision): an older deployment the service still lists as COMPLETED, else the newest
 * revision the kit tagged when its deployment succeeded. Then the same wait as deploy.
 */
export async function rollbackService(run: RunContext, given: string | undefined, options: RollbackOptions, out: DeployOut): Promise<DeployDocument> {
  const t0 = performance.now()
  const name = serviceArgument(given, run, 'rollback').name
  const json = false
  const settings = settingsOf(options)
  const cluster = run.names.cluster
  const ecs = run.client(ECSClient, 'ECS')
  const seconds = () => secondsSince(t0)

  // Checked before any call: ECS would refuse a bad reference only after the plan was printed.
  const asked = options.to !== undefined ? checkRevision(options.to, name) : undefined

  // The stack to this run until its deployment has started.
  const release = await holdRunLock(run, out.warn ?? warn)
  let started: Awaited<ReturnType<typeof startDeployment>>
  let target: string
  let before: { records: ReadonlySet<string> | undefined } | undefined
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
        return {
          command: 'rollback',
          service: name,
          cluster,
          taskDefinition: current,
          deploymentId: primary?.id,
          changed: false,
          outcome: 'unchanged',
          reason: `already there: ${name} runs ${revisionName(current)}, the last revision that deployed successfully (${newest.how}); nothing changed (--to ${name}:N goes further back)${still}`,
          seconds: seconds(),
        }
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
    // The revision rolled back to deployed before: that deployment's record (SUCCESSFUL) is not this one's.
    if (options.wait !== false) before = await recordsBefore(ecs, cluster, name)
    started = await startDeployment(ecs, { cluster, service: name, taskDefinition: target })
  } finally {
    release()
  }
  const base = { command: 'rollback' as const, service: name, cluster, taskDefinition: started.service.taskDefinition ?? target, deploymentId: started.deploymentId, changed: true }
  if (options.wait === false) {
    return { ...base, outcome: 'not-waited', reason: `deployment ${started.deploymentId} of ${revisionName(target)} started; follow it with scripts/wait ${name}`, seconds: seconds() }
  }
  const { result, verdict } = await judge(ecs, { cluster, service: name, deploymentId: started.deploymentId, taskDefinition: base.taskDefinition, settings, json, out, elbv2: elbv2(run), before })
  return { ...base, ...outcomeOf(verdict), ...judgedFields(result), seconds: seconds() }
}
