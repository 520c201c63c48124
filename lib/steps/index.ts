// Every provisioning step of the guide, in the guide's order, then the front door (the
// bootcamp's week 7) when a service is routed through it. provision runs them by their
// `needs`, so the order here only decides how reports are listed.
import type { ServiceDeclaration } from '../config/services.js'
import { routedServices } from '../front-door/routes.js'
import type { Step } from './step.js'
import { autoScalingStep } from './auto-scaling.js'
import { certificateStep } from './certificate.js'
import { clusterStep } from './cluster.js'
import { dnsRecordsStep } from './dns-records.js'
import { ecrRepositoriesStep } from './ecr-repositories.js'
import { serviceStep } from './ecs-service.js'
import { iamRolesStep } from './iam-roles.js'
import { listenersStep } from './listeners.js'
import { loadBalancerStep } from './load-balancer.js'
import { loadBalancerSecurityGroupStep } from './load-balancer-security-group.js'
import { logGroupStep } from './log-group.js'
import { securityGroupStep } from './security-group.js'
import { ssmParametersStep } from './ssm-parameters.js'
import { targetGroupStep } from './target-group.js'
import { rollbackAlarmsStep } from './rollback-alarms.js'
import { taskDefinitionStep } from './task-definition.js'

/** The front door's steps for the routed services among these (none when none is routed). */
export function frontDoorSteps(services: readonly ServiceDeclaration[]): Step[] {
  const routed = routedServices(services)
  if (routed.length === 0) return []
  return [loadBalancerSecurityGroupStep, loadBalancerStep, ...routed.map(targetGroupStep), certificateStep, listenersStep(routed), dnsRecordsStep]
}

export function allSteps(services: readonly ServiceDeclaration[]): Step[] {
  return [
    logGroupStep,
    clusterStep,
    ecrRepositoriesStep,
    ssmParametersStep,
    iamRolesStep,
    ...services.map(taskDefinitionStep),
    securityGroupStep,
    ...frontDoorSteps(services),
    ...services.filter((s) => s.rollbackAlarms).map(rollbackAlarmsStep),
    ...services.map(serviceStep),
    ...services.filter((s) => s.scaling).map(autoScalingStep),
  ]
}
