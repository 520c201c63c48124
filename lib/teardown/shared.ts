// A teardown of some services (ECS_SERVICES) removes what is theirs alone, and keeps what every
// service uses while another declared service exists: a step marked `shared` (TeardownStep)
// then reports each resource it would delete as kept, and deletes nothing.
import { ECSClient } from '@aws-sdk/client-ecs'
import type { Change } from '../steps/step.js'
import { liveServices } from './ecs.js'
import type { TeardownChange, TeardownStep } from './options.js'

/** Why a shared resource stays: the services this teardown leaves that use it. Pure. */
export const sharedWith = (users: ReadonlyArray<{ name: string; status: string }>): string =>
  `shared with ${users.map((u) => `${u.name} (${u.status})`).join(', ')}, not in ECS_SERVICES`

/** A shared step's changes when it stays: what it would delete, kept (and why). Pure. */
export function keep(changes: readonly Change[], why: string): TeardownChange[] {
  return changes.map((c): TeardownChange => (c.outcome === 'deleted' ? { resource: c.resource, name: c.name, outcome: 'unchanged', detail: `kept: ${why}`, kept: why } : c))
}

/**
 * The step as a teardown leaving `others` (declared services not selected) runs it: a shared
 * step first asks ECS which of them exist, and while any does, only plans, reporting kept.
 * Any other step, or none left out, runs as it is.
 */
export function keptWhileUsed(step: TeardownStep, others: readonly string[]): TeardownStep {
  if (!step.shared || others.length === 0) return step
  return {
    ...step,
    async run(ctx) {
      const users = await liveServices(ctx.client(ECSClient, 'ECS'), ctx.names.cluster, others)
      if (users.length === 0) return step.run(ctx)
      // Its plan is only read to say what is kept: nothing of it is deleting.
      return keep(await step.run({ ...ctx, mode: 'dry-run', dryRun: true, discovered: { ...ctx.discovered, deleting: new Set() } }), sharedWith(users))
    },
  }
}
