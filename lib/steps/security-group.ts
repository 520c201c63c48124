// The services' security group (the guide's crud-srv-sg in the default VPC), idempotent. The
// guide opened port 80 while the container listens on 4567, so nothing could reach the service:
// the ports here come from the task definitions. Since the front door (issue 16) no container
// port is open to an address range: a routed service's ports admit only the load balancer's
// group, and every service's ports admit the services' group itself (Service Connect between
// services). The world-open rules the kit used to add (a container port from 0.0.0.0/0 or
// INGRESS_CIDR) are revoked on an existing stack; rules on other ports are someone's and stay.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2'
import { awsErrorIs } from '../aws/clients.js'
import { findDefaultVpc, findSecurityGroup, listSubnets, standInGroupId } from '../aws/network.js'
import { ConfigError, KitError } from '../core/errors.js'
import type { ServiceDeclaration } from '../config/services.js'
import { routedServices } from '../front-door/routes.js'
import { runFirst, type Change, type Discovered, type Step, type StepContext } from './step.js'
import { loadTemplate, type Template } from '../templates/template.js'
import { loadBalancerSecurityGroupStep, resolveLoadBalancerSecurityGroup } from './load-balancer-security-group.js'

export const GROUP_DESCRIPTION = 'Security group for Cruddur services on ECS'

export interface ContainerPort {
  protocol: string
  port: number
}

/** One ingress rule on one port: from an address range (IPv4, or IPv6 when it has a colon), or from a security group. */
export interface IngressRule extends ContainerPort {
  cidr?: string
  groupId?: string
  /** The source group's name, for reports (its id may be a dry run's stand-in). */
  groupName?: string
}

/** The container ports a task definition exposes (containerDefinitions[].portMappings[]). Pure. */
export function containerPorts(template: Template): ContainerPort[] {
  const json = template.json as { containerDefinitions?: Array<{ portMappings?: Array<{ containerPort?: unknown; protocol?: unknown }> }> }
  const ports: ContainerPort[] = []
  for (const container of json?.containerDefinitions ?? []) {
    for (const mapping of container?.portMappings ?? []) {
      const port = mapping?.containerPort
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new ConfigError(`${template.file}: containerPort must be a port number (1-65535), got ${JSON.stringify(port)}`)
      }
      const protocol = mapping.protocol === undefined ? 'tcp' : String(mapping.protocol).toLowerCase()
      if (protocol !== 'tcp' && protocol !== 'udp') {
        throw new ConfigError(`${template.file}: protocol of containerPort ${port} must be "tcp" or "udp", got ${JSON.stringify(mapping.protocol)}`)
      }
      ports.push({ protocol, port })
    }
  }
  return ports
}

const byPort = (a: IngressRule, b: IngressRule): number =>
  a.port - b.port || a.protocol.localeCompare(b.protocol) || ruleSource(a).localeCompare(ruleSource(b))

/** The ingress rules for these ports from the CIDR, one per distinct port, sorted. Pure. */
export function wantedRules(ports: readonly ContainerPort[], cidr: string): Array<IngressRule & { cidr: string }> {
  const seen = new Map<string, IngressRule & { cidr: string }>()
  for (const { protocol, port } of ports) seen.set(`${protocol}/${port}`, { protocol, port, cidr })
  return [...seen.values()].sort(byPort)
}

/** The ingress rules for these ports from a security group, one per distinct port, sorted. Pure. */
export function groupRules(ports: readonly ContainerPort[], groupId: string, groupName: string): IngressRule[] {
  const seen = new Map<string, IngressRule>()
  for (const { protocol, port } of ports) seen.set(`${protocol}/${port}`, { protocol, port, groupId, groupName })
  return [...seen.values()].sort(byPort)
}

/** A service and the container ports its task definition exposes. */
export interface ServicePorts {
  service: Pick<ServiceDeclaration, 'name' | 'frontDoor'>
  ports: readonly ContainerPort[]
}

/**
 * The services' group's rules: each routed service's ports from the load balancer's group, and
 * every service's ports from the services' group itself (Service Connect between services).
 * No address range: the internet reaches a service only through the load balancer. Pure.
 */
export function serviceGroupRules(
  services: readonly ServicePorts[],
  self: { groupId: string; groupName: string },
  loadBalancer: { groupId: string; groupName: string } | undefined,
): IngressRule[] {
  const all = services.flatMap((s) => s.ports)
  const routed = services.filter((s) => s.service.frontDoor !== undefined).flatMap((s) => s.ports)
  if (routed.length > 0 && !loadBalancer) throw new Error("a routed service's rules need the load balancer's security group")
  const fromLoadBalancer = loadBalancer ? groupRules(routed, loadBalancer.groupId, loadBalancer.groupName) : []
  return [...fromLoadBalancer, ...groupRules(all, self.groupId, self.groupName)].sort(byPort)
}

const onlyPort = (p: IpPermission, protocol: string, port: number): boolean => p.IpProtocol === protocol && p.FromPort === port && p.ToPort === port

const covers = (p: IpPermission, rule: IngressRule): boolean =>
  p.IpProtocol === rule.protocol &&
  p.FromPort !== undefined &&
  p.ToPort !== undefined &&
  p.FromPort <= rule.port &&
  rule.port <= p.ToPort &&
  (rule.cidr !== undefined
    ? (p.IpRanges ?? []).some((r) => r.CidrIp === rule.cidr) || (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === rule.cidr)
    : (p.UserIdGroupPairs ?? []).some((g) => g.GroupId === rule.groupId))

/** The wanted rules that no existing permission already allows (a port range counts). Pure. */
export function missingRules(permissions: readonly IpPermission[], wanted: readonly IngressRule[]): IngressRule[] {
  return wanted.filter((rule) => !permissions.some((p) => covers(p, rule)))
}

const portsOf = (p: IpPermission): string =>
  p.IpProtocol === '-1' ? 'all traffic' : p.FromPort === p.ToPort ? `${p.IpProtocol}/${p.FromPort}` : `${p.IpProtocol}/${p.FromPort}-${p.ToPort}`

/** Each address range of a permission (IPv4, then IPv6). */
const rangesOf = (p: IpPermission): string[] => [
  ...(p.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])),
  ...(p.Ipv6Ranges ?? []).flatMap((r) => (r.CidrIpv6 ? [r.CidrIpv6] : [])),
]

const sameRule = (a: IngressRule, protocol: string | undefined, port: number | undefined, cidr: string): boolean => a.cidr === cidr && a.protocol === protocol && a.port === port

/**
 * Existing address-range rules (IPv4 and IPv6) that are not the kit's, e.g. the guide's tcp/80,
 * as "tcp/80 from 0.0.0.0/0"; `except` (rules being revoked) are not listed. Pure.
 */
export function otherRules(permissions: readonly IpPermission[], wanted: readonly IngressRule[], except: readonly IngressRule[] = []): string[] {
  const others: string[] = []
  for (const p of permissions) {
    for (const cidr of rangesOf(p)) {
      const single = p.FromPort === p.ToPort ? p.FromPort : undefined
      if ([...wanted, ...except].some((w) => sameRule(w, p.IpProtocol, single, cidr))) continue
      others.push(`${portsOf(p)} from ${cidr}`)
    }
  }
  return others
}

/**
 * The address-range rules (IPv4 or IPv6) on exactly one container port: what the kit used to
 * add (the port from 0.0.0.0/0 or INGRESS_CIDR), now revoked, since a container port admits
 * security groups only. Pure.
 */
export function staleRules(permissions: readonly IpPermission[], ports: readonly ContainerPort[]): IngressRule[] {
  const stale: IngressRule[] = []
  for (const p of permissions) {
    const port = ports.find((c) => onlyPort(p, c.protocol, c.port))
    if (port) for (const cidr of rangesOf(p)) stale.push({ protocol: port.protocol, port: port.port, cidr })
  }
  return stale.sort(byPort)
}

/**
 * Address-range rules over a port range (or all traffic) that include a container port, e.g.
 * "tcp/4000-5000 from 10.0.0.0/8 reaches container port 4567". Not revoked, as that would close
 * the range's other ports too, but warned about. Pure.
 */
export function widerRules(permissions: readonly IpPermission[], ports: readonly ContainerPort[]): string[] {
  const wider: string[] = []
  for (const p of permissions) {
    const reached = ports.filter(
      (c) => !onlyPort(p, c.protocol, c.port) && (p.IpProtocol === '-1' || (p.IpProtocol === c.protocol && (p.FromPort ?? 0) <= c.port && c.port <= (p.ToPort ?? -1))),
    )
    if (reached.length === 0) continue
    const names = [...new Set(reached.map((c) => c.port))].join(', ')
    for (const cidr of rangesOf(p)) wider.push(`${portsOf(p)} from ${cidr} reaches container port${reached.length === 1 ? '' : 's'} ${names}`)
  }
  return wider
}

const ruleSource = (rule: IngressRule): string => rule.cidr ?? rule.groupName ?? rule.groupId ?? ''
export const ruleName = (rule: IngressRule): string => `${rule.protocol}/${rule.port} from ${ruleSource(rule)}`

/** A rule as EC2's IpPermission. Pure. */
export function ipPermission(rule: IngressRule): IpPermission {
  const source: IpPermission =
    rule.cidr === undefined
      ? { UserIdGroupPairs: [{ GroupId: rule.groupId }] }
      : rule.cidr.includes(':')
        ? { Ipv6Ranges: [{ CidrIpv6: rule.cidr }] }
        : { IpRanges: [{ CidrIp: rule.cidr }] }
  return { IpProtocol: rule.protocol, FromPort: rule.port, ToPort: rule.port, ...source }
}

/** What is wrong with an IPv4 CIDR beyond its shape (lib/config/names.ts checks that), or undefined. Pure. */
export function cidrProblem(cidr: string): string | undefined {
  const [address, prefix] = cidr.split('/')
  const octetsOk = address.split('.').every((o) => Number(o) <= 255)
  if (!octetsOk || Number(prefix) > 32) return `INGRESS_CIDR must be an IPv4 CIDR such as 0.0.0.0/0 or 203.0.113.7/32, got "${cidr}"`
  return undefined
}

/** Every container port of the services' task-definition templates. */
export function servicePorts(services: readonly ServiceDeclaration[]): ContainerPort[] {
  return services.flatMap((service) => containerPorts(loadTemplate(service.taskDefinitionFile)))
}

/** A security group as a step finds or makes it. */
export interface EnsuredGroup {
  groupId: string
  /** The group as it was read; undefined when this run creates it (or would). */
  existing?: SecurityGroup
  /** The group's own change: created (or planned); an existing group's line is the caller's. */
  changes: Change[]
}

/**
 * The security group with this name in the VPC, created when missing (under --dry-run, planned
 * with a stand-in id). A duplicate made by a concurrent run between our read and our write is
 * the state we want, and is read back.
 */
export async function ensureSecurityGroup(
  ctx: Pick<StepContext, 'dryRun'>,
  ec2: EC2Client,
  group: { name: string; description: string; vpcId: string },
  found: SecurityGroup | undefined,
): Promise<EnsuredGroup> {
  if (found?.GroupId) return { groupId: found.GroupId, existing: found, changes: [] }
  if (ctx.dryRun) {
    return { groupId: standInGroupId(group.name), changes: [{ resource: 'security group', name: group.name, outcome: 'created', detail: `in the default VPC ${group.vpcId}` }] }
  }
  try {
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: group.name, Description: group.description, VpcId: group.vpcId }))).GroupId
    if (!groupId) throw new Error(`security group ${group.name} has no id`)
    return { groupId, changes: [{ resource: 'security group', name: group.name, outcome: 'created', detail: `${groupId} in the default VPC ${group.vpcId}` }] }
  } catch (error) {
    if (!awsErrorIs(error, 'InvalidGroup.Duplicate')) throw error
    const again = await findSecurityGroup(ec2, group.name, group.vpcId)
    if (!again?.GroupId) throw error
    return { groupId: again.GroupId, existing: again, changes: [] }
  }
}

/** Add each wanted rule no existing permission allows (skipped under --dry-run); one change per wanted rule. */
export async function authorizeRules(
  ctx: Pick<StepContext, 'dryRun'>,
  ec2: EC2Client,
  groupId: string,
  permissions: readonly IpPermission[],
  wanted: readonly IngressRule[],
): Promise<Change[]> {
  const missing = missingRules(permissions, wanted)
  const changes: Change[] = []
  for (const rule of wanted) {
    if (!missing.includes(rule)) {
      changes.push({ resource: 'security group ingress', name: ruleName(rule), outcome: 'unchanged' })
      continue
    }
    let outcome: Change['outcome'] = 'created'
    if (!ctx.dryRun) {
      try {
        await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [ipPermission(rule)] }))
      } catch (error) {
        // Added by a concurrent run: the rule is there, as wanted.
        if (!awsErrorIs(error, 'InvalidPermission.Duplicate')) throw error
        outcome = 'unchanged'
      }
    }
    changes.push({ resource: 'security group ingress', name: ruleName(rule), outcome })
  }
  return changes
}

/** Revoke each rule (skipped under --dry-run), reported as deleted with the reason. */
export async function revokeRules(ctx: Pick<StepContext, 'dryRun'>, ec2: EC2Client, groupId: string, rules: readonly IngressRule[], reason: string): Promise<Change[]> {
  const changes: Change[] = []
  for (const rule of rules) {
    if (!ctx.dryRun) {
      try {
        await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [ipPermission(rule)] }))
      } catch (error) {
        // Revoked by a concurrent run: gone, as wanted.
        if (!awsErrorIs(error, 'InvalidPermission.NotFound')) throw error
      }
    }
    changes.push({ resource: 'security group ingress', name: ruleName(rule), outcome: 'deleted', detail: reason })
  }
  return changes
}

/** An existing group's own line: unchanged, naming the rules on other ports that are not the kit's (never removed: they may be someone's on purpose). */
export function existingGroupChange(name: string, groupId: string, vpcId: string, others: readonly string[]): Change {
  const also = others.length ? `; also allows ${others.join(', ')} (not the kit's: left as is)` : ''
  return { resource: 'security group', name, outcome: 'unchanged', detail: `${groupId} in the default VPC ${vpcId}${also}` }
}

export const securityGroupStep: Step = {
  id: 'ec2/create-security-group',
  title: 'security group for the ECS services',
  provides: ['SECURITY_GROUP_ID', 'SUBNET_IDS'],
  // A routed service's ports admit the load balancer's group, which must exist first (ignored
  // when no service is routed: the step is then not in the run). A getter, as that module uses
  // this one's helpers.
  get needs() {
    return [loadBalancerSecurityGroupStep]
  },
  validate({ services }) {
    const problems: string[] = []
    try {
      if (servicePorts(services).length === 0) {
        problems.push(`no containerPort in ${services.map((s) => s.taskDefinitionFile).join(', ')}: the services' security group would admit nothing`)
      }
    } catch (error) {
      problems.push((error as Error).message)
    }
    return problems
  },
  async run(ctx) {
    const ec2 = ctx.client(EC2Client, 'EC2')
    const groupName = ctx.names.securityGroup
    const services = ctx.services.map((service) => ({ service, ports: containerPorts(loadTemplate(service.taskDefinitionFile)) }))
    const ports = services.flatMap((s) => s.ports)
    const vpcId = ctx.discovered.vpcId ?? (await findDefaultVpc(ec2, ctx.region))
    // All three need only the VPC: look them up at once.
    const [subnetIds, found, loadBalancer] = await Promise.all([
      ctx.discovered.subnetIds?.length ? ctx.discovered.subnetIds : listSubnets(ec2, vpcId),
      findSecurityGroup(ec2, groupName, vpcId),
      routedServices(ctx.services).length > 0 ? resolveLoadBalancerSecurityGroup(ctx, vpcId) : undefined,
    ])
    Object.assign(ctx.discovered, { vpcId, subnetIds })

    const { groupId, existing, changes } = await ensureSecurityGroup(ctx, ec2, { name: groupName, description: GROUP_DESCRIPTION, vpcId }, found)
    ctx.discovered.securityGroupId = groupId
    const wanted = serviceGroupRules(services, { groupId, groupName: `${groupName} (itself)` }, loadBalancer ? { groupId: loadBalancer, groupName: ctx.names.loadBalancerSecurityGroup } : undefined)
    const permissions = existing?.IpPermissions ?? []
    const stale = staleRules(permissions, ports)
    if (existing) {
      const change = existingGroupChange(groupName, groupId, vpcId, otherRules(permissions, wanted, stale))
      const wider = widerRules(permissions, ports)
      if (wider.length) change.warning = `${wider.join('; ')}: not the kit's, left as is; narrow it so that only the load balancer reaches the containers`
      changes.push(change)
    }
    // The new rules first, so a service stays reachable while the old ones go.
    changes.push(...(await authorizeRules(ctx, ec2, groupId, permissions, wanted)))
    changes.push(...(await revokeRules(ctx, ec2, groupId, stale, 'a container port admits only the load balancer and the services themselves')))
    return changes
  },
}

/**
 * The service network, complete: from ctx.discovered when a step of this run recorded it,
 * else looked up read-only. A missing group is an error pointing at the step that creates
 * it; under --dry-run it is a stand-in, so the plan can still be shown.
 */
export async function resolveServiceNetwork(ctx: StepContext): Promise<Required<Pick<Discovered, 'vpcId' | 'securityGroupId' | 'subnetIds'>>> {
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
      throw new KitError(`security group ${ctx.names.securityGroup} not found in the default VPC ${vpcId}: ${runFirst(securityGroupStep)}`)
    }
    securityGroupId = standInGroupId(ctx.names.securityGroup)
  }
  Object.assign(ctx.discovered, { vpcId, subnetIds, securityGroupId })
  return { vpcId, subnetIds, securityGroupId }
}
