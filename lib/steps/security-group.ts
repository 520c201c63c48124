// The guide's security group (crud-srv-sg in the default VPC), idempotent, opening the ports
// the containers listen on. The guide opened port 80 while the container listens on 4567, so
// nothing could reach the service: the ports here come from the task definitions instead.
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client, type IpPermission } from '@aws-sdk/client-ec2'
import { awsErrorIs } from '../aws/clients.js'
import { findDefaultVpc, findSecurityGroup, listSubnets, standInGroupId } from '../aws/network.js'
import { ConfigError, KitError } from '../core/errors.js'
import type { ServiceDeclaration } from '../config/services.js'
import { runFirst, type Change, type Discovered, type Step, type StepContext } from './step.js'
import { loadTemplate, type Template } from '../templates/template.js'

export const GROUP_DESCRIPTION = 'Security group for Cruddur services on ECS'

export interface ContainerPort {
  protocol: string
  port: number
}

export interface IngressRule extends ContainerPort {
  cidr: string
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

/** The ingress rules the services need: each distinct container port from the CIDR, sorted. Pure. */
export function wantedRules(ports: readonly ContainerPort[], cidr: string): IngressRule[] {
  const seen = new Map<string, IngressRule>()
  for (const { protocol, port } of ports) seen.set(`${protocol}/${port}`, { protocol, port, cidr })
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol))
}

const covers = (p: IpPermission, rule: IngressRule): boolean =>
  p.IpProtocol === rule.protocol &&
  p.FromPort !== undefined &&
  p.ToPort !== undefined &&
  p.FromPort <= rule.port &&
  rule.port <= p.ToPort &&
  (p.IpRanges ?? []).some((r) => r.CidrIp === rule.cidr)

/** The wanted rules that no existing permission already allows (a port range counts). Pure. */
export function missingRules(permissions: readonly IpPermission[], wanted: readonly IngressRule[]): IngressRule[] {
  return wanted.filter((rule) => !permissions.some((p) => covers(p, rule)))
}

/** Existing IPv4 rules that are not the kit's, e.g. the guide's tcp/80, as "tcp/80 from 0.0.0.0/0". Pure. */
export function otherRules(permissions: readonly IpPermission[], wanted: readonly IngressRule[]): string[] {
  const others: string[] = []
  for (const p of permissions) {
    const ports = p.IpProtocol === '-1' ? 'all traffic' : p.FromPort === p.ToPort ? `${p.IpProtocol}/${p.FromPort}` : `${p.IpProtocol}/${p.FromPort}-${p.ToPort}`
    for (const range of p.IpRanges ?? []) {
      const mine = wanted.some((w) => w.cidr === range.CidrIp && w.protocol === p.IpProtocol && w.port === p.FromPort && w.port === p.ToPort)
      if (!mine && range.CidrIp) others.push(`${ports} from ${range.CidrIp}`)
    }
  }
  return others
}

export const ruleName = (rule: IngressRule): string => `${rule.protocol}/${rule.port} from ${rule.cidr}`

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

export const securityGroupStep: Step = {
  id: 'ec2/create-security-group',
  title: 'security group for the ECS services',
  provides: ['SECURITY_GROUP_ID', 'SUBNET_IDS'],
  needs: [],
  validate({ names, services }) {
    const problems: string[] = []
    const cidr = cidrProblem(names.ingressCidr)
    if (cidr) problems.push(cidr)
    try {
      if (servicePorts(services).length === 0) {
        problems.push(`no containerPort in ${services.map((s) => s.taskDefinitionFile).join(', ')}: the security group would open nothing`)
      }
    } catch (error) {
      problems.push((error as Error).message)
    }
    return problems
  },
  async run(ctx) {
    const ec2 = ctx.client(EC2Client, 'EC2')
    const groupName = ctx.names.securityGroup
    const wanted = wantedRules(servicePorts(ctx.services), ctx.names.ingressCidr)
    const vpcId = await findDefaultVpc(ec2, ctx.region)
    // Both need only the VPC: look them up at once.
    const [subnetIds, found] = await Promise.all([listSubnets(ec2, vpcId), findSecurityGroup(ec2, groupName, vpcId)])
    Object.assign(ctx.discovered, { vpcId, subnetIds })

    const changes: Change[] = []
    let group = found
    let groupId = group?.GroupId
    if (!group) {
      if (ctx.dryRun) {
        ctx.discovered.securityGroupId = standInGroupId(groupName)
        changes.push({ resource: 'security group', name: groupName, outcome: 'created', detail: `in the default VPC ${vpcId}` })
        for (const rule of wanted) changes.push({ resource: 'security group ingress', name: ruleName(rule), outcome: 'created' })
        return changes
      }
      try {
        groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: groupName, Description: GROUP_DESCRIPTION, VpcId: vpcId }))).GroupId
        changes.push({ resource: 'security group', name: groupName, outcome: 'created', detail: `${groupId} in the default VPC ${vpcId}` })
      } catch (error) {
        // Created by a concurrent run between our read and our write: that is the state we want.
        if (!awsErrorIs(error, 'InvalidGroup.Duplicate')) throw error
        group = await findSecurityGroup(ec2, groupName, vpcId)
        if (!group) throw error
        groupId = group.GroupId
      }
    }
    if (!groupId) throw new Error(`security group ${groupName} has no id`)
    ctx.discovered.securityGroupId = groupId
    const permissions = group?.IpPermissions ?? []
    if (group) {
      // Rules the kit did not add (the guide's port 80, a teammate's SSH) are never removed:
      // they may be someone's on purpose. They are only mentioned.
      const others = otherRules(permissions, wanted)
      const also = others.length ? `; also allows ${others.join(', ')} (not the kit's: left as is)` : ''
      changes.push({ resource: 'security group', name: groupName, outcome: 'unchanged', detail: `${groupId} in the default VPC ${vpcId}${also}` })
    }

    const missing = missingRules(permissions, wanted)
    for (const rule of wanted) {
      if (!missing.includes(rule)) {
        changes.push({ resource: 'security group ingress', name: ruleName(rule), outcome: 'unchanged' })
        continue
      }
      let outcome: Change['outcome'] = 'created'
      if (!ctx.dryRun) {
        try {
          await ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: groupId,
              IpPermissions: [{ IpProtocol: rule.protocol, FromPort: rule.port, ToPort: rule.port, IpRanges: [{ CidrIp: rule.cidr }] }],
            }),
          )
        } catch (error) {
          // Added by a concurrent run: the rule is there, as wanted.
          if (!awsErrorIs(error, 'InvalidPermission.Duplicate')) throw error
          outcome = 'unchanged'
        }
      }
      changes.push({ resource: 'security group ingress', name: ruleName(rule), outcome })
    }
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
