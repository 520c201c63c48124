// Everything the kit made, as teardown steps. Each teardown step needs what its provisioning
// step needs (a service needs its cluster, task definition, security group and target group; a
// task definition its roles and log group, and the repositories and parameters it refers to;
// the listeners their load balancer, target groups and certificate; the load balancer and the
// services' group the load balancer's group; the cluster its Service Connect namespace), and
// they run in REVERSE dependency order: what refers to a resource goes before the resource.
// A teardown of some of the declared services deletes what is theirs alone, and keeps what is
// shared (a step's `shared`) while another declared service exists (./shared.ts).
import type { KitNames } from '../config/names.js'
import { declaredServices, type ServiceDeclaration } from '../config/services.js'
import type { Step } from '../steps/step.js'
import { deleteParametersStep, deleteRepositoriesStep, deleteSharedParametersStep, deleteSharedRepositoriesStep } from './data.js'
import { deleteClusterStep, deleteServiceStep, deregisterTaskDefinitionStep } from './ecs.js'
import { deleteRolesStep } from './iam-roles.js'
import { deleteLogGroupStep } from './log-group.js'
import { deregisterScalableTargetStep } from './auto-scaling.js'
import { deleteRollbackAlarmsStep } from './alarms.js'
import type { TeardownOptions, TeardownStep } from './options.js'
import { deleteCertificateStep, deleteDnsRecordsStep, deleteListenersStep, deleteLoadBalancerStep, deleteTargetGroupStep } from './front-door.js'
import { deleteNamespaceStep } from './namespace.js'
import { deleteLoadBalancerSecurityGroupStep, deleteSecurityGroupStep } from './security-group.js'
import { keptWhileUsed } from './shared.js'

type Declared = ReadonlyArray<Pick<ServiceDeclaration, 'name' | 'repository' | 'frontDoor'>>

/** The steps deleting the data (teardown --all): the selected services' repositories and parameters, and the shared ones. */
function dataSteps(selected: readonly string[], declared: Declared): TeardownStep[] {
  const all = declared.map((s) => s.name)
  return [
    deleteRepositoriesStep(selected, declared),
    deleteSharedRepositoriesStep(selected, declared),
    deleteParametersStep(selected, all),
    deleteSharedParametersStep(all),
  ]
}

/** The teardown steps for the selected services (ECS_SERVICES), in the order they are reported. */
export function teardownSteps(names: Pick<KitNames, 'services'>, options: TeardownOptions, declared: Declared = declaredServices()): TeardownStep[] {
  const services = [...new Set(names.services)]
  const data = options.all ? dataSteps(services, declared) : []
  // The front door: what a routed service (one with a frontDoor, routedServices' rule) is reached by.
  const routed = declared.filter((s) => s.frontDoor !== undefined)
  const targetGroups = new Map(services.filter((name) => routed.some((s) => s.name === name)).map((name) => [name, deleteTargetGroupStep(name, options)]))
  const certificate = options.all ? [deleteCertificateStep(routed, options)] : []
  const loadBalancerGroup = deleteLoadBalancerSecurityGroupStep(options)
  const loadBalancer = deleteLoadBalancerStep(options, [loadBalancerGroup])
  const listeners = deleteListenersStep([loadBalancer, ...targetGroups.values(), ...certificate])
  const dnsRecords = deleteDnsRecordsStep(routed, [loadBalancer])
  const namespace = deleteNamespaceStep(options)

  const cluster = deleteClusterStep(declared.map((s) => s.name), [namespace])
  // The services' group admits the container ports from the load balancer's: it goes first.
  const securityGroup = deleteSecurityGroupStep(options, [loadBalancerGroup])
  const roles = deleteRolesStep()
  const logGroup = deleteLogGroupStep()
  const taskDefinitions = new Map(services.map((family) => [family, deregisterTaskDefinitionStep(family, [roles, logGroup, ...data])]))
  const ownTargetGroup = (name: string): Step[] => (targetGroups.has(name) ? [targetGroups.get(name) as Step] : [])
  const steps: TeardownStep[] = [
    ...services.map(deregisterScalableTargetStep),
    ...services.map(deleteRollbackAlarmsStep),
    ...services.map((name) => deleteServiceStep(name, options, [cluster, taskDefinitions.get(name) as Step, securityGroup, ...ownTargetGroup(name)])),
    dnsRecords,
    listeners,
    ...targetGroups.values(),
    loadBalancer,
    cluster,
    namespace,
    ...taskDefinitions.values(),
    securityGroup,
    loadBalancerGroup,
    roles,
    logGroup,
    ...certificate,
    ...data,
  ]
  // The declared services this teardown leaves: while one of them exists, what is shared stays;
  // what only routed services use (the front door) stays while another routed service exists.
  const others = declared.map((s) => s.name).filter((name) => !services.includes(name))
  const routedOthers = routed.map((s) => s.name).filter((name) => !services.includes(name))
  const frontDoor = new Set<Step>([dnsRecords, listeners, loadBalancer, loadBalancerGroup, ...certificate])
  return steps.map((step) => keptWhileUsed(step, frontDoor.has(step) ? routedOthers : others))
}

/** The ids of the steps deleting data (kept unless --all). Pure. */
export const dataStepIds = (steps: readonly TeardownStep[]): Set<string> => new Set(steps.filter((s) => s.data).map((s) => s.id))

export { TEARDOWN_IDS, DEFAULT_TEARDOWN, type TeardownOptions, type TeardownStep } from './options.js'
