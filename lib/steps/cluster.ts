// The ECS cluster the services run in, with Service Connect's default namespace: the guide's
// `aws ecs create-cluster --cluster-name cruddur --service-connect-defaults namespace=cruddur`.
import { CreateClusterCommand, DescribeClustersCommand, ECSClient, UpdateClusterCommand, type Cluster } from '@aws-sdk/client-ecs'
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

/** The tags the kit's resources carry, so the bill and Security Hub can tell them apart (ECS.13). */
export const CLUSTER_TAGS = [{ key: 'project', value: 'cruddur' }]

export const clusterStep: Step = {
  id: 'ecs/create-cluster',
  title: 'ECS cluster',
  needs: [],
  async run(ctx) {
    const ecs = ctx.client(ECSClient, 'ECS')
    const { cluster: name, namespace } = ctx.names
    const described = await ecs.send(new DescribeClustersCommand({ clusters: [name] }))
    const existing: Cluster | undefined = described.clusters?.find((c) => c.clusterName === name)
    const failure = described.failures?.find((f) => f.reason !== 'MISSING')
    if (!existing && failure) throw new CheckFailed(`cannot describe ECS cluster ${name}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`)
    const detail = `Service Connect namespace ${namespace}`
    const change = (outcome: Change['outcome'], text = detail): Change => ({ resource: 'ecs cluster', name, outcome, detail: text })

    // Missing (failures[] reason MISSING) or deleted (INACTIVE): create. CreateCluster is safe
    // to repeat, so a concurrent run creating it first is harmless.
    if (!existing || existing.status === 'INACTIVE') {
      if (!ctx.dryRun) {
        await ecs.send(new CreateClusterCommand({ clusterName: name, serviceConnectDefaults: { namespace }, tags: CLUSTER_TAGS }))
      }
      return [change('created', existing ? `${detail} (the previous cluster of that name was deleted)` : detail)]
    }
    if (existing.status === 'FAILED' || existing.status === 'DEPROVISIONING') {
      throw new CheckFailed(
        `ECS cluster ${name} is ${existing.status}: wait until it is INACTIVE (or delete it) and re-run`,
      )
    }
    const reported = existing.serviceConnectDefaults?.namespace
    if (namespaceDiffers(reported, namespace)) {
      if (!ctx.dryRun) {
        await ecs.send(new UpdateClusterCommand({ cluster: name, serviceConnectDefaults: { namespace } }))
      }
      return [change('updated', `${detail} (was ${reported})`)]
    }
    return [change('unchanged', reported && reported !== namespace ? `Service Connect namespace ${reported}` : detail)]
  },
}
