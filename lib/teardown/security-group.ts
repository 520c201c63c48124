// Teardown of lib/steps/security-group.ts and load-balancer-security-group.ts: the kit's two
// security groups in the default VPC. A Fargate task's (or a deleted load balancer's) network
// interface can outlive it by a few minutes, and a group cannot be deleted while one uses it
// (DependencyViolation): that is waited out.
import { DeleteSecurityGroupCommand, EC2Client, RevokeSecurityGroupIngressCommand, type IpPermission, type SecurityGroup } from '@aws-sdk/client-ec2'
import { awsErrorIs } from '../aws/clients.js'
import { findDefaultVpc, findSecurityGroup } from '../aws/network.js'
import { KitError } from '../core/errors.js'
import type { KitNames } from '../config/names.js'
import type { Step } from '../steps/step.js'
import { alreadyGone, deleted, pollUntil, TEARDOWN_IDS, type TeardownOptions, type TeardownStep } from './options.js'

/**
 * Delete a security group, retrying while something still uses it (DependencyViolation: a
 * network interface that outlives its task or load balancer, or another group's rule) for at
 * most the teardown's timeout; then a KitError quoting AWS and `mayHold` (what may hold it).
 */
export async function deleteGroupWhenFree(ec2: EC2Client, groupId: string, name: string, options: TeardownOptions, mayHold: string): Promise<void> {
  let inUse = ''
  try {
    await pollUntil(
      `security group ${name} to be free of network interfaces`,
      async () => {
        try {
          await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }))
        } catch (error) {
          if (awsErrorIs(error, 'DependencyViolation')) {
            inUse = String((error as Error).message ?? '')
            return undefined
          }
          if (!awsErrorIs(error, 'InvalidGroup.NotFound')) throw error
        }
        return true
      },
      options,
    )
  } catch (error) {
    if (error instanceof KitError && inUse) throw new KitError(`${error.message} (AWS: ${inUse}; ${mayHold} ${groupId})`)
    throw error
  }
}

interface GroupToDelete {
  id: string
  title: string
  /** The group's name, from the kit's names. */
  name: (names: KitNames) => string
  /** What may keep it in use, for the error after the timeout. */
  mayHold: string
  /** The kit's group whose ingress rules may refer to this one: those rules are revoked first. */
  referencedBy?: (names: KitNames) => string
}

/** The ingress rules of `group` that admit traffic from `groupId`, as RevokeSecurityGroupIngress takes them. Pure. */
export function rulesFrom(group: Pick<SecurityGroup, 'IpPermissions'> | undefined, groupId: string): IpPermission[] {
  return (group?.IpPermissions ?? []).flatMap((p): IpPermission[] => {
    const pairs = (p.UserIdGroupPairs ?? []).filter((u) => u.GroupId === groupId)
    return pairs.length ? [{ IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort, UserIdGroupPairs: pairs.map((u) => ({ GroupId: u.GroupId })) }] : []
  })
}

const portsOf = (rule: IpPermission): string => `${rule.IpProtocol} ${rule.FromPort === rule.ToPort ? rule.FromPort : `${rule.FromPort}-${rule.ToPort}`}`

function deleteGroupStep(group: GroupToDelete, options: TeardownOptions, needs: readonly Step[]): TeardownStep {
  return {
    id: group.id,
    title: group.title,
    needs,
    // Every service uses it: kept while another declared service exists (lib/teardown/shared.ts).
    shared: true,
    async run(ctx) {
      const ec2 = ctx.client(EC2Client, 'EC2')
      const name = group.name(ctx.names)
      let vpcId: string
      try {
        vpcId = await findDefaultVpc(ec2, ctx.region)
      } catch (error) {
        if (error instanceof KitError) return [alreadyGone('security group', name, 'no default VPC')]
        throw error
      }
      const found = await findSecurityGroup(ec2, name, vpcId)
      if (!found?.GroupId) return [alreadyGone('security group', name)]
      const groupId = found.GroupId
      const detail = `${groupId} in the default VPC ${vpcId}`
      // The kit's other group, when it stays (a service the front door does not route to still
      // runs), admits ports from this one: those rules go first, or EC2 refuses (DependencyViolation).
      const referencingGroup = group.referencedBy ? await findSecurityGroup(ec2, group.referencedBy(ctx.names), vpcId) : undefined
      // A group this teardown deletes takes its rules with it: they are not planned twice.
      const deleting = (ctx.discovered.deleting ??= new Set())
      const referencing = referencingGroup?.GroupId && deleting.has(referencingGroup.GroupId) ? undefined : referencingGroup
      const rules = rulesFrom(referencing, groupId)
      deleting.add(groupId)
      const changes = [
        ...rules.map((r) => deleted('security group rule', `${referencing?.GroupName} ${portsOf(r)}`, `from ${name}`)),
        deleted('security group', name, detail),
      ]
      if (ctx.dryRun) return changes
      if (rules.length > 0) {
        try {
          await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: referencing?.GroupId, IpPermissions: rules }))
        } catch (error) {
          if (!awsErrorIs(error, /^InvalidPermission\.NotFound$|^InvalidGroup\.NotFound$/)) throw error
        }
      }
      await deleteGroupWhenFree(ec2, groupId, name, options, group.mayHold)
      return changes
    },
  }
}

/** The services' group; `needs`: the groups its rules refer to (the load balancer's), deleted after it. */
export const deleteSecurityGroupStep = (options: TeardownOptions, needs: readonly Step[] = []): TeardownStep =>
  deleteGroupStep(
    { id: TEARDOWN_IDS.securityGroup, title: 'delete the services’ security group', name: (n) => n.securityGroup, mayHold: "a load balancer or another group's rule may refer to" },
    options,
    needs,
  )

/**
 * The load balancer's group. The services' group admits the container ports from it, so that
 * group goes first (it needs this one); when it stays, its rules naming this group are revoked.
 * The load balancer's network interfaces outlive it by a few minutes on AWS: the retry waits
 * that out.
 */
export const deleteLoadBalancerSecurityGroupStep = (options: TeardownOptions): TeardownStep =>
  deleteGroupStep(
    {
      id: TEARDOWN_IDS.loadBalancerSecurityGroup,
      title: 'delete the load balancer’s security group',
      name: (n) => n.loadBalancerSecurityGroup,
      mayHold: "the load balancer's network interfaces linger a few minutes after it is deleted, or another group's rule may refer to",
      referencedBy: (n) => n.securityGroup,
    },
    options,
    [],
  )
