// The verdict on one ECS deployment, from what DescribeServices (and the deployment's stopped
// tasks) show at one moment. Pure: lib/deploy/wait.ts polls, this decides.
//
// "Stable" is not "succeeded": after a circuit-breaker rollback the service is stable again on
// the OLD task definition, and desiredCount 0 is stable with nothing running. So success here
// is only: the deployment this update started is COMPLETED, still PRIMARY, runs the task
// definition just registered, and runs as many tasks as desired (> 0). Everything that can
// never become that is a failure at once (fail fast), with the reason ECS gave.
import type { Deployment, Service, ServiceDeploymentBrief, Task } from '@aws-sdk/client-ecs'

export interface Expected {
  /** The deployment this update started (UpdateService's PRIMARY deployment id, ecs-svc/...). */
  deploymentId: string
  /** The task definition ARN it must run. */
  taskDefinition: string
}

export interface Snapshot {
  /** DescribeServices' service; undefined when ECS reports it MISSING. */
  service: Service | undefined
  /** Every stopped task this deployment started (startedBy = the deployment id) seen so far. */
  stoppedTasks: readonly Task[]
  /** ECS's deployment records (ListServiceDeployments), where the API answers. */
  records?: readonly ServiceDeploymentBrief[]
}

export type FailureCause =
  | 'rollback'
  | 'failed'
  | 'stopped'
  | 'gone'
  | 'superseded'
  | 'service-missing'
  | 'desired-zero'
  | 'wrong-task-definition'
  | 'cannot-pull'
  | 'exec-format'
  | 'missing-secret'
  | 'task-init'
  | 'crash-loop'
  | 'health-check'
  /** The new tasks fail the load balancer's health checks (lib/deploy/target-health.ts). */
  | 'load-balancer-health-check'
  | 'timeout'

export type Phase = 'starting' | 'rolling out' | 'draining old tasks' | 'settling'

export type Verdict =
  | { kind: 'in-progress'; phase: Phase; running: number; desired: number; pending: number }
  | { kind: 'success'; running: number; desired: number; reason: string }
  | { kind: 'failure'; cause: FailureCause; reason: string }

export interface Rules {
  /** The same essential-container exit this many times is a crash loop. */
  crashRepeats: number
  /** This many tasks stopped for failing container health checks is a failing health check. */
  healthRepeats: number
}

export const DEFAULT_RULES: Rules = { crashRepeats: 3, healthRepeats: 2 }

const n = (x: number | undefined): number => x ?? 0

/** The short name of a task definition ARN: family:revision. Pure. */
export const revisionName = (arn: string | undefined): string => (arn ?? '?').split('/').pop() as string

// ---- stopped tasks ------------------------------------------------------------------------

/** What a stopped task's containers said: "backend-flask exit 1", "backend-flask: OutOfMemoryError...". Pure. */
export function containerSummary(task: Task): string {
  return (task.containers ?? [])
    .filter((c) => c.exitCode !== undefined || c.reason)
    .map((c) => [c.name, c.exitCode !== undefined ? `exit ${c.exitCode}` : undefined, c.reason ? `(${c.reason})` : undefined].filter(Boolean).join(' '))
    .join(', ')
}

/** How stopped tasks are grouped: the same stop code, reason and container exits. Pure. */
export function stopSignature(task: Task): string {
  const containers = containerSummary(task)
  return [task.stopCode, task.stoppedReason, containers].filter(Boolean).join(' | ') || 'stopped (no reason given)'
}

export interface StopGroup {
  signature: string
  count: number
  example: Task
}

/** Stopped tasks grouped by signature, largest group first. Pure. */
export function groupStopped(tasks: readonly Task[]): StopGroup[] {
  const groups = new Map<string, StopGroup>()
  for (const task of tasks) {
    const signature = stopSignature(task)
    const group = groups.get(signature)
    if (group) group.count += 1
    else groups.set(signature, { signature, count: 1, example: task })
  }
  return [...groups.values()].sort((a, b) => b.count - a.count)
}

const texts = (task: Task): string[] => [task.stoppedReason ?? '', ...(task.containers ?? []).map((c) => c.reason ?? '')]

/** A stop that is normal during a deployment (the scheduler replacing or scaling in), not a failure. Pure. */
const routineStop = (task: Task): boolean =>
  task.stopCode === 'ServiceSchedulerInitiated' && /scaling activity|deployment .*(replac|drain)|rolling back/i.test(task.stoppedReason ?? '')

/**
 * A failure already clear from the tasks the deployment started and that stopped, without
 * waiting for the circuit breaker (which may need up to 200 failures, or never trip). Pure.
 */
export function failFast(tasks: readonly Task[], rules: Rules = DEFAULT_RULES): Extract<Verdict, { kind: 'failure' }> | undefined {
  const failed = tasks.filter((t) => !routineStop(t))
  const first = (test: (text: string) => boolean): Task | undefined => failed.find((t) => texts(t).some(test))
  const said = (task: Task) => `: ${task.stoppedReason ?? containerSummary(task)}`

  const pull = first((s) => /CannotPullContainerError/i.test(s))
  if (pull) return { kind: 'failure', cause: 'cannot-pull', reason: `the image cannot be pulled${said(pull)}` }

  const exec = first((s) => /exec format error/i.test(s))
  if (exec) {
    return {
      kind: 'failure',
      cause: 'exec-format',
      reason: `the image is built for another CPU architecture (exec format error): build it for linux/amd64, or set runtimePlatform.cpuArchitecture${said(exec)}`,
    }
  }

  const init = first((s) => /ResourceInitializationError/i.test(s))
  if (init) {
    const secret = texts(init).some((s) => /secret|ssm|asm|parameter/i.test(s))
    return secret
      ? { kind: 'failure', cause: 'missing-secret', reason: `a secret cannot be read (missing SSM parameter, or the execution role may not read it)${said(init)}` }
      : { kind: 'failure', cause: 'task-init', reason: `tasks cannot be initialised${said(init)}` }
  }

  const health = failed.filter((t) => /failed container health checks/i.test(t.stoppedReason ?? ''))
  if (health.length >= rules.healthRepeats) {
    return {
      kind: 'failure',
      cause: 'health-check',
      reason: `the container health check fails: ${health.length} tasks stopped with "${health[0].stoppedReason}"`,
    }
  }

  const exits = failed.filter((t) => t.stopCode === 'EssentialContainerExited' || /essential container in task exited/i.test(t.stoppedReason ?? ''))
  const crash = groupStopped(exits).find((g) => g.count >= rules.crashRepeats)
  if (crash) {
    const how = containerSummary(crash.example) || crash.example.stoppedReason || 'exited'
    return { kind: 'failure', cause: 'crash-loop', reason: `the essential container keeps exiting the same way (${how}), ${crash.count} times` }
  }
  return undefined
}

// ---- ECS's own rollback -------------------------------------------------------------------

/** What shows that ECS (its circuit breaker) rolled a failed deployment back. */
export interface RollbackSeen {
  /** The deployment that failed, when ECS still lists it or an event names it. */
  failedId?: string
  failedTd?: string
  failedReason?: string
  /** The revision the service runs now: the rollback's. */
  nowRuns?: string
  /** The rollback deployment has completed (else it is still rolling out). */
  done: boolean
  /** Which signal showed it. */
  seenIn: 'deployments' | 'records' | 'events'
}

const ROLLBACK_STATUSES = new Set(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])
/** How far apart ECS's "rolling back" event and the rollback deployment's creation may be. */
const ROLLBACK_EVENT_SLACK_MS = 60_000

/**
 * Whether the service's PRIMARY deployment is ECS's rollback of a failed one, from every signal
 * there is, none of them a single reason string: a FAILED deployment beside the PRIMARY one;
 * ECS's deployment records (ListServiceDeployments), when the API gave them, whose newest one
 * says ROLLBACK_*; else the events ("rolling back to deployment ..." when the PRIMARY one was
 * created, "(deployment ID) deployment failed") or the PRIMARY's rollout reason. Pure.
 */
export function rollbackSeen(service: Service, records?: readonly ServiceDeploymentBrief[]): RollbackSeen | undefined {
  const deployments = service.deployments ?? []
  const primary = deployments.find((d) => d.status === 'PRIMARY')
  if (!primary) return undefined
  const done = primary.rolloutState === 'COMPLETED'
  const failed = deployments.find((d) => d.rolloutState === 'FAILED' && d.id !== primary.id)
  if (failed) {
    return { failedId: failed.id, failedTd: failed.taskDefinition, failedReason: failed.rolloutStateReason, nowRuns: primary.taskDefinition, done, seenIn: 'deployments' }
  }
  const events = service.events ?? []
  const failedEvent = events.find((e) => /\(deployment ([^)\s]+)\) deployment failed/i.test(e.message ?? ''))
  const failedId = failedEvent ? /\(deployment ([^)\s]+)\) deployment failed/i.exec(failedEvent.message ?? '')?.[1] : undefined
  const at = (r: ServiceDeploymentBrief) => (r.createdAt ?? r.startedAt ?? new Date(0)).getTime()
  const newest = [...(records ?? [])].sort((a, b) => at(b) - at(a))[0]
  if (newest) {
    // The records are ECS's own account: when the API gives them, they decide.
    if (!ROLLBACK_STATUSES.has(newest.status ?? '')) return undefined
    return { failedId, failedReason: newest.statusReason, nowRuns: primary.taskDefinition, done: newest.status !== 'ROLLBACK_IN_PROGRESS' && newest.status !== 'ROLLBACK_REQUESTED', seenIn: 'records' }
  }
  const created = primary.createdAt?.getTime()
  const rollingBack = events.find(
    (e) => /rolling back to deployment/i.test(e.message ?? '') && created !== undefined && e.createdAt !== undefined && Math.abs(e.createdAt.getTime() - created) <= ROLLBACK_EVENT_SLACK_MS,
  )
  if (rollingBack || /circuit breaker.*rolling back/i.test(primary.rolloutStateReason ?? '')) {
    return { failedId, failedReason: failedEvent?.message, nowRuns: primary.taskDefinition, done, seenIn: 'events' }
  }
  return undefined
}

/** The failure verdict for a deployment ECS rolled back: it says what the service runs now. Pure. */
export function rolledBackVerdict(back: RollbackSeen, failed: { id?: string; taskDefinition?: string; reason?: string }): Extract<Verdict, { kind: 'failure' }> {
  const now = `the service now runs ${revisionName(back.nowRuns)}${back.done ? '' : ' (the rollback is still rolling out)'}`
  const td = failed.taskDefinition ?? back.failedTd
  const which = `deployment ${failed.id ?? back.failedId ?? '(unknown)'}${td ? ` of ${revisionName(td)}` : ''}`
  const why = failed.reason ?? back.failedReason
  return { kind: 'failure', cause: 'rollback', reason: `ECS rolled back: ${now}; ${which} failed${why ? ` (${why})` : ''}` }
}

const rolloutReason = (d: Deployment): string => (d.rolloutStateReason ? ` (${d.rolloutStateReason})` : '')

/** The verdict on the expected deployment at one moment. Pure. */
export function verdict(snapshot: Snapshot, expected: Expected, rules: Rules = DEFAULT_RULES): Verdict {
  const { service } = snapshot
  if (!service || service.status === 'INACTIVE' || service.status === 'DRAINING') {
    return { kind: 'failure', cause: 'service-missing', reason: `the service is ${service ? service.status : 'missing'}` }
  }
  const deployments = service.deployments ?? []
  const ours = deployments.find((d) => d.id === expected.deploymentId)
  const primary = deployments.find((d) => d.status === 'PRIMARY')
  const td = revisionName(expected.taskDefinition)

  if (!ours) {
    const back = primary && primary.taskDefinition !== expected.taskDefinition ? rollbackSeen(service, snapshot.records) : undefined
    if (back && (back.failedId === undefined || back.failedId === expected.deploymentId)) {
      return rolledBackVerdict(back, { id: expected.deploymentId, taskDefinition: expected.taskDefinition })
    }
    const now = primary ? ` (PRIMARY is now ${primary.id} running ${revisionName(primary.taskDefinition)})` : ''
    return { kind: 'failure', cause: 'gone', reason: `deployment ${expected.deploymentId} is gone${now}` }
  }
  if (ours.taskDefinition !== undefined && ours.taskDefinition !== expected.taskDefinition) {
    return {
      kind: 'failure',
      cause: 'wrong-task-definition',
      reason: `deployment ${ours.id} runs ${revisionName(ours.taskDefinition)}, not ${td}`,
    }
  }
  if (ours.rolloutState === 'FAILED') {
    const back = primary && primary.id !== ours.id ? primary : undefined
    if (back && back.taskDefinition !== expected.taskDefinition) {
      return rolledBackVerdict(
        { nowRuns: back.taskDefinition, done: back.rolloutState === 'COMPLETED', seenIn: 'deployments' },
        { id: ours.id, taskDefinition: expected.taskDefinition, reason: ours.rolloutStateReason },
      )
    }
    return { kind: 'failure', cause: 'failed', reason: `deployment ${ours.id} of ${td} failed${rolloutReason(ours)}` }
  }
  if (ours.status === 'INACTIVE' || ours.rolloutState === ('STOPPED' as Deployment['rolloutState'])) {
    return { kind: 'failure', cause: 'stopped', reason: `deployment ${ours.id} of ${td} was stopped${rolloutReason(ours)}` }
  }
  if (ours.status !== 'PRIMARY') {
    const by = primary ? `${primary.id} (${revisionName(primary.taskDefinition)})` : 'another deployment'
    return { kind: 'failure', cause: 'superseded', reason: `deployment ${ours.id} of ${td} was superseded by ${by} before it completed` }
  }
  const desired = n(ours.desiredCount)
  if (n(service.desiredCount) === 0 || desired === 0) {
    return {
      kind: 'failure',
      cause: 'desired-zero',
      reason: `the service's desired count is 0: ${td} would run no task (scale it up, e.g. scripts/scale ${service.serviceName ?? 'SERVICE'} 1)`,
    }
  }
  const fast = failFast(snapshot.stoppedTasks, rules)
  if (fast) return fast

  const running = n(ours.runningCount)
  const pending = n(ours.pendingCount)
  // Without rolloutState (older APIs, some emulators) the old rule is all there is: one deployment, all running.
  const completed = ours.rolloutState ? ours.rolloutState === 'COMPLETED' : deployments.length === 1
  if (completed && running === desired) {
    return { kind: 'success', running, desired, reason: `deployment ${ours.id} completed: ${running}/${desired} tasks run ${td}` }
  }
  const phase: Phase =
    running === 0 ? 'starting' : running < desired ? 'rolling out' : deployments.some((d) => d.id !== ours.id && n(d.runningCount) > 0) ? 'draining old tasks' : 'settling'
  return { kind: 'in-progress', phase, running, desired, pending }
}

// ---- what `wait` and `rollback` follow -----------------------------------------------------

/**
 * The deployment `wait` should judge: the PRIMARY one; but when ECS rolled a failed deployment
 * back (rollbackSeen), the failed one while ECS still lists it (so the verdict is the failure
 * it is). Pure.
 */
export function deploymentToJudge(service: Service, records?: readonly ServiceDeploymentBrief[]): Deployment | undefined {
  const deployments = service.deployments ?? []
  const back = rollbackSeen(service, records)
  const failed = back?.failedId !== undefined ? deployments.find((d) => d.id === back.failedId) : undefined
  return failed ?? deployments.find((d) => d.status === 'PRIMARY')
}

/** The service already runs this task definition, completed, and nothing else: a re-deploy has nothing to do. Pure. */
export function alreadyRunning(service: Service, taskDefinition: string): boolean {
  const deployments = service.deployments ?? []
  const primary = deployments.find((d) => d.status === 'PRIMARY')
  return (
    deployments.length === 1 &&
    primary !== undefined &&
    primary.taskDefinition === taskDefinition &&
    (primary.rolloutState === undefined || primary.rolloutState === 'COMPLETED') &&
    n(primary.desiredCount) > 0 &&
    n(primary.runningCount) === n(primary.desiredCount)
  )
}
