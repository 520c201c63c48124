// Application Auto Scaling for a service (issue 17): a scalable target on its desired count,
// between the declared min and max, and one target-tracking policy: average CPU by default,
// ALB requests per target when the service is routed through the front door and declares
// requestsPerTarget. Idempotent: what exists is read first, and only what differs is written.
// A service paused by ./scripts/pause keeps its bounds at 0 here: provision does not resume it.
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
  type ScalingPolicy,
} from '@aws-sdk/client-application-auto-scaling'
import { ECSClient } from '@aws-sdk/client-ecs'
import { loadBalancerArnSuffix, targetGroupArnSuffix } from '../aws/arns.js'
import type { RunContext } from '../aws/context.js'
import type { ScalingDeclaration, ServiceDeclaration } from '../config/services.js'
import { targetGroupName } from '../config/names.js'
import { KitError } from '../core/errors.js'
import { resolveFrontDoor } from '../front-door/lookup.js'
import { pauseMemoryOf, readCounts } from '../ops/scaling.js'
import { serviceStep } from './ecs-service.js'
import { loadBalancerStep } from './load-balancer.js'
import { runFirst, type Change, type Step } from './step.js'
import { targetGroupStep } from './target-group.js'

export const SERVICE_NAMESPACE = 'ecs' as const
export const SCALABLE_DIMENSION = 'ecs:service:DesiredCount' as const

export const autoScaling = (run: Pick<RunContext, 'client'>): ApplicationAutoScalingClient => run.client(ApplicationAutoScalingClient, 'APPLICATION_AUTO_SCALING')

/** A service's scalable resource: service/<cluster>/<service>. Pure. */
export const scalableResourceId = (cluster: string, service: string): string => `service/${cluster}/${service}`

/** The one policy the kit keeps per service (PutScalingPolicy on the same name updates it). Pure. */
export const policyName = (service: string): string => `${service}-target-tracking`

/**
 * ALBRequestCountPerTarget's ResourceLabel: app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>,
 * from the load balancer's and the target group's ARNs. Pure.
 */
export function requestCountLabel(loadBalancerArn: string, targetGroupArn: string): string {
  const lb = loadBalancerArnSuffix(loadBalancerArn)
  const tg = targetGroupArnSuffix(targetGroupArn)
  if (!lb || !tg) throw new KitError(`cannot make a request-count label from ${loadBalancerArn} and ${targetGroupArn}: not an application load balancer and target group ARN`)
  return `${lb}/${tg}`
}

/** The policy a declaration asks for. `label` is the request-count ResourceLabel when the policy counts requests. */
export interface WantedPolicy {
  metric: 'ECSServiceAverageCPUUtilization' | 'ALBRequestCountPerTarget'
  targetValue: number
  label?: string
  scaleOutCooldownSeconds: number
  scaleInCooldownSeconds: number
}

/** What a declaration's policy tracks: requests per target when declared (routed services only), else CPU. Pure. */
export function wantedPolicy(scaling: ScalingDeclaration, label: string | undefined): WantedPolicy {
  const cooldowns = { scaleOutCooldownSeconds: scaling.scaleOutCooldownSeconds, scaleInCooldownSeconds: scaling.scaleInCooldownSeconds }
  if (scaling.requestsPerTarget !== undefined) return { metric: 'ALBRequestCountPerTarget', targetValue: scaling.requestsPerTarget, ...(label ? { label } : {}), ...cooldowns }
  return { metric: 'ECSServiceAverageCPUUtilization', targetValue: scaling.cpuPercent, ...cooldowns }
}

/** A policy as Application Auto Scaling has it, in the same shape as wantedPolicy's. Pure. */
export function policyOf(policy: ScalingPolicy): Partial<WantedPolicy> {
  const c = policy.TargetTrackingScalingPolicyConfiguration
  const spec = c?.PredefinedMetricSpecification
  return {
    metric: spec?.PredefinedMetricType as WantedPolicy['metric'],
    targetValue: c?.TargetValue,
    ...(spec?.ResourceLabel ? { label: spec.ResourceLabel } : {}),
    scaleOutCooldownSeconds: c?.ScaleOutCooldown,
    scaleInCooldownSeconds: c?.ScaleInCooldown,
  }
}

/** "CPU 60 %" or "120 requests per target", with the cooldowns. Pure. */
export function describePolicy(p: Partial<WantedPolicy>): string {
  const what = p.metric === 'ALBRequestCountPerTarget' ? `${p.targetValue} requests per target` : `CPU ${p.targetValue} %`
  return `target tracking ${what}, scale out after ${p.scaleOutCooldownSeconds}s, in after ${p.scaleInCooldownSeconds}s`
}

/** How an existing policy differs from the wanted one, one phrase per field; empty when equal. Pure. */
export function policyDrift(have: Partial<WantedPolicy>, want: WantedPolicy): string[] {
  const drift: string[] = []
  if (have.metric !== want.metric) drift.push(`metric ${have.metric} → ${want.metric}`)
  if (have.targetValue !== want.targetValue) drift.push(`target ${have.targetValue} → ${want.targetValue}`)
  // A label not yet known (dry run before the front door exists) is not a difference.
  if (want.label !== undefined && have.label !== want.label) drift.push(`label ${have.label ?? 'none'} → ${want.label}`)
  if (have.scaleOutCooldownSeconds !== want.scaleOutCooldownSeconds) drift.push(`scale-out cooldown ${have.scaleOutCooldownSeconds}s → ${want.scaleOutCooldownSeconds}s`)
  if (have.scaleInCooldownSeconds !== want.scaleInCooldownSeconds) drift.push(`scale-in cooldown ${have.scaleInCooldownSeconds}s → ${want.scaleInCooldownSeconds}s`)
  return drift
}

export interface Bounds {
  min: number
  max: number
}

/** The scalable targets of these services that exist, by service name (one call: up to 50 resource ids). */
export async function readScalableTargets(client: ApplicationAutoScalingClient, cluster: string, services: readonly string[]): Promise<Map<string, ScalableTarget>> {
  const found = new Map<string, ScalableTarget>()
  for (let i = 0; i < services.length; i += 50) {
    const ids = services.slice(i, i + 50).map((s) => scalableResourceId(cluster, s))
    const answer = await client.send(new DescribeScalableTargetsCommand({ ServiceNamespace: SERVICE_NAMESPACE, ScalableDimension: SCALABLE_DIMENSION, ResourceIds: ids }))
    for (const target of answer.ScalableTargets ?? []) {
      const service = services.find((s) => scalableResourceId(cluster, s) === target.ResourceId)
      if (service) found.set(service, target)
    }
  }
  return found
}

/** Register (or re-register: the same call updates) a service's bounds. */
export const setBounds = (client: ApplicationAutoScalingClient, cluster: string, service: string, bounds: Bounds) =>
  client.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: SERVICE_NAMESPACE,
      ScalableDimension: SCALABLE_DIMENSION,
      ResourceId: scalableResourceId(cluster, service),
      MinCapacity: bounds.min,
      MaxCapacity: bounds.max,
    }),
  )

export const boundsText = (b: Bounds): string => `${b.min}-${b.max} tasks`

const steps = new Map<string, Step>()

/** The step that sets up a service's auto scaling (one object per service, so steps can refer to it). */
export function autoScalingStep(service: ServiceDeclaration): Step {
  const existingStep = steps.get(service.name)
  if (existingStep) return existingStep
  const { name } = service
  const tracksRequests = service.scaling?.requestsPerTarget !== undefined && service.frontDoor !== undefined
  const step: Step = {
    id: `application-autoscaling/register-scalable-target:${name}`,
    command: `application-autoscaling/register-scalable-target ${name}`,
    title: `auto scaling of ${name}`,
    // Requests per target need the front door's load balancer and target group to name.
    needs: tracksRequests ? [serviceStep(service), loadBalancerStep, targetGroupStep(service)] : [serviceStep(service)],
    async run(ctx) {
      const scaling = service.scaling
      if (!scaling) return [{ resource: 'scalable target', name, outcome: 'unchanged', detail: 'auto scaling off ("scaling": false in json/services.json)' }]
      const cluster = ctx.names.cluster
      const resourceId = scalableResourceId(cluster, name)
      const client = autoScaling(ctx)
      const [serviceState] = await readCounts(ctx.client(ECSClient, 'ECS'), cluster, [name])
      if (serviceState.arn === undefined && !ctx.dryRun) throw new KitError(`ECS service ${name} is not in cluster ${cluster}: ${runFirst(serviceStep(service))}`)

      let label: string | undefined
      if (tracksRequests) {
        const front = await resolveFrontDoor(ctx)
        const tg = front.targetGroupArns?.[name]
        if (front.loadBalancerArn && tg) label = requestCountLabel(front.loadBalancerArn, tg)
        else if (!ctx.dryRun) throw new KitError(`the front door of ${name} (load balancer ${ctx.names.loadBalancer}, target group ${targetGroupName(name)}) is not there: ${runFirst(targetGroupStep(service))}`)
      }
      const want = wantedPolicy(scaling, label)
      // A paused service stays at 0 (resume puts its bounds back): provision must not restart it.
      const paused = serviceState.paused !== undefined
      const bounds: Bounds = paused ? { min: 0, max: 0 } : { min: scaling.min, max: scaling.max }
      const pausedNote = paused ? `; paused: resume puts back ${boundsText(pauseMemoryOf(serviceState, scaling).bounds ?? scaling)}` : ''

      const target = (await readScalableTargets(client, cluster, [name])).get(name)
      const changes: Change[] = []
      const boundsDetail = `${resourceId}, ${boundsText(bounds)}${pausedNote}`
      if (!target) {
        if (!ctx.dryRun) await setBounds(client, cluster, name, bounds)
        changes.push({ resource: 'scalable target', name, outcome: 'created', detail: boundsDetail })
      } else if (target.MinCapacity !== bounds.min || target.MaxCapacity !== bounds.max) {
        if (!ctx.dryRun) await setBounds(client, cluster, name, bounds)
        changes.push({ resource: 'scalable target', name, outcome: 'updated', detail: `${resourceId}, ${target.MinCapacity}-${target.MaxCapacity} → ${boundsText(bounds)}${pausedNote}` })
      } else {
        changes.push({ resource: 'scalable target', name, outcome: 'unchanged', detail: boundsDetail })
      }

      const policy = target
        ? (await client.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: SERVICE_NAMESPACE, ScalableDimension: SCALABLE_DIMENSION, ResourceId: resourceId, PolicyNames: [policyName(name)] }))).ScalingPolicies?.[0]
        : undefined
      const drift = policy ? policyDrift(policyOf(policy), want) : []
      const planLabel = tracksRequests && !label ? ` (after ${targetGroupStep(service).id} creates ${targetGroupName(name)})` : ''
      const outcome: Change['outcome'] = !policy ? 'created' : drift.length > 0 ? 'updated' : 'unchanged'
      if (outcome !== 'unchanged' && !ctx.dryRun) {
        await client.send(
          new PutScalingPolicyCommand({
            PolicyName: policyName(name),
            ServiceNamespace: SERVICE_NAMESPACE,
            ScalableDimension: SCALABLE_DIMENSION,
            ResourceId: resourceId,
            PolicyType: 'TargetTrackingScaling',
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: want.targetValue,
              PredefinedMetricSpecification: { PredefinedMetricType: want.metric, ...(want.label ? { ResourceLabel: want.label } : {}) },
              ScaleOutCooldown: want.scaleOutCooldownSeconds,
              ScaleInCooldown: want.scaleInCooldownSeconds,
            },
          }),
        )
      }
      changes.push({
        resource: 'scaling policy',
        name: policyName(name),
        outcome,
        detail: outcome === 'updated' ? drift.join(', ') : `${describePolicy(want)}${planLabel}`,
      })
      return changes
    },
  }
  steps.set(name, step)
  return step
}
