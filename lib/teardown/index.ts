// Everything the kit made, as teardown steps. Each teardown step needs what its provisioning
// step needs (a service needs its cluster, task definition and security group; a task
// definition its roles and log group, and the repositories and parameters it refers to), and
// they run in REVERSE dependency order: what refers to a resource goes before the resource.
import type { KitNames } from '../config/names.js'
import type { Step } from '../steps/step.js'
import { deleteParametersStep, deleteRepositoriesStep } from './data.js'
import { deleteClusterStep, deleteServiceStep, deregisterTaskDefinitionStep } from './ecs.js'
import { deleteRolesStep } from './iam-roles.js'
import { deleteLogGroupStep } from './log-group.js'
import type { TeardownOptions } from './options.js'
import { deleteSecurityGroupStep } from './security-group.js'

/** The steps deleting the data (teardown --all): the ECR repositories and the SSM parameters. */
export const dataSteps = (): Step[] => [deleteRepositoriesStep(), deleteParametersStep()]

/** The teardown steps for the selected services (ECS_SERVICES), in the order they are reported. */
export function teardownSteps(names: Pick<KitNames, 'services'>, options: TeardownOptions): Step[] {
  const services = [...new Set(names.services)]
  const data = options.all ? dataSteps() : []
  const cluster = deleteClusterStep()
  const securityGroup = deleteSecurityGroupStep(options)
  const roles = deleteRolesStep()
  const logGroup = deleteLogGroupStep()
  const taskDefinitions = new Map(services.map((family) => [family, deregisterTaskDefinitionStep(family, [roles, logGroup, ...data])]))
  return [
    ...services.map((name) => deleteServiceStep(name, options, [cluster, taskDefinitions.get(name) as Step, securityGroup])),
    cluster,
    ...taskDefinitions.values(),
    securityGroup,
    roles,
    logGroup,
    ...data,
  ]
}

export { TEARDOWN_IDS, DEFAULT_TEARDOWN, type TeardownOptions } from './options.js'
