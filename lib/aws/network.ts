// The network a service runs in: the default VPC, its subnets (and their Availability Zones,
// which the load balancer spreads over), and the kit's security groups. Looked up in one place
// for the steps that create them and those that only read.
import {
  DescribeAvailabilityZonesCommand,
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

/** A subnet and its Availability Zone. */
export interface SubnetZone {
  subnetId: string
  zone: string
}

/** Every subnet of a VPC with its Availability Zone, sorted by id. */
export async function listSubnetZones(ec2: EC2Client, vpcId: string): Promise<SubnetZone[]> {
  const subnets: SubnetZone[] = []
  let token: string | undefined
  do {
    const page = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken: token }))
    for (const subnet of page.Subnets ?? []) if (subnet.SubnetId) subnets.push({ subnetId: subnet.SubnetId, zone: subnet.AvailabilityZone ?? '' })
    token = page.NextToken
  } while (token)
  if (subnets.length === 0) throw new KitError(`the default VPC ${vpcId} has no subnets: create one (aws ec2 create-default-subnet --availability-zone AZ)`)
  return subnets.sort((a, b) => a.subnetId.localeCompare(b.subnetId))
}

/** Every subnet of a VPC, sorted by id. */
export async function listSubnets(ec2: EC2Client, vpcId: string): Promise<string[]> {
  return (await listSubnetZones(ec2, vpcId)).map((s) => s.subnetId)
}

/** One subnet per Availability Zone (the lowest id in each), sorted by zone: a load balancer takes at most one per zone. Pure. */
export function oneSubnetPerZone(subnets: readonly SubnetZone[]): SubnetZone[] {
  const byZone = new Map<string, SubnetZone>()
  for (const subnet of [...subnets].sort((a, b) => a.subnetId.localeCompare(b.subnetId))) if (!byZone.has(subnet.zone)) byZone.set(subnet.zone, subnet)
  return [...byZone.values()].sort((a, b) => a.zone.localeCompare(b.zone))
}

/** The Availability Zones of a region that are available to the account. */
export async function availableZones(ec2: EC2Client): Promise<string[]> {
  const found = await ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }))
  return (found.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : [])).sort()
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
