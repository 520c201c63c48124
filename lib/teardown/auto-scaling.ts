// Teardown of lib/steps/auto-scaling.ts: a service's scalable target, deregistered (which
// deletes its scaling policies too), before its service is deleted, so the scaler does not act
// on a service going away.
import { DeregisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling'
import { awsErrorIs } from '../aws/clients.js'
import { autoScaling, boundsText, readScalableTargets, SCALABLE_DIMENSION, scalableResourceId, SERVICE_NAMESPACE } from '../steps/auto-scaling.js'
import type { Step } from '../steps/step.js'
import { alreadyGone, deleted, TEARDOWN_IDS, type TeardownStep } from './options.js'

export const deregisterScalableTargetId = (name: string): string => `application-autoscaling/deregister-scalable-target:${name}`

/** The service's teardown step, by its id: teardown runs in reverse, so this step goes before it. */
const serviceDeletion = (name: string): Step => ({ id: TEARDOWN_IDS.service(name), title: `delete ECS service ${name}`, needs: [], run: async () => [] })

export function deregisterScalableTargetStep(name: string): TeardownStep {
  return {
    id: deregisterScalableTargetId(name),
    title: `deregister the scalable target of ${name}`,
    needs: [serviceDeletion(name)],
    async run(ctx) {
      const client = autoScaling(ctx)
      const cluster = ctx.names.cluster
      const resourceId = scalableResourceId(cluster, name)
      const target = (await readScalableTargets(client, cluster, [name])).get(name)
      if (!target) return [alreadyGone('scalable target', name, `${resourceId}: none`)]
      const detail = `${resourceId}, ${boundsText({ min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 })}, with its scaling policies`
      if (ctx.dryRun) return [deleted('scalable target', name, detail)]
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
