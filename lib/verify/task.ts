// What a rendered task definition asks of AWS, worked out without calling it: the roles it
// runs with, the SSM parameters its secrets name, its images, log groups, ports and
// platform, and the permissions its execution role therefore needs. Pure, except
// renderLoosely, which reads a template file.
import { get } from '../config/env.js'
import { partitionOf } from '../aws/arns.js'
import { derivedValues, placeholderHint, type StepContext } from '../steps/step.js'
import { loadTemplate, render } from '../templates/template.js'
import type { Permission } from './policy.js'

export interface ContainerSpec {
  name?: string
  image?: string
  essential?: boolean
  portMappings?: Array<{ containerPort?: number; protocol?: string }>
  secrets?: Array<{ name?: string; valueFrom?: string }>
  environment?: Array<{ name?: string; value?: string }>
  readonlyRootFilesystem?: boolean
  logConfiguration?: { logDriver?: string; options?: Record<string, string> }
}

export interface TaskDefinitionSpec {
  family?: string
  executionRoleArn?: string
  taskRoleArn?: string
  runtimePlatform?: { cpuArchitecture?: string; operatingSystemFamily?: string }
  containerDefinitions?: ContainerSpec[]
}

/**
 * A template rendered with the context's values; a placeholder without one is left as
 * `<NAME>` and listed in `missing`, so checks that do not depend on it can still run.
 */
export function renderLoosely(ctx: StepContext, file: string): { json: unknown; missing: string[] } {
  const derived = derivedValues(ctx)
  const missing = new Set<string>()
  const json = render(
    loadTemplate(file),
    (name) => {
      const value = derived[name] ?? get(ctx.env, name)
      if (value === undefined) missing.add(name)
      return value ?? `<${name}>`
    },
    placeholderHint,
  )
  return { json, missing: [...missing] }
}

/** A role's name from its ARN (arn:aws:iam::123:role/path/Name) or a bare name. Pure. */
export const roleNameOf = (arn: string): string => arn.split('/').pop() ?? arn

/** The SSM parameter name behind a secret's valueFrom: a parameter ARN or a name; undefined for Secrets Manager. Pure. */
export function parameterNameOf(valueFrom: string): string | undefined {
  const arn = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*|[^/].*)$/.exec(valueFrom)
  if (arn) return arn[1].startsWith('/') ? arn[1] : `/${arn[1]}`
  if (valueFrom.startsWith('arn:')) return undefined
  return valueFrom
}

export interface ParameterReference {
  container: string
  variable: string
  /** The parameter's name, as GetParameters takes it. */
  name: string
  /** Its ARN, as IAM evaluates it. */
  arn: string
}

/** Every SSM parameter the task definition's secrets name. Pure. */
export function parameterReferences(task: TaskDefinitionSpec, region: string, account: string): ParameterReference[] {
  return (task.containerDefinitions ?? []).flatMap((c) =>
    (c.secrets ?? []).flatMap((s) => {
      const valueFrom = String(s.valueFrom ?? '')
      const name = parameterNameOf(valueFrom)
      if (name === undefined) return []
      const arn = valueFrom.startsWith('arn:') ? valueFrom : `arn:${partitionOf(region)}:ssm:${region}:${account}:parameter${name.startsWith('/') ? name : `/${name}`}`
      return [{ container: c.name ?? '?', variable: s.name ?? '?', name, arn }]
    }),
  )
}

export interface ImageReference {
  container: string
  image: string
  /** Set when the image lives in ECR. */
  ecr?: { registryId: string; region: string; repository: string; tag?: string; digest?: string }
}

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/

/** Each container's image, parsed when it is an ECR image. Pure. */
export function imageReferences(task: TaskDefinitionSpec): ImageReference[] {
  return (task.containerDefinitions ?? []).map((c) => {
    const image = String(c.image ?? '')
    const m = ECR_IMAGE.exec(image)
    if (!m) return { container: c.name ?? '?', image }
    const [, registryId, region, repository, tag, digest] = m
    return { container: c.name ?? '?', image, ecr: { registryId, region, repository, ...(tag || !digest ? { tag: tag ?? 'latest' } : {}), ...(digest ? { digest } : {}) } }
  })
}

export interface LogTarget {
  container: string
  group: string
  region?: string
  streamPrefix?: string
  createGroup: boolean
}

/** The awslogs log groups the containers write to. Pure. */
export function logTargets(task: TaskDefinitionSpec): LogTarget[] {
  return (task.containerDefinitions ?? []).flatMap((c) => {
    const options = c.logConfiguration?.options ?? {}
    if (c.logConfiguration?.logDriver !== 'awslogs' || !options['awslogs-group']) return []
    return [
      {
        container: c.name ?? '?',
        group: options['awslogs-group'],
        region: options['awslogs-region'],
        streamPrefix: options['awslogs-stream-prefix'],
        createGroup: String(options['awslogs-create-group']).toLowerCase() === 'true',
      },
    ]
  })
}

/** The architecture Fargate runs the task on, as an OCI platform: amd64, or arm64 for ARM64. Pure. */
export const platformArchitecture = (task: TaskDefinitionSpec): 'amd64' | 'arm64' =>
  String(task.runtimePlatform?.cpuArchitecture ?? 'X86_64').toUpperCase() === 'ARM64' ? 'arm64' : 'amd64'

export interface NeededPermissions {
  ecr: Permission[]
  logs: Permission[]
  parameters: Permission[]
}

/** What the execution role must be allowed for ECS to start the task. Pure. */
export function executionRoleNeeds(task: TaskDefinitionSpec, region: string, account: string): NeededPermissions {
  const partition = partitionOf(region)
  const ecr: Permission[] = []
  for (const { ecr: image } of imageReferences(task)) {
    if (!image) continue
    if (!ecr.length) ecr.push({ action: 'ecr:GetAuthorizationToken', resource: '*' })
    const repository = `arn:${partitionOf(image.region)}:ecr:${image.region}:${image.registryId}:repository/${image.repository}`
    for (const action of ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage']) {
      if (!ecr.some((p) => p.action === action && p.resource === repository)) ecr.push({ action, resource: repository })
    }
  }
  const logs: Permission[] = logTargets(task).flatMap((t) => {
    const groupArn = `arn:${partition}:logs:${t.region ?? region}:${account}:log-group:${t.group}`
    // The stream ECS makes: prefix/container/task-id.
    const stream = `${groupArn}:log-stream:${t.streamPrefix ? `${t.streamPrefix}/` : ''}${t.container}/0123456789abcdef0123456789abcdef`
    return [
      ...(t.createGroup ? [{ action: 'logs:CreateLogGroup', resource: `${groupArn}:*` }] : []),
      { action: 'logs:CreateLogStream', resource: stream },
      { action: 'logs:PutLogEvents', resource: stream },
    ]
  })
  const parameters = parameterReferences(task, region, account).map((p) => ({ action: 'ssm:GetParameters', resource: p.arn }))
  return { ecr, logs, parameters }
}

/** The four actions ECS Exec's agent needs from the task role (SSM Session Manager channels). */
export const EXEC_ACTIONS = ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'] as const

/** Each container port the task definition maps. Pure. */
export function taskPorts(task: TaskDefinitionSpec): Array<{ protocol: string; port: number }> {
  return (task.containerDefinitions ?? []).flatMap((c) =>
    (c.portMappings ?? []).flatMap((m) => (typeof m.containerPort === 'number' ? [{ protocol: String(m.protocol ?? 'tcp').toLowerCase(), port: m.containerPort }] : [])),
  )
}

/** What in the containers works against ECS Exec. Pure. */
export function execFacts(task: TaskDefinitionSpec): { readOnlyRoot: string[]; awsKeys: string[] } {
  const containers = task.containerDefinitions ?? []
  return {
    readOnlyRoot: containers.filter((c) => c.readonlyRootFilesystem === true).map((c) => c.name ?? '?'),
    awsKeys: containers
      .filter((c) => [...(c.environment ?? []), ...(c.secrets ?? [])].some((v) => v.name === 'AWS_ACCESS_KEY_ID'))
      .map((c) => c.name ?? '?'),
  }
}
