// The load balancer's own security group (the bootcamp's cruddur-alb-sg): HTTP and HTTPS from
// INGRESS_CIDR, nothing else. The services' group then admits their ports from it alone.
// INGRESS_CIDR says who may reach the load balancer: narrowing it revokes the ranges it no
// longer names on 80 and 443; rules on other ports are someone's and stay.
import { EC2Client } from '@aws-sdk/client-ec2'
import { findDefaultVpc, findSecurityGroup, listSubnets, standInGroupId } from '../aws/network.js'
import { KitError } from '../core/errors.js'
import { runFirst, type Step, type StepContext } from './step.js'
import { authorizeRules, cidrProblem, ensureSecurityGroup, existingGroupChange, otherRules, revokeRules, staleRules, wantedRules, type ContainerPort } from './security-group.js'

export const LOAD_BALANCER_GROUP_DESCRIPTION = 'Security group for the Cruddur load balancer'

/** What the load balancer listens on: HTTP (forwarding, or redirecting to HTTPS) and HTTPS. */
export const LOAD_BALANCER_PORTS: readonly ContainerPort[] = [
  { protocol: 'tcp', port: 80 },
  { protocol: 'tcp', port: 443 },
]

export const loadBalancerSecurityGroupStep: Step = {
  id: 'ec2/create-load-balancer-security-group',
  title: "the load balancer's security group",
  needs: [],
  validate({ names }) {
    const cidr = cidrProblem(names.ingressCidr)
    return cidr ? [cidr] : []
  },
  async run(ctx) {
    const ec2 = ctx.client(EC2Client, 'EC2')
    const name = ctx.names.loadBalancerSecurityGroup
    const vpcId = ctx.discovered.vpcId ?? (await findDefaultVpc(ec2, ctx.region))
    const [subnetIds, found] = await Promise.all([
      ctx.discovered.subnetIds?.length ? ctx.discovered.subnetIds : listSubnets(ec2, vpcId),
      findSecurityGroup(ec2, name, vpcId),
    ])
    Object.assign(ctx.discovered, { vpcId, subnetIds })
    const { groupId, existing, changes } = await ensureSecurityGroup(ctx, ec2, { name, description: LOAD_BALANCER_GROUP_DESCRIPTION, vpcId }, found)
    ctx.discovered.loadBalancerSecurityGroupId = groupId
    const wanted = wantedRules(LOAD_BALANCER_PORTS, ctx.names.ingressCidr)
    const permissions = existing?.IpPermissions ?? []
    const stale = staleRules(permissions, LOAD_BALANCER_PORTS).filter((rule) => !wanted.some((w) => w.protocol === rule.protocol && w.port === rule.port && w.cidr === rule.cidr))
    if (existing) changes.push(existingGroupChange(name, groupId, vpcId, otherRules(permissions, wanted, stale)))
    changes.push(...(await authorizeRules(ctx, ec2, groupId, permissions, wanted)))
    changes.push(...(await revokeRules(ctx, ec2, groupId, stale, `INGRESS_CIDR is ${ctx.names.ingressCidr}`)))
    return changes
  },
}

/**
 * The load balancer's group id: as a step of this run recorded it, else looked up read-only. A
 * missing group is an error naming the step that creates it; under --dry-run, a stand-in.
 */
export async function resolveLoadBalancerSecurityGroup(ctx: StepContext, vpcId: string): Promise<string> {
  const known = ctx.discovered.loadBalancerSecurityGroupId
  if (known) return known
  const name = ctx.names.loadBalancerSecurityGroup
  let groupId = (await findSecurityGroup(ctx.client(EC2Client, 'EC2'), name, vpcId))?.GroupId
  if (!groupId) {
    if (!ctx.dryRun) throw new KitError(`security group ${name} not found in the default VPC ${vpcId}: ${runFirst(loadBalancerSecurityGroupStep)}`)
    groupId = standInGroupId(name)
  }
  ctx.discovered.loadBalancerSecurityGroupId = groupId
  return groupId
}
