// A routed service's target group (cruddur-<service>-tg): type ip, HTTP on its container port,
// and the health check its declaration names, with the bootcamp's week-7 settings.
import {
  CreateTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { EC2Client } from '@aws-sdk/client-ec2'
import { awsErrorIs } from '../aws/clients.js'
import { findDefaultVpc } from '../aws/network.js'
import { alternateTargetGroupName, targetGroupName } from '../config/names.js'
import { SERVICES_FILE, type ServiceDeclaration } from '../config/services.js'
import { elbv2, findTargetGroups } from '../front-door/lookup.js'
import { shiftsThroughFrontDoor, standInTargetGroupArn } from '../front-door/service-request.js'
import type { Change, Step } from './step.js'

/**
 * 30 s, not ELB's default 300 s: that default makes every deployment wait five minutes per old
 * task for a service whose requests take milliseconds; 0 (the bootcamp's) would cut requests
 * still in flight.
 */
export const DEREGISTRATION_DELAY_SECONDS = 30
const DELAY_REASON = `deregistration delay ${DEREGISTRATION_DELAY_SECONDS} s (ELB's default 300 s would hold every deployment five minutes for requests that take milliseconds; 0 would cut requests in flight)`

/** The health check and settings a routed service's target group must have (the bootcamp's week 7). */
export interface TargetGroupSettings {
  name: string
  protocol: 'HTTP'
  port: number
  targetType: 'ip'
  vpcId: string
  healthCheckPath: string
  intervalSeconds: number
  healthyThreshold: number
  unhealthyThreshold: number
  matcher: string
  deregistrationDelaySeconds: number
}

/** A routed service's wanted target group. Pure. */
export function targetGroupSettings(service: ServiceDeclaration, vpcId: string): TargetGroupSettings {
  if (!service.frontDoor) throw new Error(`${service.name} is not routed through the front door`)
  return {
    name: targetGroupName(service.name),
    protocol: 'HTTP',
    port: service.containerPort,
    targetType: 'ip',
    vpcId,
    healthCheckPath: service.frontDoor.healthCheckPath,
    intervalSeconds: 15,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    matcher: '200-399',
    deregistrationDelaySeconds: DEREGISTRATION_DELAY_SECONDS,
  }
}

/** What cannot change in place (port, protocol, target type, VPC): each difference, as "port 8080 (wanted: 4567)". Pure. */
export function fixedDrift(group: TargetGroup, wanted: TargetGroupSettings): string[] {
  const drift: string[] = []
  const field = (label: string, have: unknown, want: unknown) => {
    if (have !== want) drift.push(`${label} ${String(have)} (wanted: ${String(want)})`)
  }
  field('protocol', group.Protocol, wanted.protocol)
  field('port', group.Port, wanted.port)
  field('target type', group.TargetType, wanted.targetType)
  field('VPC', group.VpcId, wanted.vpcId)
  return drift
}

/** How the health check differs from the wanted one, one phrase per setting. Pure. */
export function healthCheckDrift(group: TargetGroup, wanted: TargetGroupSettings): string[] {
  const drift: string[] = []
  const field = (label: string, have: unknown, want: unknown) => {
    if (have !== want) drift.push(`${label} ${String(have)} (wanted: ${String(want)})`)
  }
  field('health check protocol', group.HealthCheckProtocol, 'HTTP')
  field('health check path', group.HealthCheckPath, wanted.healthCheckPath)
  field('health check interval', group.HealthCheckIntervalSeconds, wanted.intervalSeconds)
  field('healthy threshold', group.HealthyThresholdCount, wanted.healthyThreshold)
  field('unhealthy threshold', group.UnhealthyThresholdCount, wanted.unhealthyThreshold)
  field('matcher', group.Matcher?.HttpCode, wanted.matcher)
  return drift
}

const healthCheck = (wanted: TargetGroupSettings) => ({
  HealthCheckProtocol: 'HTTP' as const,
  HealthCheckPath: wanted.healthCheckPath,
  HealthCheckIntervalSeconds: wanted.intervalSeconds,
  HealthyThresholdCount: wanted.healthyThreshold,
  UnhealthyThresholdCount: wanted.unhealthyThreshold,
  Matcher: { HttpCode: wanted.matcher },
})

const DELAY_KEY = 'deregistration_delay.timeout_seconds'
const delayAttribute = (wanted: TargetGroupSettings) => [{ Key: DELAY_KEY, Value: String(wanted.deregistrationDelaySeconds) }]

/** The plan's and the report's description of a target group. Pure. */
export const describeSettings = (w: TargetGroupSettings): string =>
  `${w.protocol} ${w.port}, target type ${w.targetType}, health check GET ${w.healthCheckPath} every ${w.intervalSeconds} s ` +
  `(healthy ${w.healthyThreshold}, unhealthy ${w.unhealthyThreshold}, ${w.matcher}), ${DELAY_REASON}`

const steps = new Map<string, Step>()

/** The step that creates a service's target group (one object per service, so steps can refer to it). */
export function targetGroupStep(service: ServiceDeclaration): Step {
  const existing = steps.get(service.name)
  if (existing) return existing
  const step: Step = {
    id: `elbv2/create-target-group:${service.name}`,
    command: `elbv2/create-target-group ${service.name}`,
    title: `target group of ${service.name}`,
    needs: [],
    validate() {
      return service.frontDoor
        ? []
        : [`${service.name} is not routed through the front door (its "frontDoor" in ${SERVICES_FILE} is false or absent): it has no target group`]
    },
    async run(ctx) {
      const client = elbv2(ctx)
      const vpcId = ctx.discovered.vpcId ?? (await findDefaultVpc(ctx.client(EC2Client, 'EC2'), ctx.region))
      const main = await ensureGroup(targetGroupSettings(service, vpcId), (arn) => {
        ctx.discovered.targetGroupArns = { ...ctx.discovered.targetGroupArns, [service.name]: arn }
      })
      if (!shiftsThroughFrontDoor(service)) return main
      // CANARY, LINEAR, BLUE_GREEN: ECS starts the new revision's tasks in a second group, the same but for its name.
      const alternate = await ensureGroup({ ...targetGroupSettings(service, vpcId), name: alternateTargetGroupName(service.name) }, (arn) => {
        ctx.discovered.alternateTargetGroupArns = { ...ctx.discovered.alternateTargetGroupArns, [service.name]: arn }
      })
      return [...main, ...alternate.map((c) => ({ ...c, detail: `alternate for ${service.deployment.strategy} deployments: ${c.detail}` }))]

    /** One group as wanted: created, or brought back where it drifted. */
    async function ensureGroup(wanted: TargetGroupSettings, record: (arn: string) => void): Promise<Change[]> {
      const name = wanted.name
      let group = (await findTargetGroups(client, [name])).get(name)
      if (!group) {
        if (ctx.dryRun) {
          record(standInTargetGroupArn(name))
          return [{ resource: 'target group', name, outcome: 'created', detail: describeSettings(wanted) }]
        }
        try {
          group = (
            await client.send(
              new CreateTargetGroupCommand({ Name: name, Protocol: wanted.protocol, Port: wanted.port, TargetType: wanted.targetType, VpcId: vpcId, ...healthCheck(wanted) }),
            )
          ).TargetGroups?.[0]
        } catch (error) {
          // Made by a concurrent run (with other settings, else AWS answers with the same group): read it back.
          if (!awsErrorIs(error, 'DuplicateTargetGroupName') && !awsErrorIs(error, 'DuplicateTargetGroupNameException')) throw error
          group = (await findTargetGroups(client, [name])).get(name)
          if (!group) throw error
          return converge(group)
        }
        if (!group?.TargetGroupArn) throw new Error(`target group ${name}: CreateTargetGroup answered no ARN`)
        record(group.TargetGroupArn)
        await client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: group.TargetGroupArn, Attributes: delayAttribute(wanted) }))
        return [{ resource: 'target group', name, outcome: 'created', detail: describeSettings(wanted) }]
      }
      return converge(group)

      /** An existing group: what cannot change is a fault; the health check and the delay are brought back when they drifted. */
      async function converge(found: TargetGroup): Promise<Change[]> {
        const arn = found.TargetGroupArn as string
        record(arn)
        const change: Change = { resource: 'target group', name, outcome: 'unchanged', detail: describeSettings(wanted) }
        const fixed = fixedDrift(found, wanted)
        if (fixed.length > 0) {
          change.detail = `${fixed.join('; ')}`
          change.fault =
            `${fixed.join(', ')}: a target group's port, protocol, target type and VPC cannot change in place; ` +
            `delete it (ECS_SERVICES=${service.name} ./scripts/teardown removes the service and its target group) and run ./scripts/provision`
          change.warning = change.fault
          return [change]
        }
        const attributes = (await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }))).Attributes ?? []
        const delay = attributes.find((a) => a.Key === DELAY_KEY)?.Value
        const health = healthCheckDrift(found, wanted)
        const delayDrift = delay === String(wanted.deregistrationDelaySeconds) ? [] : [`deregistration delay ${delay ?? 'unset'} s (wanted: ${wanted.deregistrationDelaySeconds})`]
        if (health.length === 0 && delayDrift.length === 0) return [change]
        if (!ctx.dryRun) {
          if (health.length) await client.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, ...healthCheck(wanted) }))
          if (delayDrift.length) await client.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: delayAttribute(wanted) }))
        }
        return [{ ...change, outcome: 'updated', detail: `drifted, put back: ${[...health, ...delayDrift].join('; ')}` }]
      }
    }
    },
  }
  steps.set(service.name, step)
  return step
}
