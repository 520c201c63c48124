// Teardown of lib/steps/iam-roles.ts: the execution and task roles. IAM deletes a role only
// once it has no inline policy and no attached one, so those go first (all of them, the
// guide's CloudWatchFullAccess too: the role they belong to is going).
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
} from '@aws-sdk/client-iam'
import { awsErrorIs } from '../aws/clients.js'
import type { Change, StepContext } from '../steps/step.js'
import { TRAFFIC_SHIFT_ROLE } from '../steps/iam-roles.js'
import { alreadyGone, deleted, TEARDOWN_IDS, type TeardownStep } from './options.js'

const isNoSuchEntity = (error: unknown): boolean => awsErrorIs(error, /^NoSuchEntity(Exception)?$/)

/** Run an IAM delete; gone already is as good. */
async function gone(action: () => Promise<unknown>): Promise<void> {
  try {
    await action()
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error
  }
}

async function deleteRole(iam: IAMClient, ctx: StepContext, role: string): Promise<Change[]> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: role }))
  } catch (error) {
    if (isNoSuchEntity(error)) return [alreadyGone('iam role', role)]
    throw error
  }
  const inline: string[] = []
  const attached: Array<{ name: string; arn: string }> = []
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: role })) inline.push(...(page.PolicyNames ?? []))
  for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: role })) {
    for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) attached.push({ name: p.PolicyName ?? p.PolicyArn, arn: p.PolicyArn })
  }
  const changes: Change[] = [
    ...inline.map((p) => deleted('iam inline policy', p, `on ${role}`)),
    ...attached.map((p) => deleted('iam managed policy', p.name, `detached from ${role}`)),
    deleted('iam role', role),
  ]
  if (ctx.dryRun) return changes
  await Promise.all([
    ...inline.map((p) => gone(() => iam.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: p })))),
    ...attached.map((p) => gone(() => iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: p.arn })))),
  ])
  await gone(() => iam.send(new DeleteRoleCommand({ RoleName: role })))
  return changes
}

export function deleteRolesStep(): TeardownStep {
  return {
    id: TEARDOWN_IDS.roles,
    title: 'delete the IAM execution and task roles',
    needs: [],
    // Every service uses it: kept while another declared service exists (lib/teardown/shared.ts).
    shared: true,
    async run(ctx) {
      const iam = ctx.client(IAMClient, 'IAM')
      const roles = [...new Set([ctx.names.executionRole, ctx.names.taskRole])]
      // ECS's traffic-shift role exists only where a service deployed CANARY, LINEAR or BLUE_GREEN: said only when there.
      const [tasks, shift] = await Promise.all([Promise.all(roles.map((role) => deleteRole(iam, ctx, role))), deleteRole(iam, ctx, TRAFFIC_SHIFT_ROLE)])
      return [...tasks.flat(), ...(shift.some((c) => c.outcome === 'deleted') ? shift : [])]
    },
  }
}
