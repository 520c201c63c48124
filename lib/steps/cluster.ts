// The ECS cluster the services run in, with Service Connect's default namespace: the guide's
// `aws ecs create-cluster --cluster-name cruddur --service-connect-defaults namespace=cruddur`;
// and Container Insights on when a service's rollback alarms watch its task counts, which only
// Container Insights reports (ECS/ContainerInsights RunningTaskCount, DesiredTaskCount).
import { CreateClusterCommand, DescribeClustersCommand, ECSClient, UpdateClusterCommand, type Cluster, type ClusterSetting } from '@aws-sdk/client-ecs'
import { watchesTaskCount, type ServiceDeclaration } from '../config/services.js'
import { CheckFailed } from '../core/errors.js'
import type { Change, Step } from './step.js'

const ARN = /^arn:[^:]+:servicediscovery:/

/**
 * Whether the cluster's default namespace differs from the one wanted. Real ECS reports the
 * namespace as its Cloud Map ARN even when it was set by name; a name cannot be compared with
 * an ARN without Cloud Map, so only like is compared with like. Nothing reported: no drift
 * (emulators may leave the field out). Pure.
 */
export function namespaceDiffers(reported: string | undefined, wanted: string): boolean {
  if (reported === undefined || reported === '') return false
  if (ARN.test(reported) !== ARN.test(wanted)) return false
  return reported !== wanted
}

/**
 * Whether the cluster needs Container Insights: some service has the tasks-below-desired
 * rollback alarm, whose metrics only Container Insights sends. Pure.
 */
export function wantsContainerInsights(services: ReadonlyArray<Pick<ServiceDeclaration, 'rollbackAlarms'>>): boolean {
  return services.some(watchesTaskCount)
}

/** The setting CreateCluster and UpdateCluster get: `enabled` (standard metrics; `enhanced` also bills per container). */
export const CONTAINER_INSIGHTS: ClusterSetting = { name: 'containerInsights', value: 'enabled' }

/** Whether the cluster's settings have Container Insights on (enabled, or enhanced: more than asked, kept). Pure. */
export function containerInsightsOn(settings: readonly ClusterSetting[] | undefined): boolean {
  const value = settings?.find((s) => s.name === CONTAINER_INSIGHTS.name)?.value
  return value === 'enabled' || value === 'enhanced'
}

/** The tags the kit's resources carry, so the bill and Security Hub can tell them apart (ECS.13). */
export const CLUSTER_TAGS = [{ key: 'project', value: 'cruddur' }]

export const clusterStep: Step = {
  id: 'ecs/create-cluster',
  title: 'ECS cluster',
  needs: [],
  async run(ctx) {
    const ecs = ctx.client(ECSClient, 'ECS')
    const { cluster: name, namespace } = ctx.names
    // Settings only come back when asked for.
    const described = await ecs.send(new DescribeClustersCommand({ clusters: [name], include: ['SETTINGS'] }))
    const existing: Cluster | undefined = described.clusters?.find((c) => c.clusterName === name)
    const failure = described.failures?.find((f) => f.reason !== 'MISSING')
    if (!existing && failure) throw new CheckFailed(`cannot describe ECS cluster ${name}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`)
    const insights = wantsContainerInsights(ctx.services)
    const insightsText = 'Container Insights enabled (for the tasks-below-desired alarms)'
    const detail = `Service Connect namespace ${namespace}${insights ? `, ${insightsText}` : ''}`
    const change = (outcome: Change['outcome'], text = detail): Change => ({ resource: 'ecs cluster', name, outcome, detail: text })

    // Missing (failures[] reason MISSING) or deleted (INACTIVE): create. CreateCluster is safe
    // to repeat, so a concurrent run creating it first is harmless.
    if (!existing || existing.status === 'INACTIVE') {
      if (!ctx.dryRun) {
        await ecs.send(
          new CreateClusterCommand({ clusterName: name, serviceConnectDefaults: { namespace }, ...(insights ? { settings: [CONTAINER_INSIGHTS] } : {}), tags: CLUSTER_TAGS }),
        )
      }
      return [change('created', existing ? `${detail} (the previous cluster of that name was deleted)` : detail)]
    }
    if (existing.status === 'FAILED' || existing.status === 'DEPROVISIONING') {
      throw new CheckFailed(
        `ECS cluster ${name} is ${existing.status}: wait until it is INACTIVE (or delete it) and re-run`,
      )
    }
    const reported = existing.serviceConnectDefaults?.namespace
    const namespaceDrift = namespaceDiffers(reported, namespace)
    // Turned on only, never off: a cluster someone turned it on for keeps it.
    const insightsDrift = insights && !containerInsightsOn(existing.settings)
    if (namespaceDrift || insightsDrift) {
      if (!ctx.dryRun) {
        // UpdateCluster takes both (UpdateClusterSettings would take only the setting).
        await ecs.send(
          new UpdateClusterCommand({
            cluster: name,
            ...(namespaceDrift ? { serviceConnectDefaults: { namespace } } : {}),
            ...(insightsDrift ? { settings: [CONTAINER_INSIGHTS] } : {}),
          }),
        )
      }
      const was = existing.settings?.find((s) => s.name === CONTAINER_INSIGHTS.name)?.value ?? 'not set'
      const parts = [
        ...(namespaceDrift ? [`Service Connect namespace ${namespace} (was ${reported})`] : []),
        ...(insightsDrift ? [`${insightsText} (was ${was})`] : []),
      ]
      return [change('updated', parts.join(', '))]
    }
    const namespaceText = reported && reported !== namespace ? `Service Connect namespace ${reported}` : `Service Connect namespace ${namespace}`
    const on = containerInsightsOn(existing.settings)
    return [change('unchanged', `${namespaceText}${on ? `, Container Insights ${existing.settings?.find((s) => s.name === CONTAINER_INSIGHTS.name)?.value}` : ''}`)]
  },
}
