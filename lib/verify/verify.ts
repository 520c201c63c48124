// scripts/verify's reads: everything a service's task needs from AWS before it can start,
// read once (roles and groups shared across services), then judged by the pure checks.
import { resolveFrontDoor } from '../front-door/lookup.js'
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeSecurityGroupsCommand, EC2Client, type IpPermission } from '@aws-sdk/client-ec2'
import { ECRClient, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr'
import { contextHome, lookUpImage, registryConfig, type ImageHome } from '../images/image-home.js'
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { IAMClient } from '@aws-sdk/client-iam'
import { readRolePolicies } from '../aws/iam.js'
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { awsErrorIs, endpointFor } from '../aws/clients.js'
import { isLoopbackUrl } from '../aws/emulator.js'
import { findDefaultVpc, findSecurityGroup } from '../aws/network.js'
import { describeError } from '../core/describe-error.js'
import type { ServiceDeclaration } from '../config/services.js'
import type { StepContext } from '../steps/step.js'
import { loadTemplate } from '../templates/template.js'
import { ACMClient, DescribeCertificateCommand, paginateListCertificates } from '@aws-sdk/client-acm'
import { paginateDescribeListeners } from '@aws-sdk/client-elastic-load-balancing-v2'
import { targetGroupName } from '../config/names.js'
import { declaredServices } from '../config/services.js'
import { elbv2, findLoadBalancer, findTargetGroups } from '../front-door/lookup.js'
import { certificateNames, routedServices } from '../front-door/routes.js'
import { certificateCheck, healthPathCheck, targetGroupCheck, type CertificateFacts, type RoutedServiceFacts, type TargetGroupFacts } from './front-door-checks.js'
import {
  clusterCheck,
  execCheck,
  imageCheck,
  logGroupCheck,
  parametersCheck,
  parseManifest,
  permissionCheck,
  platformCheck,
  portsCheck,
  roleCheck,
  templateCheck,
  type CheckResult,
  type ImageFact,
  type ManifestFacts,
  type RoleFacts,
} from './checks.js'
import {
  EXEC_ACTIONS,
  executionRoleNeeds,
  execFacts,
  imageReferences,
  logTargets,
  parameterReferences,
  platformArchitecture,
  renderLoosely,
  roleNameOf,
  taskPorts,
  type ImageReference,
  type TaskDefinitionSpec,
} from './task.js'


/** Reads shared by every service of one verify run (a role is read once). */
export class VerifyReader {
  private readonly memo = new Map<string, Promise<unknown>>()
  constructor(readonly ctx: StepContext) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!this.memo.has(key)) this.memo.set(key, read())
    return this.memo.get(key) as Promise<T>
  }

  role(name: string): Promise<RoleFacts> {
    return this.once(`role:${name}`, async () => {
      // A managed policy that cannot be read grants nothing here: a check may then fail, never pass, wrongly.
      const read = await readRolePolicies(this.ctx.client(IAMClient, 'IAM'), name, { awsManagedDocuments: true, tolerateUnreadablePolicies: true })
      if (!read) return { name, exists: false, documents: [] }
      const documents = [...read.inline.map((p) => p.document), ...read.attached.flatMap((p) => (p.document === undefined ? [] : [p.document]))]
      return { name, exists: true, trust: read.trust, documents }
    })
  }

  /** Names GetParameters reports in InvalidParameters (it does not throw for them), ten at a time. */
  async missingParameters(names: readonly string[]): Promise<string[]> {
    const ssm = this.ctx.client(SSMClient, 'SSM')
    const unique = [...new Set(names)]
    const batches: string[][] = []
    for (let i = 0; i < unique.length; i += 10) batches.push(unique.slice(i, i + 10))
    const answers = await Promise.all(batches.map((Names) => ssm.send(new GetParametersCommand({ Names, WithDecryption: false }))))
    return answers.flatMap((a) => a.InvalidParameters ?? [])
  }

  logGroupExists(group: string): Promise<boolean> {
    return this.once(`log:${group}`, async () => {
      const found = await this.ctx.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS').send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }))
      return (found.logGroups ?? []).some((g) => g.logGroupName === group)
    })
  }

  clusterStatus(cluster: string): Promise<string | undefined> {
    return this.once(`cluster:${cluster}`, async () => {
      const found = await this.ctx.client(ECSClient, 'ECS').send(new DescribeClustersCommand({ clusters: [cluster] }))
      return found.clusters?.find((c) => c.clusterName === cluster)?.status
    })
  }

  /** The security groups the service runs with, or, before it exists, the kit's group. */
  async serviceGroups(service: string): Promise<{ label: string; groups?: Array<{ name: string; permissions: IpPermission[] }> }> {
    const ec2 = this.ctx.client(EC2Client, 'EC2')
    const { cluster, securityGroup } = this.ctx.names
    const described = await this.ctx
      .client(ECSClient, 'ECS')
      .send(new DescribeServicesCommand({ cluster, services: [service] }))
      .catch((error: unknown) => {
        if (awsErrorIs(error, 'ClusterNotFoundException')) return undefined
        throw error
      })
    const live = described?.services?.find((s) => s.serviceName === service && s.status === 'ACTIVE')
    const ids = live?.networkConfiguration?.awsvpcConfiguration?.securityGroups ?? []
    if (ids.length > 0) {
      const found = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids })).catch(() => undefined)
      const groups = (found?.SecurityGroups ?? []).map((g) => ({ name: `${g.GroupName} (${g.GroupId})`, permissions: g.IpPermissions ?? [] }))
      return { label: ids.join(', '), groups }
    }
    const group = await this.once(`sg:${securityGroup}`, async () => findSecurityGroup(ec2, securityGroup, await findDefaultVpc(ec2, this.ctx.region)))
    return { label: securityGroup, groups: group ? [{ name: `${group.GroupName} (${group.GroupId})`, permissions: group.IpPermissions ?? [] }] : [] }
  }

  /** The routed services' target groups that exist, by name: one listing for the whole run. */
  targetGroups(): Promise<Map<string, TargetGroupFacts>> {
    return this.once('target-groups', async () => {
      const names = routedServices(declaredServices()).map((d) => targetGroupName(d.name))
      const found = await findTargetGroups(elbv2(this.ctx), names)
      return new Map(
        [...found].map(([name, g]) => [name, { name, port: g.Port, protocol: g.Protocol, healthCheckPath: g.HealthCheckPath }] as const),
      )
    })
  }

  /**
   * The certificate HTTPS serves: the one the load balancer's HTTPS listener holds or, before
   * there is one, ACM's for the domain (an ISSUED one first). Undefined when there is none.
   */
  certificate(domainName: string): Promise<CertificateFacts | undefined> {
    return this.once(`certificate:${domainName}`, async () => {
      let arn: string | undefined
      let source = ''
      const client = elbv2(this.ctx)
      const lb = await findLoadBalancer(client, this.ctx.names.loadBalancer)
      if (lb?.LoadBalancerArn) {
        for await (const page of paginateDescribeListeners({ client }, { LoadBalancerArn: lb.LoadBalancerArn })) {
          const https = (page.Listeners ?? []).find((l) => l.Protocol === 'HTTPS')
          const held = https?.Certificates?.find((c) => c.IsDefault) ?? https?.Certificates?.[0]
          if (held?.CertificateArn) {
            arn = held.CertificateArn
            source = `the HTTPS listener's (${https?.Port})`
            break
          }
        }
      }
      const acm = this.ctx.client(ACMClient, 'ACM')
      if (!arn) {
        const mine = []
        for await (const page of paginateListCertificates({ client: acm }, {})) {
          mine.push(...(page.CertificateSummaryList ?? []).filter((c) => c.DomainName?.toLowerCase() === domainName))
        }
        const chosen = mine.find((c) => c.Status === 'ISSUED') ?? mine[mine.length - 1]
        if (!chosen?.CertificateArn) return undefined
        arn = chosen.CertificateArn
        source = `ACM's for ${domainName}`
      }
      const described = (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate
      const names = [...new Set([described?.DomainName, ...(described?.SubjectAlternativeNames ?? [])].filter((n): n is string => !!n))]
      return { arn, status: described?.Status, names, source }
    })
  }

  /**
   * Whether the image exists, and its manifest's platforms, asked where the image was pushed
   * (lib/images/image-home.ts): the account's images where ECR_REGISTRY says, another
   * account's in its ECR.
   */
  async image(ref: ImageReference): Promise<{ fact: ImageFact; manifest?: ManifestFacts; unavailable?: string }> {
    if (!ref.ecr) return { fact: { image: ref.image, found: false, why: 'not ecr' } }
    const { registryId, repository: repositoryName, tag, digest } = ref.ecr
    const { home, access } = contextHome(this.ctx)
    const ours = registryId === this.ctx.accountId && ref.ecr.region === this.ctx.region
    const where: ImageHome = ours ? home : { registry: ref.image.split('/')[0], kind: 'ecr' }
    const looked = await lookUpImage(where, repositoryName, digest ? { digest } : { tag: tag ?? 'latest' }, access, { manifest: true, registryId })
    if (!looked.found) return { fact: { image: ref.image, found: false, why: looked.why } }
    const fact: ImageFact = { image: ref.image, found: true, digest: looked.image.digest }
    const manifest = parseManifest(looked.image.manifest, looked.image.mediaType)
    if (manifest.kind !== 'single' || !manifest.configDigest) return { fact, manifest }
    if (where.kind === 'registry') {
      try {
        const config = await registryConfig(where, repositoryName, manifest.configDigest, access)
        return { fact, manifest: { ...manifest, platform: { os: config.os, architecture: config.architecture, variant: config.variant } } }
      } catch (error) {
        return { fact, manifest, unavailable: `the registry did not give its config: ${describeError(error).line}` }
      }
    }
    const ecr = this.ctx.client(ECRClient, 'ECR')
    // A single image's platform is in its config blob: ask the registry for it.
    try {
      const { downloadUrl } = await ecr.send(new GetDownloadUrlForLayerCommand({ registryId, repositoryName, layerDigest: manifest.configDigest }))
      if (!downloadUrl) return { fact, manifest, unavailable: 'the registry gave no download URL for its config' }
      // Against a local emulator, never follow a URL to a real host.
      const endpoint = endpointFor(this.ctx.env, 'ECR')
      if (endpoint && isLoopbackUrl(endpoint) && !isLoopbackUrl(downloadUrl)) return { fact, manifest, unavailable: 'the emulator gave a download URL off this machine' }
      const response = await fetch(downloadUrl, { signal: AbortSignal.timeout(15000) })
      if (!response.ok) return { fact, manifest, unavailable: `the image config answered HTTP ${response.status}` }
      const config = (await response.json()) as { os?: string; architecture?: string; variant?: string }
      return { fact, manifest: { ...manifest, platform: { os: config.os, architecture: config.architecture, variant: config.variant } } }
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      const why = status ? `GetDownloadUrlForLayer answered HTTP ${status}` : describeError(error).line
      return { fact, manifest, unavailable: `the registry did not give its config: ${why}` }
    }
  }
}

const unreadable = (service: string, checks: readonly string[], error: unknown): CheckResult[] =>
  checks.map((check) => ({ service, check, verdict: 'fail' as const, detail: `could not be read: ${describeError(error).line}` }))

/** Checks from one read; when the read fails (access denied, throttled to the end), those checks fail saying so. */
async function guarded(service: string, checks: readonly string[], body: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await body()
  } catch (error) {
    return unreadable(service, checks, error)
  }
}

/**
 * The checks verify runs for each service, in order: one line each (per image and log group),
 * but no 'image platform' line for an image that is not in the registry. The README states this count.
 */
export const VERIFY_CHECKS = [
  'task definition',
  'execution role',
  'task role',
  'pull from ECR',
  'write logs',
  'read parameters',
  'ssm parameters',
  'image',
  'image platform',
  'log group',
  'cluster',
  'ports',
  'ecs exec',
  'target group',
  'health check path',
  'certificate',
] as const

/** Every check for one service, in a fixed order (VERIFY_CHECKS). */
export async function verifyService(reader: VerifyReader, declaration: ServiceDeclaration): Promise<CheckResult[]> {
  const { ctx } = reader
  const service = declaration.name
  const file = declaration.taskDefinitionFile
  const serviceFileName = declaration.serviceFile
  // The task definition may use the services' URLs (SERVICE_URL_*): the front door's, as it exists.
  await resolveFrontDoor(ctx)
  const { json, missing } = renderLoosely(ctx, file)
  const task = json as TaskDefinitionSpec
  const needs = executionRoleNeeds(task, ctx.region, ctx.accountId)
  const parameters = parameterReferences(task, ctx.region, ctx.accountId).map((p) => p.name)
  const architecture = platformArchitecture(task)
  let exec = false
  try {
    exec = (loadTemplate(serviceFileName).json as { enableExecuteCommand?: unknown }).enableExecuteCommand === true
  } catch {
    // No service file: nothing says exec is on.
  }
  const execNeeds = EXEC_ACTIONS.map((action) => ({ action, resource: '*' }))

  // Independent reads at once; each group of checks keeps its place in the output.
  const groups = await Promise.all([
    guarded(service, ['execution role', 'task role', 'pull from ECR', 'write logs', 'read parameters', 'ecs exec'], async () => {
      const [executionRole, taskRole] = await Promise.all([
        task.executionRoleArn ? reader.role(roleNameOf(task.executionRoleArn)) : undefined,
        task.taskRoleArn ? reader.role(roleNameOf(task.taskRoleArn)) : undefined,
      ])
      return [
        roleCheck(service, 'execution role', executionRole),
        roleCheck(service, 'task role', taskRole),
        permissionCheck(service, 'pull from ECR', executionRole, needs.ecr, 'pull the image from ECR'),
        permissionCheck(service, 'write logs', executionRole, needs.logs, 'write the log group'),
        permissionCheck(service, 'read parameters', executionRole, needs.parameters, "read the task's SSM parameters"),
        execCheck(service, exec, serviceFileName, taskRole, execNeeds, execFacts(task)),
      ]
    }),
    guarded(service, ['ssm parameters'], async () => [parametersCheck(service, parameters, parameters.length ? await reader.missingParameters(parameters) : [])]),
    guarded(service, ['image'], async () => {
      const results: CheckResult[] = []
      for (const ref of imageReferences(task)) {
        const { fact, manifest, unavailable } = await reader.image(ref)
        results.push(imageCheck(service, fact))
        if (fact.found) results.push(platformCheck(service, ref.image, architecture, manifest, unavailable))
      }
      return results
    }),
    guarded(service, ['log group'], async () =>
      Promise.all([...new Set(logTargets(task).map((t) => t.group))].map(async (group) => logGroupCheck(service, group, await reader.logGroupExists(group)))),
    ),
    guarded(service, ['cluster'], async () => [clusterCheck(service, ctx.names.cluster, await reader.clusterStatus(ctx.names.cluster))]),
    guarded(service, ['ports'], async () => {
      const { label, groups: found } = await reader.serviceGroups(service)
      return [portsCheck(service, taskPorts(task), found, label)]
    }),
  ])
  const [iam, ssm, images, logs, cluster, ports] = groups
  const exe = iam.pop() as CheckResult
  return [templateCheck(service, file, missing), ...iam, ...ssm, ...images, ...logs, ...cluster, ...ports, exe, ...(await frontDoorChecks(reader, declaration, task))]
}

/** The front door's checks for one service: its target group, its health path, and with DOMAIN_NAME the certificate. */
async function frontDoorChecks(reader: VerifyReader, declaration: ServiceDeclaration, task: TaskDefinitionSpec): Promise<CheckResult[]> {
  const service = declaration.name
  const route = declaration.frontDoor
  const container = (task.containerDefinitions ?? []).find((c) => c.name === service) ?? task.containerDefinitions?.[0]
  const taskPort = container ? taskPorts({ containerDefinitions: [container] })[0]?.port : undefined
  const routed: RoutedServiceFacts | undefined = route
    ? { service, targetGroup: targetGroupName(service), declaredPort: declaration.containerPort, taskPort, taskFile: declaration.taskDefinitionFile, healthCheckPath: route.healthCheckPath }
    : undefined
  const { domainName } = reader.ctx.names
  const [groups, certificate] = await Promise.all([
    guarded(service, ['target group', 'health check path'], async () => {
      const group = routed ? (await reader.targetGroups()).get(routed.targetGroup) : undefined
      return [targetGroupCheck(service, routed, group), healthPathCheck(service, routed, group)]
    }),
    guarded(service, ['certificate'], async () => {
      const wanted = domainName ? certificateNames(declaredServices(), domainName) : []
      const found = routed && domainName ? await reader.certificate(domainName) : undefined
      return [certificateCheck(service, routed !== undefined, domainName, wanted, found)]
    }),
  ])
  return [...groups, ...certificate]
}
