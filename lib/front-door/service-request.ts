// What a service should be, as ECS's CreateService input: its file (json/service-NAME.json)
// rendered, and, for a service the front door routes to, its target group and the grace
// period its declaration states. The service step, deploy and diff all start from this, so
// the load balancer is never a hand-copied ARN in a file.
import type { CreateServiceCommandInput } from '@aws-sdk/client-ecs'
import type { ServiceDeclaration } from '../config/services.js'
import type { StepContext } from '../steps/step.js'
import { rollbackAlarmNames } from '../steps/rollback-alarms.js'

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
export function serviceRequest(ctx: Pick<StepContext, 'render' | 'discovered'>, service: ServiceDeclaration): CreateServiceCommandInput {
  return withRollbackAlarms(withFrontDoor(ctx.render(service.serviceFile) as CreateServiceCommandInput, service, ctx.discovered.targetGroupArns?.[service.name]), service)
}
