// The network a service runs in: the default VPC, its subnets, and the kit's security group.
// Looked up in one place for the security-group step (which creates the group) and the
// service step (which only reads, when provision has not already worked them out).
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2'
import { KitError } from '../core/errors.js'

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
