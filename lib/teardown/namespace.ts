// The Service Connect namespace: ECS makes it in Cloud Map (an HTTP namespace) when the cluster
// is created with --service-connect-defaults namespace=<name>, and deleting the cluster leaves
// it. Teardown deletes it after the cluster: its Cloud Map services first (ECS may leave them,
// with instances), then the namespace, an operation polled until it succeeds.
//
// Only the namespace the kit names (SERVICE_CONNECT_NAMESPACE, a name) and of the type ECS makes
// (HTTP). A namespace given as an ARN was made before the kit ran, by the user, and may serve
// more than this stack: teardown keeps it and says so. One another cluster still uses as its
// default is kept too.
import { DescribeClustersCommand, ECSClient, paginateListClusters } from '@aws-sdk/client-ecs'
import {
  DeleteNamespaceCommand,
  DeleteServiceCommand,
  DeregisterInstanceCommand,
  GetOperationCommand,
  paginateListInstances,
  paginateListNamespaces,
  paginateListServices,
  ServiceDiscoveryClient,
  type NamespaceSummary,
} from '@aws-sdk/client-servicediscovery'
import { awsErrorIs } from '../aws/clients.js'
import { KitError } from '../core/errors.js'
import type { Change } from '../steps/step.js'
import { alreadyGone, deleted, pollUntil, TEARDOWN_IDS, type TeardownOptions, type TeardownStep } from './options.js'

const ARN = /^arn:[^:]+:servicediscovery:/
const missing = (error: unknown): boolean => awsErrorIs(error, /^(NamespaceNotFound|ServiceNotFound|InstanceNotFound)(Exception)?$/)

/** Wait for a Cloud Map operation to succeed; its error when it fails. */
async function operationDone(sd: ServiceDiscoveryClient, operationId: string | undefined, action: string, options: TeardownOptions): Promise<void> {
  if (!operationId) return
  await pollUntil(
    `Cloud Map to ${action}`,
    async () => {
      const op = (await sd.send(new GetOperationCommand({ OperationId: operationId }))).Operation
      if (op?.Status === 'FAIL') throw new KitError(`Cloud Map could not ${action}: ${op.ErrorCode ?? ''} ${op.ErrorMessage ?? ''}`.trim())
      return op?.Status === 'SUCCESS' ? true : undefined
    },
    options,
  )
}

/** The ECS clusters other than ours (ACTIVE) whose Service Connect default is this namespace. */
async function otherClustersUsing(ecs: ECSClient, ours: string, namespace: NamespaceSummary): Promise<string[]> {
  const arns: string[] = []
  for await (const page of paginateListClusters({ client: ecs }, {})) arns.push(...(page.clusterArns ?? []))
  const users: string[] = []
  for (let i = 0; i < arns.length; i += 100) {
    const clusters = (await ecs.send(new DescribeClustersCommand({ clusters: arns.slice(i, i + 100) }))).clusters ?? []
    for (const c of clusters) {
      const used = c.serviceConnectDefaults?.namespace
      if (c.clusterName !== ours && c.status === 'ACTIVE' && used && (used === namespace.Arn || used === namespace.Name)) users.push(c.clusterName as string)
    }
  }
  return users
}

export function deleteNamespaceStep(options: TeardownOptions): TeardownStep {
  return {
    id: TEARDOWN_IDS.namespace,
    title: 'delete the Service Connect namespace in Cloud Map',
    needs: [],
    // The cluster and every service use it: it goes only with the whole stack.
    shared: true,
    async run(ctx) {
      const wanted = ctx.names.namespace
      if (ARN.test(wanted)) {
        return [alreadyGone('cloud map namespace', wanted, 'kept: SERVICE_CONNECT_NAMESPACE gives it as an ARN, so it was made before the kit and is not the kit’s to delete')]
      }
      const sd = ctx.client(ServiceDiscoveryClient, 'SERVICEDISCOVERY')
      const namespaces: NamespaceSummary[] = []
      for await (const page of paginateListNamespaces({ client: sd }, {})) namespaces.push(...(page.Namespaces ?? []).filter((n) => n.Name === wanted && n.Type === 'HTTP'))
      if (namespaces.length === 0) return [alreadyGone('cloud map namespace', wanted)]
      const changes: Change[] = []
      const work: Array<{ namespace: NamespaceSummary; services: Array<{ id: string; name: string; instances: string[] }> }> = []
      for (const namespace of namespaces) {
        const users = await otherClustersUsing(ctx.client(ECSClient, 'ECS'), ctx.names.cluster, namespace)
        if (users.length > 0) {
          changes.push({ resource: 'cloud map namespace', name: wanted, outcome: 'unchanged', detail: `kept: ECS cluster ${users.join(', ')} also uses it for Service Connect` })
          continue
        }
        const services: Array<{ id: string; name: string; instances: string[] }> = []
        for await (const page of paginateListServices({ client: sd }, { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespace.Id as string], Condition: 'EQ' }] })) {
          for (const s of page.Services ?? []) {
            const instances: string[] = []
            for await (const p of paginateListInstances({ client: sd }, { ServiceId: s.Id })) instances.push(...(p.Instances ?? []).map((i) => i.Id as string))
            services.push({ id: s.Id as string, name: s.Name as string, instances })
          }
        }
        work.push({ namespace, services })
        for (const s of services) changes.push(deleted('cloud map service', s.name, `in namespace ${wanted}${s.instances.length ? `, ${s.instances.length} instance${s.instances.length === 1 ? '' : 's'} deregistered` : ''}`))
        changes.push(deleted('cloud map namespace', wanted, `${namespace.Id}, HTTP (Service Connect)`))
      }
      if (ctx.dryRun) return changes
      for (const { namespace, services } of work) {
        for (const service of services) {
          for (const instance of service.instances) {
            try {
              const answer = await sd.send(new DeregisterInstanceCommand({ ServiceId: service.id, InstanceId: instance }))
              await operationDone(sd, answer.OperationId, `deregister instance ${instance} of ${service.name}`, options)
            } catch (error) {
              if (!missing(error)) throw error
            }
          }
          // Cloud Map refuses while a deregistration is still settling (ResourceInUse): retried within the bound.
          await pollUntil(
            `Cloud Map service ${service.name} to be free of instances`,
            async () => {
              try {
                await sd.send(new DeleteServiceCommand({ Id: service.id }))
              } catch (error) {
                if (awsErrorIs(error, /^ResourceInUse(Exception)?$/)) return undefined
                if (!missing(error)) throw error
              }
              return true
            },
            options,
          )
        }
        let operationId: string | undefined
        await pollUntil(
          `namespace ${wanted} to be free of services`,
          async () => {
            try {
              operationId = (await sd.send(new DeleteNamespaceCommand({ Id: namespace.Id }))).OperationId
            } catch (error) {
              if (awsErrorIs(error, /^ResourceInUse(Exception)?$/)) return undefined
              if (!missing(error)) throw error
            }
            return true
          },
          options,
        )
        await operationDone(sd, operationId, `delete namespace ${wanted}`, options)
      }
      return changes
    },
  }
}
