// The parts of a deployment around the wait: the image pinned by digest, the task definition
// registered only when it differs from the latest revision, the service file's settings that
// can change on a live service, and the memory of which revision last deployed successfully
// (a tag on that task-definition revision), which rollback goes back to.
import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  type CreateServiceCommandInput,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs'
import { UsageError } from '../core/errors.js'
import { differences, summarizePaths } from '../core/diff.js'
import { isMissingDefinition } from '../steps/task-definition.js'
import { revisionName } from './verdict.js'

/** The tag the kit puts on a task-definition revision once a deployment of it succeeded. */
export const SUCCEEDED_TAG = 'cruddur-kit:deployed-ok'

// ---- images -------------------------------------------------------------------------------

export interface ImageRef {
  /** Everything before the tag or digest: registry/repository. */
  name: string
  repository: string
  tag?: string
  digest?: string
}

/** Parse an image reference: registry/repo:tag, registry/repo@sha256:..., repo. Pure. */
export function parseImage(image: string): ImageRef {
  const [beforeDigest, digest] = image.split('@')
  const slash = beforeDigest.lastIndexOf('/')
  const colon = beforeDigest.lastIndexOf(':')
  const hasTag = colon > slash
  const name = hasTag ? beforeDigest.slice(0, colon) : beforeDigest
  const firstSlash = name.indexOf('/')
  const registryLike = firstSlash > 0 && /[.:]|^localhost$/.test(name.slice(0, firstSlash))
  return {
    name,
    repository: registryLike ? name.slice(firstSlash + 1) : name,
    ...(hasTag ? { tag: beforeDigest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  }
}

type ContainerDefinitions = NonNullable<RegisterTaskDefinitionCommandInput['containerDefinitions']>

/** The containers whose image comes from this repository. Pure. */
export function containersOf(definition: RegisterTaskDefinitionCommandInput, repository: string): ContainerDefinitions {
  return (definition.containerDefinitions ?? []).filter((c) => c.image && parseImage(c.image).repository === repository)
}

/** The definition with each image of `repository` pinned to `digest` (registry/repo@sha256:...). Pure. */
export function pinImage(definition: RegisterTaskDefinitionCommandInput, repository: string, digest: string): RegisterTaskDefinitionCommandInput {
  return {
    ...definition,
    containerDefinitions: (definition.containerDefinitions ?? []).map((c) =>
      c.image && parseImage(c.image).repository === repository ? { ...c, image: `${parseImage(c.image).name}@${digest}` } : c,
    ),
  }
}

// ---- task definition ----------------------------------------------------------------------

export interface Registration {
  arn: string
  registered: boolean
  /** The latest revision before this run, when there was one. */
  previous?: string
  detail: string
}

/** Register the definition only when it differs from the family's latest ACTIVE revision. */
export async function registerIfChanged(ecs: ECSClient, desired: RegisterTaskDefinitionCommandInput): Promise<Registration> {
  const family = desired.family as string
  let current
  try {
    current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }))
  } catch (error) {
    if (!isMissingDefinition(error)) throw error
  }
  const latest = current?.taskDefinition
  if (latest?.taskDefinitionArn) {
    const paths = differences(desired, { ...latest, tags: current?.tags ?? [] })
    if (paths.length === 0) return { arn: latest.taskDefinitionArn, registered: false, previous: latest.taskDefinitionArn, detail: `${revisionName(latest.taskDefinitionArn)} unchanged` }
    const made = (await ecs.send(new RegisterTaskDefinitionCommand(desired))).taskDefinition?.taskDefinitionArn as string
    return { arn: made, registered: true, previous: latest.taskDefinitionArn, detail: `${revisionName(made)} registered (differs from ${revisionName(latest.taskDefinitionArn)} in ${summarizePaths(paths)})` }
  }
  const made = (await ecs.send(new RegisterTaskDefinitionCommand(desired))).taskDefinition?.taskDefinitionArn as string
  return { arn: made, registered: true, detail: `${revisionName(made)} registered (first revision)` }
}

// ---- the service's live-changeable settings -----------------------------------------------

// The front door's two (loadBalancers, healthCheckGracePeriodSeconds) too: UpdateService can attach a load balancer.
const LIVE_KEYS = ['deploymentConfiguration', 'enableExecuteCommand', 'networkConfiguration', 'serviceConnectConfiguration', 'loadBalancers', 'healthCheckGracePeriodSeconds'] as const

/** What of a service file UpdateService can apply to a running service. Pure. */
export function liveSettings(wanted: CreateServiceCommandInput): Partial<UpdateServiceCommandInput> {
  const settings: Record<string, unknown> = {}
  for (const key of LIVE_KEYS) if (wanted[key] !== undefined) settings[key] = wanted[key]
  return settings as Partial<UpdateServiceCommandInput>
}

/**
 * The live settings where the running service differs from its file, as paths. Only what the
 * answer carries is compared (Service Connect lives on the deployments; emulators leave some
 * fields out): an unknown is not a difference. Pure.
 */
export function settingsDrift(wanted: CreateServiceCommandInput, service: Service): string[] {
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY')
  const actual: Record<string, unknown> = {
    deploymentConfiguration: service.deploymentConfiguration,
    enableExecuteCommand: service.enableExecuteCommand,
    networkConfiguration: service.networkConfiguration,
    serviceConnectConfiguration: primary?.serviceConnectConfiguration,
    loadBalancers: service.loadBalancers,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
  }
  const drift: string[] = []
  for (const key of LIVE_KEYS) {
    if (wanted[key] === undefined || actual[key] === undefined) continue
    const want = key === 'networkConfiguration' ? sortedNetwork(wanted[key]) : wanted[key]
    const have = key === 'networkConfiguration' ? sortedNetwork(actual[key] as typeof wanted.networkConfiguration) : actual[key]
    drift.push(...differences(want, have, key))
  }
  return drift
}

function sortedNetwork(n: CreateServiceCommandInput['networkConfiguration']): unknown {
  const v = n?.awsvpcConfiguration
  if (!v) return n
  return { awsvpcConfiguration: { ...v, subnets: [...(v.subnets ?? [])].sort(), securityGroups: [...(v.securityGroups ?? [])].sort() } }
}

/** What a deploymentConfiguration says about rolling back (a request's, or DescribeServices' answer's). */
export interface RollbackSettings {
  strategy?: string
  deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean }
  alarms?: { alarmNames?: string[]; enable?: boolean; rollback?: boolean }
}

/**
 * What rolls a bad deployment back by itself, for its strategy: under ROLLING (ECS's default
 * when none is named) the circuit breaker; under CANARY, LINEAR and BLUE_GREEN, to which ECS
 * does not apply the breaker, CloudWatch alarms with rollback on (they stop the shift, the bake
 * keeps the old tasks to go back to). `missing` names the one the deployment lacks. Pure.
 */
export function rollbackGuard(config: RollbackSettings | undefined): { strategy: string; missing?: 'circuit breaker' | 'rollback alarms' } {
  const strategy = config?.strategy ?? 'ROLLING'
  if (strategy === 'ROLLING') return config?.deploymentCircuitBreaker?.enable === true ? { strategy } : { strategy, missing: 'circuit breaker' }
  const alarms = config?.alarms
  return alarms?.enable === true && alarms.rollback === true && (alarms.alarmNames?.length ?? 0) > 0 ? { strategy } : { strategy, missing: 'rollback alarms' }
}

// ---- which revision last succeeded --------------------------------------------------------

/** Remember that a deployment of this revision succeeded (a tag on the revision, with the time). */
export async function markSucceeded(ecs: ECSClient, taskDefinitionArn: string, when = new Date()): Promise<void> {
  await ecs.send(new TagResourceCommand({ resourceArn: taskDefinitionArn, tags: [{ key: SUCCEEDED_TAG, value: when.toISOString() }] }))
}

export interface SuccessCandidate {
  taskDefinition: string
  at: Date
  how: string
}

/**
 * The revision of the last deployment that succeeded and is not `current`: from the service's
 * own deployments (an older one still listed as COMPLETED), else the newest revision the kit
 * tagged when its deployment succeeded. Pure over what was read.
 */
export function lastSucceeded(service: Service | undefined, tagged: readonly SuccessCandidate[], current: string | undefined): SuccessCandidate | undefined {
  const listed: SuccessCandidate[] = (service?.deployments ?? [])
    .filter((d) => d.rolloutState === 'COMPLETED' && d.taskDefinition && d.taskDefinition !== current && d.status !== 'PRIMARY')
    .map((d) => ({ taskDefinition: d.taskDefinition as string, at: d.updatedAt ?? d.createdAt ?? new Date(0), how: `deployment ${d.id} completed` }))
  const all = [...listed, ...tagged.filter((t) => t.taskDefinition !== current)]
  return all.sort((a, b) => b.at.getTime() - a.at.getTime())[0]
}

/** The family's revisions the kit tagged as deployed successfully, newest first (reads up to `limit` revisions). */
export async function taggedSuccesses(ecs: ECSClient, family: string, limit = 25): Promise<SuccessCandidate[]> {
  const arns: string[] = []
  let nextToken: string | undefined
  do {
    const page = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, sort: 'DESC', status: 'ACTIVE', nextToken }))
    arns.push(...(page.taskDefinitionArns ?? []).filter((a) => revisionName(a).replace(/:\d+$/, '') === family))
    nextToken = arns.length < limit ? page.nextToken : undefined
  } while (nextToken)
  const found: SuccessCandidate[] = []
  for (const arn of arns.slice(0, limit)) {
    const tags = (await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? []
    const mark = tags.find((t) => t.key === SUCCEEDED_TAG)?.value
    if (mark && !Number.isNaN(Date.parse(mark))) found.push({ taskDefinition: arn, at: new Date(mark), how: `deployed successfully by the kit at ${mark}` })
  }
  return found
}

/** A revision given on the command line (family:N or an ARN) checked against the family. Pure. */
export function checkRevision(given: string, family: string): string {
  const name = revisionName(given)
  // Revisions count from 1: ECS would refuse :0 only after a plan was printed.
  if (!/^[A-Za-z0-9_-]+:[1-9]\d*$/.test(name) || name.replace(/:\d+$/, '') !== family) {
    throw new UsageError(`--to must be a revision of ${family}, e.g. ${family}:3, got "${given}"`)
  }
  return given
}
