// What a service should be, as ECS's CreateService input: its file (json/service-NAME.json)
// rendered, and, for a service the front door routes to, its target group and the grace
// period its declaration states. The service step, deploy and diff all start from this, so
// the load balancer is never a hand-copied ARN in a file.
import type { CreateServiceCommandInput } from '@aws-sdk/client-ecs'
import type { ServiceDeclaration } from '../config/services.js'
import type { StepContext } from '../steps/step.js'
import { rollbackAlarmNames } from '../steps/rollback-alarms.js'
import { roleArn } from '../aws/arns.js'
import { TRAFFIC_SHIFT_ROLE } from '../steps/iam-roles.js'

/** A dry run's stand-in for a listener rule the run would create. */
export const standInRuleArn = (name: string): string => `(new listener rule ${name})`

/** A dry run's stand-in for a target group the run would create. */
export const standInTargetGroupArn = (name: string): string => `(new target group ${name})`

/**
 * The service file's request with the front door added: loadBalancers (the service's main
 * container, named after it, on its declared port) and healthCheckGracePeriodSeconds. A
 * service that is not routed, or whose target group is not known, is returned as rendered. Pure.
 */
export function withFrontDoor(wanted: CreateServiceCommandInput, service: ServiceDeclaration, targetGroupArn: string | undefined): CreateServiceCommandInput {
  if (!service.frontDoor || !targetGroupArn) return wanted
  return {
    ...wanted,
    loadBalancers: [{ targetGroupArn, containerName: service.name, containerPort: service.containerPort }],
    healthCheckGracePeriodSeconds: service.frontDoor.healthCheckGracePeriodSeconds,
  }
}

/**
 * The request with the service's rollback alarms (lib/steps/rollback-alarms.ts) in its
 * deploymentConfiguration: ECS rolls a deployment back when one of them is in ALARM during it.
 * The file's other deployment settings are kept. A service opting out is returned as is. Pure.
 */
export function withRollbackAlarms(wanted: CreateServiceCommandInput, service: ServiceDeclaration): CreateServiceCommandInput {
  const alarmNames = rollbackAlarmNames(service)
  if (alarmNames.length === 0) return wanted
  return { ...wanted, deploymentConfiguration: { ...wanted.deploymentConfiguration, alarms: { alarmNames, enable: true, rollback: true } } }
}

/** A service's wanted request in this run's context (the front door as ctx.discovered knows it: see resolveFrontDoor). */
export function serviceRequest(ctx: Pick<StepContext, 'render' | 'discovered' | 'accountId' | 'region'>, service: ServiceDeclaration): CreateServiceCommandInput {
  const request = withFrontDoor(ctx.render(service.serviceFile) as CreateServiceCommandInput, service, ctx.discovered.targetGroupArns?.[service.name])
  return withRollbackAlarms(withStrategy(request, service, trafficShiftResources(ctx, service)), service)
}

/** Whether ECS shifts this service's traffic itself (CANARY, LINEAR, BLUE_GREEN): not ROLLING. Pure. */
export const shiftsTraffic = (service: Pick<ServiceDeclaration, 'deployment'>): boolean => service.deployment.strategy !== 'ROLLING'

/** Whether the service's strategy shifts traffic through the front door's listener rule (else through Service Connect). Pure. */
export const shiftsThroughFrontDoor = (service: Pick<ServiceDeclaration, 'deployment' | 'frontDoor'>): boolean => shiftsTraffic(service) && service.frontDoor !== undefined

/** What ECS needs to shift a routed service's traffic: loadBalancers[].advancedConfiguration. */
export interface TrafficShiftResources {
  alternateTargetGroupArn?: string
  productionListenerRule?: string
  roleArn?: string
}

/**
 * The declared strategy in the request: deploymentConfiguration.strategy with its bake time and
 * canary or linear configuration. ROLLING is ECS's default and leaves the file's request as it
 * is (the circuit breaker with rollback). The others drop the circuit breaker (ECS applies it to
 * ROLLING only) and, behind the front door, give the load balancer entry its
 * advancedConfiguration (the alternate target group, the production listener rule, the role
 * ECS changes the rule with) once all three are known. No test listener rule: test traffic would
 * need a second listener port open to INGRESS_CIDR, and ECS skips the test-traffic stage without
 * one. Without the front door, ECS shifts through Service Connect (test traffic by header). Pure.
 */
export function withStrategy(wanted: CreateServiceCommandInput, service: ServiceDeclaration, resources: TrafficShiftResources): CreateServiceCommandInput {
  const d = service.deployment
  if (d.strategy === 'ROLLING') return wanted
  const { deploymentCircuitBreaker: _breaker, ...rest } = wanted.deploymentConfiguration ?? {}
  const deploymentConfiguration = {
    ...rest,
    strategy: d.strategy,
    bakeTimeInMinutes: d.bakeMinutes,
    ...(d.strategy === 'CANARY' ? { canaryConfiguration: { canaryPercent: d.canaryPercent, canaryBakeTimeInMinutes: d.canaryBakeMinutes } } : {}),
    ...(d.strategy === 'LINEAR' ? { linearConfiguration: { stepPercent: d.stepPercent, stepBakeTimeInMinutes: d.stepBakeMinutes } } : {}),
  }
  const { alternateTargetGroupArn, productionListenerRule, roleArn } = resources
  const advanced = service.frontDoor && alternateTargetGroupArn && productionListenerRule && roleArn
  const loadBalancers = advanced
    ? (wanted.loadBalancers ?? []).map((lb) => ({ ...lb, advancedConfiguration: { alternateTargetGroupArn, productionListenerRule, roleArn } }))
    : wanted.loadBalancers
  return { ...wanted, deploymentConfiguration, ...(loadBalancers ? { loadBalancers } : {}) }
}

/** The resources of a service's strategy this run's context knows (recorded by the steps, or resolved). */
export function trafficShiftResources(ctx: Pick<StepContext, 'discovered' | 'accountId' | 'region'>, service: ServiceDeclaration): TrafficShiftResources {
  return {
    alternateTargetGroupArn: ctx.discovered.alternateTargetGroupArns?.[service.name],
    productionListenerRule: ctx.discovered.productionRuleArns?.[service.name],
    roleArn: roleArn(ctx.accountId, ctx.region, TRAFFIC_SHIFT_ROLE),
  }
}
