// Teardown of the ECS side, the mirror of lib/steps/ecs-service.ts, cluster.ts and
// task-definition.ts: services scaled to 0, deleted and waited for until INACTIVE; then the
// cluster; then every revision of the kit's task-definition families, deregistered and deleted.
import {
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  paginateListServices,
  paginateListTaskDefinitions,
  UpdateServiceCommand,
  type Service,
  type TaskDefinitionStatus,
} from '@aws-sdk/client-ecs'
import { awsErrorIs } from '../aws/clients.js'
import { KitError } from '../core/errors.js'
import { SERVICES_FILE } from '../config/services.js'
import { familyOf } from '../steps/ecs-service.js'
import type { Step, StepContext } from '../steps/step.js'
import { alreadyGone, deleted, pollUntil, revisionList, TEARDOWN_IDS, type TeardownOptions, type TeardownStep } from './options.js'

const clusterMissing = (error: unknown): boolean => awsErrorIs(error, 'ClusterNotFoundException')
const serviceMissing = (error: unknown): boolean => awsErrorIs(error, /^Service(NotFound|NotActive)Exception$/)

/** The service as ECS reports it, or undefined when it (or its cluster) does not exist. */
async function describeService(ecs: ECSClient, cluster: string, name: string): Promise<Service | undefined> {
  try {
    const found = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))
    const failure = found.failures?.find((f) => f.reason !== 'MISSING')
    if (failure) throw new KitError(`cannot describe ECS service ${name}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`)
    return found.services?.find((s) => s.serviceName === name)
  } catch (error) {
    if (clusterMissing(error)) return undefined
    throw error
  }
}

/** Whether a service is gone for teardown's purposes: missing, or INACTIVE. Pure. */
export const serviceGone = (service: Pick<Service, 'status'> | undefined): boolean => service === undefined || service.status === 'INACTIVE'

/**
 * A service: scaled to 0 (ECS refuses to delete a running service otherwise), deleted, and
 * waited for until INACTIVE. The SDK's waitUntilServicesInactive is not used: it succeeds when
 * ANY of the services it is given is INACTIVE and fails on MISSING, which is what a service
 * deleted long ago reports, and it polls no faster than every 15 s.
 */
export function deleteServiceStep(name: string, options: TeardownOptions, needs: readonly Step[]): Step {
  return {
    id: TEARDOWN_IDS.service(name),
    title: `delete ECS service ${name}`,
    // Its cluster, task definition and security group (as provisioning has it): they go after it.
    needs,
    async run(ctx: StepContext) {
      const ecs = ctx.client(ECSClient, 'ECS')
      const cluster = ctx.names.cluster
      const service = await describeService(ecs, cluster, name)
      if (serviceGone(service)) return [alreadyGone('ecs service', name, service ? 'INACTIVE (deleted)' : `not in cluster ${cluster}`)]
      const desired = service?.desiredCount ?? 0
      const draining = service?.status === 'DRAINING'
      const plan = draining ? 'draining: wait until INACTIVE' : `in cluster ${cluster}: desired ${desired} → 0, delete, wait until INACTIVE`
      if (ctx.dryRun) return [deleted('ecs service', name, plan)]

      if (!draining) {
        try {
          if (desired > 0) await ecs.send(new UpdateServiceCommand({ cluster, service: name, desiredCount: 0 }))
          await ecs.send(new DeleteServiceCommand({ cluster, service: name }))
        } catch (error) {
          // Deleted by someone else (or a run killed half-way) between our read and our write.
          if (!serviceMissing(error) && !clusterMissing(error)) throw error
        }
      }
      const { seconds } = await pollUntil(
        `ECS service ${name} to become INACTIVE`,
        async () => (serviceGone(await describeService(ecs, cluster, name)) ? true : undefined),
        options,
      )
      return [deleted('ecs service', name, `in cluster ${cluster} (was desired ${desired}); INACTIVE after ${seconds.toFixed(1)}s`)]
    },
  }
}

/** The services among `names` that exist in the cluster (not INACTIVE), with their status; none when the cluster is missing. */
export async function liveServices(ecs: ECSClient, cluster: string, names: readonly string[]): Promise<Array<{ name: string; status: string }>> {
  const live: Array<{ name: string; status: string }> = []
  for (let i = 0; i < names.length; i += 10) {
    let found
    try {
      found = await ecs.send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10) }))
    } catch (error) {
      if (clusterMissing(error)) return []
      throw error
    }
    for (const s of found.services ?? []) if (s.serviceName && s.status !== 'INACTIVE') live.push({ name: s.serviceName, status: s.status ?? 'ACTIVE' })
  }
  return live.sort((a, b) => a.name.localeCompare(b.name))
}

/** Services in the cluster that are not INACTIVE and not among `ours`: they keep the cluster from being deleted. */
async function otherServices(ecs: ECSClient, cluster: string, ours: readonly string[]): Promise<string[]> {
  const names: string[] = []
  try {
    for await (const page of paginateListServices({ client: ecs }, { cluster })) {
      names.push(...(page.serviceArns ?? []).map((arn) => arn.split('/').pop() as string).filter((n) => !ours.includes(n)))
    }
  } catch (error) {
    if (clusterMissing(error)) return []
    throw error
  }
  return (await liveServices(ecs, cluster, names)).map((s) => s.name)
}

/** Why the cluster cannot go while these services run in it, or undefined. Pure. */
export function clusterBlocked(cluster: string, others: readonly string[], selected: readonly string[], declared: readonly string[]): string | undefined {
  if (others.length === 0) return undefined
  const unknown = others.filter((name) => !declared.includes(name))
  const known = others.filter((name) => declared.includes(name))
  const parts = [
    ...(unknown.length ? [`${unknown.join(', ')}, which ${SERVICES_FILE} does not declare: delete ${unknown.length === 1 ? 'it' : 'them'}`] : []),
    ...(known.length ? [`${known.join(', ')}, not in ECS_SERVICES (${selected.join(', ')}): add ${known.length === 1 ? 'it' : 'them'} to ECS_SERVICES`] : []),
  ]
  return `ECS cluster ${cluster} also runs ${parts.join('; and ')}, then re-run teardown`
}

/**
 * The cluster, once the services in it are gone (its namespace goes after it). Shared: a teardown of some services keeps it
 * while another declared service exists. A service the kit does not know keeps it (and says so).
 */
export function deleteClusterStep(declared: readonly string[], needs: readonly Step[] = []): TeardownStep {
  return {
    id: TEARDOWN_IDS.cluster,
    title: 'delete ECS cluster',
    // Its Service Connect namespace (lib/teardown/namespace.ts): it goes after the cluster.
    needs,
    shared: true,
    async run(ctx) {
      const ecs = ctx.client(ECSClient, 'ECS')
      const name = ctx.names.cluster
      const described = await ecs.send(new DescribeClustersCommand({ clusters: [name] }))
      const existing = described.clusters?.find((c) => c.clusterName === name && c.status !== 'INACTIVE')
      if (!existing) return [alreadyGone('ecs cluster', name)]
      const detail = `${existing.status}, Service Connect namespace ${existing.serviceConnectDefaults?.namespace ?? 'none'}`
      const blocked = clusterBlocked(name, await otherServices(ecs, name, ctx.names.services), ctx.names.services, declared)
      if (ctx.dryRun) return [deleted('ecs cluster', name, blocked ? `${detail}; but it ${blocked.slice(blocked.indexOf('also runs'))}` : detail)]
      if (blocked) throw new KitError(blocked)
      try {
        await ecs.send(new DeleteClusterCommand({ cluster: name }))
      } catch (error) {
        if (clusterMissing(error)) return [alreadyGone('ecs cluster', name)]
        if (awsErrorIs(error, 'ClusterContainsServicesException')) {
          throw new KitError(`ECS cluster ${name} still has services (draining?): re-run teardown in a minute`)
        }
        if (awsErrorIs(error, 'ClusterContainsTasksException')) {
          throw new KitError(`ECS cluster ${name} still runs tasks started outside a service (run-task): stop them, then re-run teardown`)
        }
        throw error
      }
      return [deleted('ecs cluster', name, detail)]
    },
  }
}

/** The revision number of a task-definition ARN. Pure. */
export const revisionOf = (arn: string): number => Number(arn.split(':').pop())

async function revisions(ecs: ECSClient, family: string, status: TaskDefinitionStatus): Promise<string[]> {
  const arns: string[] = []
  for await (const page of paginateListTaskDefinitions({ client: ecs }, { familyPrefix: family, status })) {
    // familyPrefix is an exact family in ECS; the check keeps a look-alike family out anyway.
    arns.push(...(page.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family))
  }
  return arns
}

const DELETE_BATCH = 10

/**
 * Every revision of a family: the ACTIVE ones deregistered, then all of them deleted
 * (DeleteTaskDefinitions, which takes only INACTIVE revisions, ten at a time). A run killed
 * between the two finds INACTIVE revisions and deletes them.
 */
export function deregisterTaskDefinitionStep(family: string, needs: readonly Step[]): Step {
  return {
    id: TEARDOWN_IDS.taskDefinition(family),
    title: `deregister and delete task definition ${family}`,
    // The roles and the log group (as provisioning has it), and the data steps under --all.
    needs,
    async run(ctx) {
      const ecs = ctx.client(ECSClient, 'ECS')
      const [active, inactive] = await Promise.all([revisions(ecs, family, 'ACTIVE'), revisions(ecs, family, 'INACTIVE')])
      if (active.length === 0 && inactive.length === 0) return [alreadyGone('task definition', family, 'no revision left')]
      const parts = [
        ...(active.length ? [`${revisionList(active.map(revisionOf))} deregistered`] : []),
        `${revisionList([...active, ...inactive].map(revisionOf))} deleted`,
      ]
      if (ctx.dryRun) return [deleted('task definition', family, parts.join(', '))]
      for (const arn of active) {
        try {
          await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }))
        } catch (error) {
          // Deregistered (or deleted) since we listed it.
          if (!awsErrorIs(error, 'ClientException', /inactive|not found|does not exist|unable to describe/i)) throw error
        }
      }
      const all = [...active, ...inactive]
      for (let i = 0; i < all.length; i += DELETE_BATCH) {
        const answer = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: all.slice(i, i + DELETE_BATCH) }))
        // A revision already deleted comes back as a failure that is no failure for teardown.
        const failure = answer.failures?.find((f) => !/does not exist|DELETE_IN_PROGRESS/i.test(f.reason ?? ''))
        if (failure) throw new KitError(`could not delete task definition ${failure.arn?.split('/').pop()}: ${failure.reason}`)
      }
      return [deleted('task definition', family, parts.join(', '))]
    },
  }
}
