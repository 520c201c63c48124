// Every provisioning step of the guide, in the guide's order. provision runs them by their
// `needs`, so the order here only decides how reports are listed.
import type { ServiceDeclaration } from '../config/services.js'
import type { Step } from './step.js'
import { clusterStep } from './cluster.js'
import { ecrRepositoriesStep } from './ecr-repositories.js'
import { serviceStep } from './ecs-service.js'
import { iamRolesStep } from './iam-roles.js'
import { logGroupStep } from './log-group.js'
import { securityGroupStep } from './security-group.js'
import { ssmParametersStep } from './ssm-parameters.js'
import { taskDefinitionStep } from './task-definition.js'

export function allSteps(services: readonly ServiceDeclaration[]): Step[] {
  return [
    logGroupStep,
    clusterStep,
    ecrRepositoriesStep,
    ssmParametersStep,
    iamRolesStep,
    ...services.map(taskDefinitionStep),
    securityGroupStep,
    ...services.map(serviceStep),
  ]
}
