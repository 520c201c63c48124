// What exists of the stack, read-only: the demo's closing picture and scripts/status.
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs'
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam'
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm'
import type { RunContext } from '../aws/context.js'

export interface Item {
  kind: string
  name: string
  /** Undefined when the resource does not exist. */
  state?: string
}

const settle = async <T>(promise: Promise<T>): Promise<T | undefined> => promise.catch(() => undefined)

/** Every resource the kit manages, with a short description of its state. */
export async function inventory(ctx: RunContext): Promise<Item[]> {
  const { names } = ctx
  const logs = ctx.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
  const ecs = ctx.client(ECSClient, 'ECS')
  const ecr = ctx.client(ECRClient, 'ECR')
  const ssm = ctx.client(SSMClient, 'SSM')
  const iam = ctx.client(IAMClient, 'IAM')
  const ec2 = ctx.client(EC2Client, 'EC2')

  const [groups, clusters, repositories, parameters, securityGroups, services, ...rest] = await Promise.all([
    settle(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: names.logGroup }))),
    settle(ecs.send(new DescribeClustersCommand({ clusters: [names.cluster] }))),
    settle(ecr.send(new DescribeRepositoriesCommand({}))),
    settle(ssm.send(new GetParametersByPathCommand({ Path: names.ssmPrefix, Recursive: true, WithDecryption: false }))),
    settle(ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [names.securityGroup] }] }))),
    settle(ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: names.services }))),
    ...[names.executionRole, names.taskRole].map(async (role) => {
      const found = await settle(iam.send(new GetRoleCommand({ RoleName: role })))
      if (!found) return { kind: 'iam role', name: role }
      const [inline, attached] = await Promise.all([
        settle(iam.send(new ListRolePoliciesCommand({ RoleName: role }))),
        settle(iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))),
      ])
      const policies = [...(inline?.PolicyNames ?? []), ...(attached?.AttachedPolicies ?? []).map((p) => p.PolicyName)]
      return { kind: 'iam role', name: role, state: `policies: ${policies.join(', ') || 'none'}` }
    }),
    ...names.services.map(async (family) => {
      const list = await settle(ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC' })))
      const latest = list?.taskDefinitionArns?.[0]
      return { kind: 'task definition', name: family, state: latest ? `latest ${latest.split('/').pop()}` : undefined }
    }),
  ])

  const items: Item[] = []
  const group = groups?.logGroups?.find((g) => g.logGroupName === names.logGroup)
  items.push({ kind: 'log group', name: names.logGroup, state: group ? `retention ${group.retentionInDays ?? 'never'} day(s)` : undefined })
  const cluster = clusters?.clusters?.find((c) => c.clusterName === names.cluster && c.status !== 'INACTIVE')
  items.push({ kind: 'ecs cluster', name: names.cluster, state: cluster ? `${cluster.status}` : undefined })
  for (const name of names.repositories) {
    const repo = repositories?.repositories?.find((r) => r.repositoryName === name)
    items.push({
      kind: 'ecr repository',
      name,
      state: repo ? `${repo.repositoryUri} (scan on push ${repo.imageScanningConfiguration?.scanOnPush ? 'on' : 'off'})` : undefined,
    })
  }
  const parameterNames = (parameters?.Parameters ?? []).map((p) => `${p.Name} (v${p.Version})`)
  items.push({ kind: 'ssm parameters', name: `${names.ssmPrefix}/*`, state: parameterNames.length ? `${parameterNames.length}: ${parameterNames.join(', ')}` : undefined })
  items.push(...(rest as Item[]))
  const sg = securityGroups?.SecurityGroups?.[0]
  const rules = (sg?.IpPermissions ?? []).flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.IpProtocol}/${p.FromPort} from ${r.CidrIp}`))
  items.push({ kind: 'security group', name: names.securityGroup, state: sg ? `${sg.GroupId}, ingress ${rules.join(', ') || 'none'}` : undefined })
  for (const name of names.services) {
    const service = services?.services?.find((s) => s.serviceName === name && s.status !== 'INACTIVE')
    items.push({
      kind: 'ecs service',
      name,
      state: service ? `${service.status}, ${service.taskDefinition?.split('/').pop()}, desired ${service.desiredCount}` : undefined,
    })
  }
  return items
}

/** One line per item. Pure. */
export function formatInventory(items: readonly Item[]): string[] {
  return items.map((item) => `  ${item.state === undefined ? '✗' : '✓'} ${`${item.kind} ${item.name}`.padEnd(52)} ${item.state ?? 'missing'}`)
}
