// The audit's picture of the live stack: what the kit manages, read through the SDK (read
// only). Services are read with the task definition revision they actually run; roles with
// their trust, inline and attached policies; ECR repositories with their settings, policies
// and the scan findings of the images deployed from them; and the region's CloudTrail trails
// and AWS Config recorders. A call the credentials may not make is reported as unreadable
// (and its rules as not checked), never guessed.
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail'
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { ConfigServiceClient, DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service'
import { DescribeSecurityGroupsCommand, EC2Client, type SecurityGroup } from '@aws-sdk/client-ec2'
import {
  DescribeLoadBalancerAttributesCommand,
  paginateDescribeListeners,
  paginateDescribeRules,
  type Action,
  type Listener,
  type Rule as ListenerRule,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {
  DescribeImageScanFindingsCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr'
import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs'
import { IAMClient } from '@aws-sdk/client-iam'
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { awsErrorIs } from '../aws/clients.js'
import { ecrRegistry } from '../aws/arns.js'
import type { RunContext } from '../aws/context.js'
import { roleSpecs, TRUST_POLICY_FILE } from '../steps/iam-roles.js'
import { decodePolicy, readRolePolicies } from '../aws/iam.js'
import { familyOf } from '../steps/ecs-service.js'
import { declaredServices, serviceFileOf, taskDefinitionFileOf } from '../config/services.js'
import { elbv2, findLoadBalancer } from '../front-door/lookup.js'
import { routedServices } from '../front-door/routes.js'
import { isMissingDefinition } from '../steps/task-definition.js'
import { referencedParameters, serviceFacts, taskDefinitionFacts } from './local.js'
import {
  parseImage,
  roleNameOf,
  type ImageScan,
  type ListenerFacts,
  type LoadBalancerFacts,
  type LogGroupFacts,
  type ParameterFacts,
  type PolicyDocumentFacts,
  type RecorderFacts,
  type RepositoryFacts,
  type RoleFacts,
  type SecurityGroupFacts,
  type ServiceFacts,
  type Snapshot,
  type TaskDefinitionFacts,
  type TrailFacts,
} from './snapshot.js'

const DENIED = /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized/

/** The answer, or undefined (noted as unreadable) when the credentials may not ask. */
async function orDenied<T>(unreadable: string[], what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call()
  } catch (error) {
    if (!awsErrorIs(error, DENIED)) throw error
    unreadable.push(`${what}: ${(error as Error).name} (grant read access to check it)`)
    return undefined
  }
}

/** The answer, or `fallback` when AWS says the thing is not there. */
async function unlessMissing<T, F>(call: () => Promise<T>, missing: RegExp, fallback: F): Promise<T | F> {
  try {
    return await call()
  } catch (error) {
    if (awsErrorIs(error, missing)) return fallback
    throw error
  }
}

async function readRole(run: RunContext, name: string, unreadable: string[], absent: string[]): Promise<RoleFacts | undefined> {
  const read = await orDenied(unreadable, `iam role ${name}`, () => readRolePolicies(run.client(IAMClient, 'IAM'), name))
  if (!read) {
    if (!unreadable.some((u) => u.startsWith(`iam role ${name}`))) absent.push(`iam role ${name}`)
    return undefined
  }
  const spec = roleSpecs(run.names).find((s) => s.role === name)
  const inline = read.inline.map(
    (p): PolicyDocumentFacts => ({ name: p.name, kind: 'inline', document: p.document, ...(spec && spec.inlinePolicy === p.name ? { file: spec.inlineFile } : {}) }),
  )
  const managed = read.attached.map(
    (p): PolicyDocumentFacts => ({ name: p.name, kind: p.awsManaged ? 'aws-managed' : 'customer-managed', arn: p.arn, ...(p.document === undefined ? {} : { document: p.document }) }),
  )
  return {
    name,
    arn: read.role.Arn,
    trust: read.trust,
    ...(spec ? { trustFile: TRUST_POLICY_FILE } : {}),
    policies: [...inline, ...managed],
  }
}

function ingressOf(group: SecurityGroup): SecurityGroupFacts {
  return {
    name: group.GroupName ?? group.GroupId ?? '?',
    id: group.GroupId,
    ingress: (group.IpPermissions ?? []).flatMap((p) =>
      [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)]
        .filter((cidr): cidr is string => !!cidr)
        .map((cidr) => ({ protocol: p.IpProtocol ?? '-1', fromPort: p.FromPort, toPort: p.ToPort, cidr })),
    ),
  }
}

const actionFacts = (actions: readonly Action[] | undefined): ListenerFacts['actions'] =>
  (actions ?? []).map((a) => ({ type: String(a.Type ?? '?'), ...(a.RedirectConfig?.Protocol ? { redirectProtocol: a.RedirectConfig.Protocol } : {}) }))

/**
 * The front door's load balancer: its attributes, and each listener with its default action and
 * its rules' actions. Null when it does not exist (noted as absent) or no service is routed.
 */
async function readLoadBalancer(run: RunContext, routed: number, unreadable: string[], absent: string[]): Promise<LoadBalancerFacts | null | undefined> {
  if (routed === 0) return null
  const client = elbv2(run)
  const name = run.names.loadBalancer
  return orDenied(unreadable, `load balancer ${name}`, async () => {
    const lb = await findLoadBalancer(client, name)
    if (!lb?.LoadBalancerArn) {
      absent.push(`load balancer ${name}`)
      return null
    }
    const arn = lb.LoadBalancerArn
    const [attributes, listeners] = await Promise.all([
      client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn })),
      (async () => {
        const all: Listener[] = []
        for await (const page of paginateDescribeListeners({ client }, { LoadBalancerArn: arn })) all.push(...(page.Listeners ?? []))
        return all
      })(),
    ])
    const attribute = (key: string): boolean | undefined => {
      const value = attributes.Attributes?.find((a) => a.Key === key)?.Value
      return value === undefined ? undefined : value === 'true'
    }
    const facts = await Promise.all(
      listeners.map(async (l): Promise<ListenerFacts> => {
        const rules: ListenerRule[] = []
        if (l.ListenerArn) for await (const page of paginateDescribeRules({ client }, { ListenerArn: l.ListenerArn })) rules.push(...(page.Rules ?? []))
        const ruleActions = rules.filter((r) => !r.IsDefault).flatMap((r) => actionFacts(r.Actions))
        return { protocol: String(l.Protocol ?? '?'), port: l.Port, ...(l.SslPolicy ? { sslPolicy: l.SslPolicy } : {}), actions: [...actionFacts(l.DefaultActions), ...ruleActions] }
      }),
    )
    return {
      name,
      arn,
      dropInvalidHeaderFields: attribute('routing.http.drop_invalid_header_fields.enabled'),
      accessLogs: attribute('access_logs.s3.enabled'),
      deletionProtection: attribute('deletion_protection.enabled'),
      listeners: facts.sort((a, b) => (a.port ?? 0) - (b.port ?? 0)),
    }
  })
}

/** Read the live stack the kit manages into a snapshot. Read-only. */
export async function liveSnapshot(run: RunContext): Promise<Snapshot> {
  const { names, region } = run
  const account = await run.account()
  const registry = ecrRegistry(account, region)
  const unreadable: string[] = []
  const absent: string[] = []
  const ecs = run.client(ECSClient, 'ECS')
  const ecr = run.client(ECRClient, 'ECR')
  const ec2 = run.client(EC2Client, 'EC2')
  const logs = run.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')

  // Account-level facts are independent of the stack: read them alongside it.
  const trailsRead = orDenied(unreadable, 'CloudTrail trails', async (): Promise<TrailFacts[]> => {
    const trail = run.client(CloudTrailClient, 'CLOUDTRAIL')
    const list = (await trail.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? []
    const here = list.filter((t) => t.IsMultiRegionTrail || t.HomeRegion === undefined || t.HomeRegion === region)
    return Promise.all(
      here.map(async (t) => {
        const status = await trail.send(new GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name }))
        return { name: t.Name ?? '?', homeRegion: t.HomeRegion, multiRegion: t.IsMultiRegionTrail, isLogging: status.IsLogging }
      }),
    )
  })
  const recordersRead = orDenied(unreadable, 'AWS Config recorders', async (): Promise<RecorderFacts[]> => {
    const config = run.client(ConfigServiceClient, 'CONFIG_SERVICE')
    const status = await config.send(new DescribeConfigurationRecorderStatusCommand({}))
    return (status.ConfigurationRecordersStatus ?? []).map((r) => ({ name: r.name ?? '?', recording: r.recording }))
  })

  const clusters = await ecs.send(new DescribeClustersCommand({ clusters: [names.cluster], include: ['SETTINGS', 'TAGS'] }))
  const cluster = clusters.clusters?.find((c) => c.clusterName === names.cluster && c.status !== 'INACTIVE')
  if (!cluster) absent.push(`ecs cluster ${names.cluster}`)

  const declarations = declaredServices()
  const routed = routedServices(declarations).filter((d) => names.services.includes(d.name)).length
  // Its absence is noted after the rest, so the list keeps the stack's order (cluster, services, ...).
  const loadBalancerAbsent: string[] = []
  const loadBalancerRead = readLoadBalancer(run, routed, unreadable, loadBalancerAbsent)

  // DescribeServices takes at most 10 services a call.
  const described = []
  for (let i = 0; cluster && i < names.services.length; i += 10) {
    const page = await ecs.send(new DescribeServicesCommand({ cluster: names.cluster, services: names.services.slice(i, i + 10), include: ['TAGS'] }))
    described.push(...(page.services ?? []))
  }
  const services: ServiceFacts[] = []
  for (const name of names.services) {
    const svc = described.find((s) => s.serviceName === name && s.status !== 'INACTIVE')
    if (!svc) {
      absent.push(`ecs service ${name}`)
      continue
    }
    const answer = await ecs
      .send(new DescribeTaskDefinitionCommand({ taskDefinition: svc.taskDefinition ?? name, include: ['TAGS'] }))
      .catch((error: unknown) => {
        if (isMissingDefinition(error)) return undefined
        throw error
      })
    const declared = declarations.find((d) => d.name === name)
    const facts = {
      ...serviceFacts(svc, name, serviceFileOf(name), svc.tags ?? []),
      ...(declared ? { routed: declared.frontDoor !== undefined, containerPort: declared.containerPort } : {}),
    }
    if (!answer?.taskDefinition) {
      absent.push(`task definition ${svc.taskDefinition ?? name}`)
      services.push(facts)
      continue
    }
    const family = familyOf(answer.taskDefinition.family ?? name)
    services.push({ ...facts, taskDefinition: taskDefinitionFacts(answer.taskDefinition, taskDefinitionFileOf(family), answer.tags ?? []) })
  }
  const tds = services.map((s) => s.taskDefinition).filter((t): t is TaskDefinitionFacts => t !== undefined)

  const roleNames = [...new Set([names.executionRole, names.taskRole, ...tds.flatMap((td) => [td.executionRoleArn, td.taskRoleArn]).filter((a): a is string => !!a).map(roleNameOf)])]
  const rolesRead = Promise.all(roleNames.map((n) => readRole(run, n, unreadable, absent)))

  const groupsRead = (async (): Promise<SecurityGroupFacts[]> => {
    const byName = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [names.securityGroup] }] }))
    const groups = [...(byName.SecurityGroups ?? [])]
    if (groups.length === 0) absent.push(`security group ${names.securityGroup}`)
    const ids = [...new Set(services.flatMap((s) => s.securityGroups ?? []))].filter((id) => !groups.some((g) => g.GroupId === id))
    if (ids.length > 0) {
      const more = await unlessMissing(() => ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids })), /InvalidGroup\.NotFound/, undefined)
      groups.push(...(more?.SecurityGroups ?? []))
    }
    return groups.map(ingressOf)
  })()

  const parametersRead = (async (): Promise<ParameterFacts[]> => {
    const referenced = referencedParameters(tds)
    const ssm = run.client(SSMClient, 'SSM')
    const facts: ParameterFacts[] = []
    for (let i = 0; i < referenced.length; i += 10) {
      const batch = referenced.slice(i, i + 10)
      const got = await orDenied(unreadable, 'ssm parameters', () => ssm.send(new GetParametersCommand({ Names: batch.map((p) => p.name), WithDecryption: false })))
      for (const p of batch) {
        const found = got?.Parameters?.find((x) => x.Name === p.name)
        if (got && !found) absent.push(`ssm parameter ${p.name} (a secret of ${p.referencedBy.join(', ')})`)
        facts.push({ name: p.name, referencedBy: p.referencedBy, ...(found?.Type ? { type: found.Type } : {}) })
      }
    }
    return facts
  })()

  // The images the services run, by repository of the account's registry.
  const deployed = new Map<string, string[]>()
  for (const td of tds) {
    for (const c of td.containerDefinitions) {
      if (!c.image) continue
      const ref = parseImage(c.image)
      if (ref.registry !== registry) continue
      deployed.set(ref.repository, [...(deployed.get(ref.repository) ?? []), c.image])
    }
  }
  const repositoryNames = [...new Set([...names.repositories, ...deployed.keys()])]
  const repositoriesRead = Promise.all(
    repositoryNames.map(async (name): Promise<RepositoryFacts> => {
      const found = await unlessMissing(() => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })), /RepositoryNotFound/, undefined)
      const repo = found?.repositories?.find((r) => r.repositoryName === name)
      if (!repo) {
        absent.push(`ecr repository ${name}`)
        return { name, exists: false }
      }
      const [lifecycle, policy, scans] = await Promise.all([
        unlessMissing(() => ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name })), /LifecyclePolicyNotFound/, null),
        unlessMissing(() => ecr.send(new GetRepositoryPolicyCommand({ repositoryName: name })), /RepositoryPolicyNotFound/, null),
        Promise.all(
          [...new Set(deployed.get(name) ?? [])].map(async (image): Promise<ImageScan> => {
            const ref = parseImage(image)
            const imageId = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag ?? 'latest' }
            try {
              const r = await ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: name, imageId }))
              return { image, status: r.imageScanStatus?.status, counts: r.imageScanFindings?.findingSeverityCounts ?? {} }
            } catch (error) {
              if (awsErrorIs(error, /ScanNotFound/)) return { image, status: 'NOT SCANNED' }
              if (awsErrorIs(error, /ImageNotFound/)) return { image, status: 'NOT PUSHED' }
              throw error
            }
          }),
        ),
      ])
      const parse = (text: string | undefined): unknown => (text ? decodePolicy(text) : null)
      return {
        name,
        exists: true,
        scanOnPush: repo.imageScanningConfiguration?.scanOnPush ?? false,
        tagMutability: repo.imageTagMutability,
        lifecyclePolicy: lifecycle === null ? null : parse(lifecycle.lifecyclePolicyText),
        repositoryPolicy: policy === null ? null : parse(policy.policyText),
        scans,
      }
    }),
  )

  const groupNames = [...new Set([names.logGroup, ...tds.flatMap((td) => td.containerDefinitions.map((c) => c.logConfiguration?.options?.['awslogs-group']))])].filter(
    (g): g is string => !!g,
  )
  const logGroupsRead = Promise.all(
    groupNames.map(async (name): Promise<LogGroupFacts> => {
      const found = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups?.find((g) => g.logGroupName === name)
      if (!found && name === names.logGroup) absent.push(`log group ${name}`)
      return { name, exists: !!found, kits: name === names.logGroup, ...(found?.retentionInDays ? { retentionDays: found.retentionInDays } : {}) }
    }),
  )

  const [loadBalancer, roles, securityGroups, parameters, repositories, logGroups, trails, recorders] = await Promise.all([
    loadBalancerRead,
    rolesRead,
    groupsRead,
    parametersRead,
    repositoriesRead,
    logGroupsRead,
    trailsRead,
    recordersRead,
  ])
  return {
    mode: 'live',
    region,
    account,
    registry,
    cluster: {
      name: names.cluster,
      exists: !!cluster,
      containerInsights: cluster?.settings?.find((s) => s.name === 'containerInsights')?.value,
      tags: cluster?.tags ?? [],
    },
    services,
    roles: roles.filter((r): r is RoleFacts => r !== undefined),
    securityGroups,
    parameters,
    repositories,
    logGroups,
    ...(trails ? { trails } : {}),
    ...(recorders ? { recorders } : {}),
    ...(loadBalancer !== undefined ? { loadBalancer } : {}),
    unreadable,
    absent: [...absent, ...loadBalancerAbsent],
  }
}
