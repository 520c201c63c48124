// A deployment behind the front door succeeds only when its NEW tasks are healthy in the
// service's target group(s): ECS's own "completed" is not enough to say the load balancer
// sends them traffic. The targets are the new tasks' private IPs (awsvpc tasks register by
// IP); DescribeTargetHealth says how each one's health checks go. The verdict is pure; the
// reader below does the three calls (ListTasks, DescribeTasks, DescribeTargetHealth).
import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Service, type ServiceEvent, type Task } from '@aws-sdk/client-ecs'
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client, type TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2'
import type { Verdict } from './verdict.js'

/** One target group's answer. */
export interface TargetGroupHealth {
  targetGroupArn: string
  targets: readonly TargetHealthDescription[]
}

/** What the reader saw at one poll: the deployment's running tasks' IPs, and each target group's targets. */
export interface TargetSnapshot {
  taskIps: readonly string[]
  groups: readonly TargetGroupHealth[]
}

export type TargetVerdict =
  | { kind: 'healthy'; detail: string }
  | { kind: 'waiting'; detail: string }
  | { kind: 'failure'; reason: string }

/** The short name of a target group ARN: cruddur-backend-flask-tg. Pure. */
export const targetGroupNameOf = (arn: string): string => arn.split(':targetgroup/')[1]?.split('/')[0] ?? arn

/** The target groups a service is attached to (DescribeServices' loadBalancers). Pure. */
export const serviceTargetGroups = (service: Service | undefined): string[] => [
  ...new Set((service?.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((arn): arn is string => !!arn)),
]

/** A task's private IP from its network interface attachment (awsvpc). Pure. */
export function privateIpOf(task: Task): string | undefined {
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface')
  return eni?.details?.find((d) => d.name === 'privateIPv4Address')?.value
}

/** "unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [502])". Pure. */
export function healthText(target: TargetHealthDescription): string {
  const h = target.TargetHealth
  return [h?.State ?? 'unknown', h?.Reason ? `: ${h.Reason}` : '', h?.Description ? ` (${h.Description})` : ''].join('')
}

/** The ECS event that says a task failed its load balancer's health checks. */
const ELB_EVENT = /\(task ([^)\s]+)\) failed ELB health checks in \(target-group ([^)\s]+)\)/i

/**
 * Whether the service's events (those of this deployment: the caller passes the ones since it
 * started) say a task failed its ELB health checks: the event's text. Pure.
 */
export function elbEventFailure(events: readonly ServiceEvent[]): string | undefined {
  return events.find((e) => ELB_EVENT.test(e.message ?? ''))?.message
}

/**
 * The verdict on the new tasks' targets. A target in state `unhealthy` is a failure at once:
 * the target group only says so after its UnhealthyThresholdCount consecutive failed checks,
 * and ECS then replaces the task, which would fail the same way (the reason and ELB's
 * description are quoted; Elb.InternalError, ELB's own trouble, is not the app's and waits).
 * Healthy: every running task of the deployment (at least `desired`) is a healthy target in
 * every group. Anything else (not registered yet, initial, draining) waits. Pure.
 */
export function targetVerdict(snapshot: TargetSnapshot, desired: number): TargetVerdict {
  const ips = new Set(snapshot.taskIps)
  for (const group of snapshot.groups) {
    const bad = group.targets.find((t) => ips.has(t.Target?.Id ?? '') && t.TargetHealth?.State === 'unhealthy' && t.TargetHealth.Reason !== 'Elb.InternalError')
    if (bad) {
      return {
        kind: 'failure',
        reason: `a new task fails the load balancer's health checks: target ${bad.Target?.Id}:${bad.Target?.Port ?? '?'} in ${targetGroupNameOf(group.targetGroupArn)} is ${healthText(bad)}`,
      }
    }
  }
  const waiting: string[] = []
  for (const group of snapshot.groups) {
    const name = targetGroupNameOf(group.targetGroupArn)
    const ours = group.targets.filter((t) => ips.has(t.Target?.Id ?? ''))
    const healthy = ours.filter((t) => t.TargetHealth?.State === 'healthy').length
    if (healthy < Math.max(desired, snapshot.taskIps.length) || healthy === 0) {
      const states = ours.map((t) => `${t.Target?.Id} ${healthText(t)}`)
      waiting.push(`${name}: ${healthy}/${Math.max(desired, snapshot.taskIps.length)} new targets healthy${states.length ? ` (${states.join('; ')})` : ', none registered yet'}`)
    }
  }
  if (waiting.length) return { kind: 'waiting', detail: waiting.join('; ') }
  return { kind: 'healthy', detail: `${snapshot.taskIps.length} new target${snapshot.taskIps.length === 1 ? '' : 's'} healthy in ${snapshot.groups.map((g) => targetGroupNameOf(g.targetGroupArn)).join(', ')}` }
}

/**
 * ECS's verdict with the load balancer's: a failure of either is the failure (ECS's first), a
 * success only when the targets are healthy too (else still in progress, settling). Pure.
 */
export function withTargets(ecs: Verdict, targets: TargetVerdict | undefined, elbEvent?: string): Verdict {
  if (ecs.kind === 'failure') return ecs
  if (elbEvent) return { kind: 'failure', cause: 'load-balancer-health-check', reason: `ECS reports: ${elbEvent}` }
  if (!targets) return ecs
  if (targets.kind === 'failure') return { kind: 'failure', cause: 'load-balancer-health-check', reason: targets.reason }
  if (ecs.kind === 'success') {
    if (targets.kind === 'healthy') return { ...ecs, reason: `${ecs.reason}; ${targets.detail}` }
    return { kind: 'in-progress', phase: 'settling', running: ecs.running, desired: ecs.desired, pending: 0 }
  }
  return ecs
}

// ---- the reader -----------------------------------------------------------------------------

/** The deployment's running tasks' IPs and the target groups' targets: ListTasks, DescribeTasks, DescribeTargetHealth. */
export async function readTargets(
  ecs: ECSClient,
  elbv2: ElasticLoadBalancingV2Client,
  options: { cluster: string; deploymentId: string; targetGroupArns: readonly string[] },
): Promise<TargetSnapshot> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: options.cluster, startedBy: options.deploymentId, desiredStatus: 'RUNNING' }))).taskArns ?? []
  const tasks = arns.length ? ((await ecs.send(new DescribeTasksCommand({ cluster: options.cluster, tasks: arns.slice(0, 100) }))).tasks ?? []) : []
  const taskIps = tasks.filter((t) => t.lastStatus === 'RUNNING').flatMap((t) => privateIpOf(t) ?? [])
  const groups = await Promise.all(
    options.targetGroupArns.map(async (targetGroupArn) => ({
      targetGroupArn,
      targets: (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions ?? [],
    })),
  )
  return { taskIps, groups }
}
