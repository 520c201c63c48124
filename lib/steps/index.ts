// Every provisioning step of the guide, in the guide's order. provision runs them by their
// `needs`, so the order here only decides how reports are listed.
import type { KitNames } from '../config/names.js'
import type { Step } from './step.js'
import { clusterStep } from './cluster.js'
import { ecrRepositoriesStep } from './ecr-repositories.js'
import { serviceStep } from './ecs-service.js'
import { iamRolesStep } from './iam-roles.js'
import { logGroupStep } from './log-group.js'
import { securityGroupStep } from './security-group.js'
import { ssmParametersStep } from './ssm-parameters.js'
import { taskDefinitionStep } from './task-definition.js'

export function allSteps(names: KitNames): Step[] {
  return [
    logGroupStep,
    clusterStep,
    ecrRepositoriesStep,
    ssmParametersStep,
    iamRolesStep,
    ...names.services.map((family) => taskDefinitionStep(family)),
    securityGroupStep,
    ...names.services.map((name) => serviceStep(name)),
  ]
}
