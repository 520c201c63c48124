// Teardown of lib/steps/auto-scaling.ts: a service's scaling policies deleted (with the
// CloudWatch alarms target tracking made for them), then its scalable target deregistered.
// AWS deletes the policies with the target; the policies go first all the same, so that an
// endpoint which does not (moto) is left clean too, and a run stopped between is completed by
// the next. It needs nothing and nothing needs it: Application Auto
// Scaling keys the target by its resource id, whether or not the service still exists, so it
// runs beside the service's deletion (one call, done long before the service is INACTIVE).
import { DeleteScalingPolicyCommand, DeregisterScalableTargetCommand, paginateDescribeScalingPolicies } from '@aws-sdk/client-application-auto-scaling'
import { awsErrorIs } from '../aws/clients.js'
import { autoScaling, boundsText, readScalableTargets, SCALABLE_DIMENSION, scalableResourceId, SERVICE_NAMESPACE } from '../steps/auto-scaling.js'
import { alreadyGone, deleted, type TeardownStep } from './options.js'

export const deregisterScalableTargetId = (name: string): string => `application-autoscaling/deregister-scalable-target:${name}`

export function deregisterScalableTargetStep(name: string): TeardownStep {
  return {
    id: deregisterScalableTargetId(name),
    title: `deregister the scalable target of ${name}`,
    needs: [],
    async run(ctx) {
      const client = autoScaling(ctx)
      const cluster = ctx.names.cluster
      const resourceId = scalableResourceId(cluster, name)
      const target = (await readScalableTargets(client, cluster, [name])).get(name)
      if (!target) return [alreadyGone('scalable target', name, `${resourceId}: none`)]
      const detail = `${resourceId}, ${boundsText({ min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 })}, with its scaling policies`
      if (ctx.dryRun) return [deleted('scalable target', name, detail)]
      const where = { ServiceNamespace: SERVICE_NAMESPACE, ScalableDimension: SCALABLE_DIMENSION, ResourceId: resourceId }
      for await (const page of paginateDescribeScalingPolicies({ client }, where)) {
        for (const policy of page.ScalingPolicies ?? []) {
          try {
            await client.send(new DeleteScalingPolicyCommand({ ...where, PolicyName: policy.PolicyName }))
          } catch (error) {
            if (!awsErrorIs(error, 'ObjectNotFoundException')) throw error
          }
        }
      }
      try {
        await client.send(new DeregisterScalableTargetCommand({ ServiceNamespace: SERVICE_NAMESPACE, ScalableDimension: SCALABLE_DIMENSION, ResourceId: resourceId }))
      } catch (error) {
        // Deregistered by someone else between our read and our write.
        if (!awsErrorIs(error, 'ObjectNotFoundException')) throw error
      }
      return [deleted('scalable target', name, detail)]
    },
  }
}
