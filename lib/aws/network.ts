// The network a service runs in: the default VPC, its subnets, and the kit's security group.
// Looked up in one place for ec2/create-security-group (which creates the group) and
// ecs/create-service (which only reads, when provision has not already worked them out).
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2'
import { KitError } from '../core/errors.js'
import type { Discovered, StepContext } from '../steps/step.js'

/** What a dry run records as the group's id when the group does not exist yet. */
export const standInGroupId = (groupName: string): string => `(new ${groupName})`
export const isStandIn = (id: string | undefined): boolean => id !== undefined && id.startsWith('(new ')

/** The default VPC's id, or an error saying how to create one. */
export async function findDefaultVpc(ec2: EC2Client, region: string): Promise<string> {
  const found = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))
  const vpcId = found.Vpcs?.[0]?.VpcId
  if (!vpcId) {
    throw new KitError(
      `this account has no default VPC in ${region}: create one with \`aws ec2 create-default-vpc --region ${region}\`, then re-run`,
    )
  }
  return vpcId
}

/** Every subnet of a VPC, sorted by id. */
export async function listSubnets(ec2: EC2Client, vpcId: string): Promise<string[]> {
  const ids: string[] = []
  let token: string | undefined
  do {
    const page = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken: token }))
    for (const subnet of page.Subnets ?? []) if (subnet.SubnetId) ids.push(subnet.SubnetId)
    token = page.NextToken
  } while (token)
  if (ids.length === 0) throw new KitError(`the default VPC ${vpcId} has no subnets: create one (aws ec2 create-default-subnet --availability-zone AZ)`)
  return ids.sort()
}

/** The security group with this name in the VPC, if any. */
export async function findSecurityGroup(ec2: EC2Client, groupName: string, vpcId: string): Promise<SecurityGroup | undefined> {
  const found = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'group-name', Values: [groupName] },
        { Name: 'vpc-id', Values: [vpcId] },
      ],
    }),
  )
  return found.SecurityGroups?.find((g) => g.GroupName === groupName)
}

/**
 * The service network, complete: from ctx.discovered when a step of this run recorded it,
 * else looked up read-only. A missing group is an error pointing at the step that creates
 * it; under --dry-run it is a stand-in, so the plan can still be shown.
 */
export async function resolveServiceNetwork(ctx: StepContext): Promise<Required<Discovered>> {
  const known = ctx.discovered
  if (known.vpcId && known.securityGroupId && known.subnetIds?.length) {
    return { vpcId: known.vpcId, securityGroupId: known.securityGroupId, subnetIds: known.subnetIds }
  }
  const ec2 = ctx.client(EC2Client, 'EC2')
  const vpcId = known.vpcId ?? (await findDefaultVpc(ec2, ctx.region))
  const subnetIds = known.subnetIds?.length ? known.subnetIds : await listSubnets(ec2, vpcId)
  let securityGroupId = known.securityGroupId ?? (await findSecurityGroup(ec2, ctx.names.securityGroup, vpcId))?.GroupId
  if (!securityGroupId) {
    if (!ctx.dryRun) {
      throw new KitError(
        `security group ${ctx.names.securityGroup} not found in the default VPC ${vpcId}: run ./scripts/ec2/create-security-group first`,
      )
    }
    securityGroupId = standInGroupId(ctx.names.securityGroup)
  }
  Object.assign(ctx.discovered, { vpcId, subnetIds, securityGroupId })
  return { vpcId, subnetIds, securityGroupId }
}
