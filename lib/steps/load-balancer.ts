// The application load balancer in front of the routed services (the bootcamp's cruddur-alb):
// internet-facing, IPv4, across the default VPC's subnets (one per Availability Zone, at least
// two), behind its own security group, dropping invalid header fields (Security Hub ELB.4).
// Deletion protection stays off: a student stack must tear down (the audit accepts ELB.6 with
// that reason). Access logs stay off: they need an S3 bucket with a bucket policy for ELB's
// account, which the kit does not make (ELB.5 says so).
import {
  CreateLoadBalancerCommand,
  DescribeLoadBalancerAttributesCommand,
  ModifyLoadBalancerAttributesCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { EC2Client } from '@aws-sdk/client-ec2'
import { awsErrorIs } from '../aws/clients.js'
import { availableZones, findDefaultVpc, listSubnetZones, oneSubnetPerZone, type SubnetZone } from '../aws/network.js'
import { KitError } from '../core/errors.js'
import { elbv2, findLoadBalancer } from '../front-door/lookup.js'
import type { Change, Step } from './step.js'
import { loadBalancerSecurityGroupStep, resolveLoadBalancerSecurityGroup } from './load-balancer-security-group.js'

/** The attributes the kit sets, and their values. */
export const LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, string>> = {
  // Security Hub ELB.4: a request with a malformed header is not passed on to the services.
  'routing.http.drop_invalid_header_fields.enabled': 'true',
}

/** Stand-ins a dry run records for a load balancer it would create. */
export const standInLoadBalancer = (name: string) => ({
  loadBalancerArn: `(new load balancer ${name})`,
  loadBalancerDnsName: `(new ${name}'s DNS name)`,
  loadBalancerZoneId: `(new ${name}'s hosted zone)`,
})

/** One subnet per zone, or an error saying how to add a second zone's default subnet. Pure. */
export function loadBalancerSubnets(subnets: readonly SubnetZone[], vpcId: string, region: string, zones: readonly string[] = []): SubnetZone[] {
  const picked = oneSubnetPerZone(subnets)
  if (picked.length >= 2) return picked
  const other = zones.find((z) => !picked.some((p) => p.zone === z)) ?? `<another zone of ${region}>`
  throw new KitError(
    `the default VPC ${vpcId} has subnets in ${picked.length === 1 ? `only one Availability Zone (${picked[0].zone})` : 'no Availability Zone'}, ` +
      `and an application load balancer needs two: add one with \`aws ec2 create-default-subnet --availability-zone ${other} --region ${region}\`, then re-run`,
  )
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',')

/** What of an existing load balancer differs from what the kit wants, as fixes to make. Pure. */
export function loadBalancerDrift(
  lb: Pick<LoadBalancer, 'SecurityGroups' | 'AvailabilityZones'>,
  attributes: Readonly<Record<string, string | undefined>>,
  wanted: { securityGroupId: string; subnetIds: readonly string[] },
): { securityGroups?: string; subnets?: string; attributes: string[] } {
  const have = lb.SecurityGroups ?? []
  const subnets = (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : []))
  return {
    ...(sameSet(have, [wanted.securityGroupId]) ? {} : { securityGroups: `security groups ${have.join(',') || 'none'} (wanted: ${wanted.securityGroupId})` }),
    ...(sameSet(subnets, wanted.subnetIds) ? {} : { subnets: `subnets ${[...subnets].sort().join(',')} (wanted one per zone: ${[...wanted.subnetIds].sort().join(',')})` }),
    attributes: Object.entries(LOAD_BALANCER_ATTRIBUTES)
      .filter(([key, value]) => attributes[key] !== value)
      .map(([key, value]) => `${key} ${attributes[key] ?? 'unset'} (wanted: ${value})`),
  }
}

const attributeList = () => Object.entries(LOAD_BALANCER_ATTRIBUTES).map(([Key, Value]) => ({ Key, Value }))

export const loadBalancerStep: Step = {
  id: 'elbv2/create-load-balancer',
  title: 'application load balancer',
  needs: [loadBalancerSecurityGroupStep],
  async run(ctx) {
    const ec2 = ctx.client(EC2Client, 'EC2')
    const client = elbv2(ctx)
    const name = ctx.names.loadBalancer
    const vpcId = ctx.discovered.vpcId ?? (await findDefaultVpc(ec2, ctx.region))
    const [subnetZones, securityGroupId, found] = await Promise.all([
      listSubnetZones(ec2, vpcId),
      resolveLoadBalancerSecurityGroup(ctx, vpcId),
      findLoadBalancer(client, name),
    ])
    const zonesIfShort = oneSubnetPerZone(subnetZones).length < 2 ? await availableZones(ec2) : []
    const subnets = loadBalancerSubnets(subnetZones, vpcId, ctx.region, zonesIfShort)
    const subnetIds = subnets.map((s) => s.subnetId)
    const spread = `across ${subnets.map((s) => `${s.subnetId} (${s.zone})`).join(', ')}`

    let lb = found
    if (!lb) {
      if (ctx.dryRun) {
        Object.assign(ctx.discovered, standInLoadBalancer(name))
        return [{ resource: 'load balancer', name, outcome: 'created', detail: `application, internet-facing, IPv4, ${spread}, with ${ctx.names.loadBalancerSecurityGroup}; drops invalid header fields` }]
      }
      try {
        const created = await client.send(
          new CreateLoadBalancerCommand({ Name: name, Type: 'application', Scheme: 'internet-facing', IpAddressType: 'ipv4', Subnets: subnetIds, SecurityGroups: [securityGroupId] }),
        )
        lb = created.LoadBalancers?.[0]
      } catch (error) {
        // Made by a concurrent run between our read and our write: read it back.
        if (!awsErrorIs(error, 'DuplicateLoadBalancerName') && !awsErrorIs(error, 'DuplicateLoadBalancerNameException')) throw error
        lb = await findLoadBalancer(client, name)
        if (!lb) throw error
        return converge(lb)
      }
      if (!lb?.LoadBalancerArn) throw new Error(`load balancer ${name}: CreateLoadBalancer answered no ARN`)
      record(lb)
      await client.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: attributeList() }))
      return [
        {
          resource: 'load balancer',
          name,
          outcome: 'created',
          detail: `${lb.DNSName}, ${spread}; drops invalid header fields; on AWS it provisions and its DNS name resolves within a minute or two`,
        },
      ]
    }
    return converge(lb)

    function record(balancer: LoadBalancer): void {
      Object.assign(ctx.discovered, { loadBalancerArn: balancer.LoadBalancerArn, loadBalancerDnsName: balancer.DNSName, loadBalancerZoneId: balancer.CanonicalHostedZoneId })
    }

    /** An existing load balancer: its kind checked, its groups, subnets and attributes brought back when they drifted. */
    async function converge(balancer: LoadBalancer): Promise<Change[]> {
      record(balancer)
      const arn = balancer.LoadBalancerArn as string
      const change: Change = { resource: 'load balancer', name, outcome: 'unchanged', detail: `${balancer.DNSName} (${balancer.State?.Code ?? 'state unknown'})` }
      if (balancer.Type !== 'application' || balancer.Scheme !== 'internet-facing') {
        // Neither can change in place, and listeners on it would not reach the internet.
        change.fault =
          `it is ${balancer.Scheme ?? '?'} ${balancer.Type ?? '?'}, not an internet-facing application load balancer: ` +
          `delete it (./scripts/teardown) or set LOAD_BALANCER_NAME to another name, then run ./scripts/provision`
        change.warning = change.fault
        return [change]
      }
      const described = await client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))
      const attributes = Object.fromEntries((described.Attributes ?? []).map((a) => [a.Key, a.Value]))
      const drift = loadBalancerDrift(balancer, attributes, { securityGroupId, subnetIds })
      const fixes = [drift.securityGroups, drift.subnets, ...drift.attributes].filter((d): d is string => d !== undefined)
      if (fixes.length === 0) return [change]
      if (!ctx.dryRun) {
        if (drift.securityGroups) await client.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: [securityGroupId] }))
        if (drift.subnets) await client.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: subnetIds }))
        if (drift.attributes.length) await client.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: attributeList() }))
      }
      return [{ ...change, outcome: 'updated', detail: `${balancer.DNSName}; drifted, put back: ${fixes.join('; ')}` }]
    }
  },
}
