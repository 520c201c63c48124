// A task definition family (the guide's `aws ecs register-task-definition --cli-input-json`),
// from task-definitions/FAMILY.json rendered with the real account, region, role ARNs and log
// group. Registering is not idempotent in ECS (every call adds a revision), so the step
// registers only when the rendered definition differs from the latest ACTIVE revision, as
// ecs-cli did. The template carries taskRoleArn: the guide leaves it empty, and ECS Exec
// then has no role to open its ssmmessages channels with.
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { get, type Env } from '../config/env.js'
import { NAME_VARIABLES } from '../config/names.js'
import { declaredServices, secretsProblem, type ServiceDeclaration } from '../config/services.js'
import { ConfigError } from '../core/errors.js'
import { awsErrorIs } from '../aws/clients.js'
import { checkTemplate, type Change, type Step } from './step.js'
import { differences, summarizePaths } from '../core/diff.js'
import { loadTemplate, type Template } from '../templates/template.js'
import { iamRolesStep } from './iam-roles.js'
import { loadBalancerStep } from './load-balancer.js'
import { logGroupStep } from './log-group.js'
import { resolveServiceUrls, unknownUrlPlaceholders, urlPlaceholdersIn } from '../front-door/urls.js'

/** DescribeTaskDefinition's answer for a family with no ACTIVE revision. */
export const isMissingDefinition = (error: unknown): boolean =>
  awsErrorIs(error, 'ClientException', /unable to describe task definition|not found|does not exist/i)

interface ContainerShape {
  name?: unknown
  portMappings?: Array<{ name?: unknown; containerPort?: unknown }>
  secrets?: Array<{ name?: unknown; valueFrom?: unknown }>
  logConfiguration?: { options?: Record<string, unknown> }
}

/**
 * What is wrong with a task-definition template for its service, found before any change: the
 * fields later steps and commands depend on (family, the container named after the service,
 * its port, its secrets, its log stream prefix). Pure over the parsed template.
 */
export function taskDefinitionProblems(service: ServiceDeclaration, template: Template): string[] {
  const file = template.file
  const json = (template.json ?? {}) as { family?: unknown; containerDefinitions?: unknown }
  const problems: string[] = []
  if (json.family !== service.name) problems.push(`${file}: "family" is ${JSON.stringify(json.family)}, expected "${service.name}" (the file's name)`)
  if (!Array.isArray(json.containerDefinitions) || json.containerDefinitions.length === 0) {
    problems.push(`${file}: "containerDefinitions" must list at least one container`)
    return problems
  }
  const containers = json.containerDefinitions as ContainerShape[]
  const main = containers.find((c) => c?.name === service.name)
  if (!main) {
    problems.push(`${file}: no container is named "${service.name}" (ECS Exec, logs and Service Connect find the service's container by its name)`)
    return problems
  }
  const ports = (main.portMappings ?? []).map((m) => m?.containerPort)
  if (!ports.includes(service.containerPort)) {
    problems.push(`${file}: container ${service.name} maps no containerPort ${service.containerPort} (json/services.json declares that port): make them agree`)
  }
  const secrets = main.secrets ?? []
  if (!Array.isArray(secrets)) problems.push(`${file}: "secrets" of container ${service.name} must be a list`)
  else {
    const agree = secretsProblem(service, secrets)
    if (agree) problems.push(agree)
    for (const secret of secrets) {
      const valueFrom = String(secret?.valueFrom ?? '')
      if (!valueFrom.endsWith(`/${service.name}/${String(secret?.name)}`)) {
        problems.push(`${file}: secret ${String(secret?.name)} reads ${valueFrom || 'nothing'}, not the service's own parameter ${'${SSM_PARAMETER_ARN_PREFIX}'}/${service.name}/${String(secret?.name)}`)
      }
    }
  }
  const prefix = main.logConfiguration?.options?.['awslogs-stream-prefix']
  if (main.logConfiguration && prefix !== service.name) {
    problems.push(`${file}: awslogs-stream-prefix is ${JSON.stringify(prefix)}, expected "${service.name}" (logs finds a service's lines by it)`)
  }
  return problems
}

/** Every problem with a service's task-definition template, without calling AWS. */
export function checkTaskDefinition(service: ServiceDeclaration, env: Env): string[] {
  const rendering = checkTemplate(service.taskDefinitionFile, env)
  if (rendering) return [rendering]
  const template = loadTemplate(service.taskDefinitionFile)
  return [...taskDefinitionProblems(service, template), ...unknownUrlPlaceholders(template.file, urlPlaceholdersIn(template.json), declaredServices())]
}

/** The service URLs (SERVICE_URL_*) a template uses; none when it cannot be read (validation says why). */
function urlsUsedBy(file: string): string[] {
  try {
    return urlPlaceholdersIn(loadTemplate(file).json)
  } catch {
    return []
  }
}

/**
 * A container whose latest revision runs `REGISTRY/REPO@sha256:...` (scripts/deploy pins images
 * by digest) while the template says `REGISTRY/REPO:TAG`: the pair to ask ECR about, or
 * undefined when the two are not the same repository. Pure.
 */
export function pinnedPair(wanted: unknown, running: unknown): { repository: string; tag: string; digest: string } | undefined {
  if (typeof wanted !== 'string' || typeof running !== 'string') return undefined
  const pinned = /^([^@]+)\/([^/@]+(?:\/[^/@]+)*)@(sha256:[0-9a-f]{64})$/.exec(running)
  const tagged = /^([^@]+)\/([^/@:]+(?:\/[^/@:]+)*):([\w][\w.-]{0,127})$/.exec(wanted)
  if (!pinned || !tagged || pinned[1] !== tagged[1] || pinned[2] !== tagged[2]) return undefined
  return { repository: tagged[2], tag: tagged[3], digest: pinned[3] }
}

/**
 * Whether the image a deploy pinned is what the template means: the one rule status and
 * provision share. When the user left IMAGE_TAG unset and the template's tag is the default,
 * the template names no image on purpose, and what `deploy` put in place (whatever its --tag)
 * stands until the user deploys something else. When IMAGE_TAG is set, the pin stands while
 * ECR's tag still names that digest. Pure over ECR's answer (`taggedDigest`).
 */
export function pinnedImageStands(env: Env, pair: { tag: string; digest: string }, taggedDigest: string | undefined): boolean {
  if (get(env, 'IMAGE_TAG') === undefined && pair.tag === NAME_VARIABLES.IMAGE_TAG) return true
  return taggedDigest === pair.digest
}

/** Take the pinned image into `desired` wherever it stands (pinnedImageStands). */
export async function adoptPinnedImages(
  ecr: ECRClient,
  env: Env,
  desired: Record<string, unknown>,
  latest: { containerDefinitions?: Array<{ name?: string; image?: string }> },
): Promise<void> {
  const containers = (desired.containerDefinitions ?? []) as Array<{ name?: string; image?: unknown }>
  for (const container of containers) {
    const running = latest.containerDefinitions?.find((c) => c.name === container.name)?.image
    const pair = pinnedPair(container.image, running)
    if (!pair) continue
    if (pinnedImageStands(env, pair, undefined)) {
      container.image = running
      continue
    }
    try {
      const found = await ecr.send(new DescribeImagesCommand({ repositoryName: pair.repository, imageIds: [{ imageTag: pair.tag }] }))
      if (pinnedImageStands(env, pair, found.imageDetails?.[0]?.imageDigest)) container.image = running
    } catch (error) {
      // The tag is gone or the repository elsewhere: the template's image is then a change.
      if (!awsErrorIs(error, /ImageNotFoundException|RepositoryNotFoundException/)) throw error
    }
  }
}

const steps = new Map<string, Step>()

/** The step that registers a service's task definition (one object per service, so steps can refer to it). */
export function taskDefinitionStep(service: ServiceDeclaration): Step {
  const family = service.name
  const file = service.taskDefinitionFile
  const existing = steps.get(family)
  if (existing) return existing
  const step: Step = {
    id: `ecs/register-task-definition:${family}`,
    command: `ecs/register-task-definition ${family}`,
    title: `ECS task definition ${family}`,
    // A template that uses a service's URL waits for the load balancer, whose DNS name the URL
    // is without a domain (needs are the same for every run, so also with one: the step then
    // reads nothing of it). A getter: the template is read when provision orders its steps.
    get needs() {
      return [iamRolesStep, logGroupStep, ...(urlsUsedBy(file).length > 0 ? [loadBalancerStep] : [])]
    },
    validate: ({ env }) => checkTaskDefinition(service, env),
    async run(ctx) {
      const problems = checkTaskDefinition(service, ctx.env)
      if (problems.length) throw new ConfigError(problems.join('; '))
      const urls = await resolveServiceUrls(ctx, urlsUsedBy(file), file)
      // Under --dry-run before the load balancer exists, its URLs are stand-ins: say so.
      const later = urls.standIn ? `; its service URLs are worked out once load balancer ${ctx.names.loadBalancer} exists` : ''
      const desired = ctx.render(file) as Record<string, unknown>
      const ecs = ctx.client(ECSClient, 'ECS')
      let current
      try {
        current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }))
      } catch (error) {
        if (!isMissingDefinition(error)) throw error
      }
      const latestIs = (arn: string | undefined) => {
        if (arn) ctx.discovered.taskDefinitionArns = { ...ctx.discovered.taskDefinitionArns, [family]: arn }
      }
      const register = async (): Promise<number | undefined> => {
        const input = desired as unknown as RegisterTaskDefinitionCommandInput
        const registered = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition
        latestIs(registered?.taskDefinitionArn)
        return registered?.revision
      }
      const change = (outcome: Change['outcome'], detail: string): Change => ({ resource: 'task definition', name: family, outcome, detail })

      const latest = current?.taskDefinition
      if (!latest) {
        if (ctx.dryRun) return [change('created', `first revision${later}`)]
        return [change('created', `${family}:${await register()}`)]
      }
      // An image deploy pinned by digest is the template's image where it stands (pinnedImageStands).
      await adoptPinnedImages(ctx.client(ECRClient, 'ECR'), ctx.env, desired, latest)
      // Tags come back beside the definition, not in it.
      const paths = differences(desired, { ...latest, tags: current?.tags ?? [] })
      if (paths.length === 0) {
        latestIs(latest.taskDefinitionArn)
        return [change('unchanged', `${family}:${latest.revision}`)]
      }
      const differs = `differs in ${summarizePaths(paths)}`
      if (ctx.dryRun) return [change('updated', `new revision after ${family}:${latest.revision}, ${differs}${later}`)]
      return [change('updated', `${family}:${await register()} (was :${latest.revision}; ${differs})`)]
    },
  }
  steps.set(family, step)
  return step
}
