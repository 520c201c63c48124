// kit.diff(): per service, what its templates render against what ECS runs, as unified diffs
// (scripts/diff). Read-only: the front door and the network are looked up, never made.
import { ECRClient } from '@aws-sdk/client-ecr'
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, type Service } from '@aws-sdk/client-ecs'
import { awsErrorIs } from '../aws/clients.js'
import { SECRET_VARIABLES } from '../config/env.js'
import { declaredSecretVariables, declaredServices, serviceNamed, type ServiceDeclaration } from '../config/services.js'
import { summarizePaths } from '../core/diff.js'
import { EXIT, KitError } from '../core/errors.js'
import { redact } from '../core/redact.js'
import { comparableRequest, compareDocuments, maskText, secretValues, serviceAsRequested, type Comparison } from '../diff/normalise.js'
import { resolveFrontDoor } from '../front-door/lookup.js'
import { serviceRequest } from '../front-door/service-request.js'
import { revisionOf } from '../steps/ecs-service.js'
import { resolveServiceNetwork } from '../steps/security-group.js'
import { stepContext, type StepContext } from '../steps/step.js'
import { adoptPinnedImages } from '../steps/task-definition.js'
import type { KitCore as Kit, Outcome } from './core.js'

/** One document's comparison: its template, what it was compared with, and how they differ. */
export interface DiffPart extends Comparison {
  /** The template, relative to the kit's root. */
  file: string
  /** What runs: the task definition's family:revision, the service's ARN; null when nothing is deployed. */
  deployed: string | null
}

export interface ServiceDiff {
  service: string
  /** False when ECS runs no such service (missing, or deleted): everything would be added. */
  deployed: boolean
  taskDefinition: DiffPart
  serviceDefinition: DiffPart
  differs: boolean
}

/** What diff --json prints. */
export interface DiffDocument {
  region: string
  cluster: string
  services: ServiceDiff[]
  differs: boolean
}

/** The service ECS runs by this name, or undefined when it has none (no cluster, missing, INACTIVE or DRAINING). */
async function runningService(ecs: ECSClient, cluster: string, name: string): Promise<Service | undefined> {
  let described
  try {
    described = await ecs.send(new DescribeServicesCommand({ cluster, services: [name], include: ['TAGS'] }))
  } catch (error) {
    if (awsErrorIs(error, 'ClusterNotFoundException')) return undefined
    throw error
  }
  const found = described.services?.find((s) => s.serviceName === name)
  const failure = described.failures?.find((f) => f.reason !== 'MISSING')
  if (!found && failure) throw new KitError(`cannot describe ECS service ${name}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`)
  return found?.status === 'ACTIVE' ? found : undefined
}

/** Every name whose value a template must never show: the kit's secret variables, the declared ones and the declared parameters. */
function secretNames(): Set<string> {
  return new Set([...SECRET_VARIABLES, ...declaredSecretVariables(), ...declaredServices().flatMap((s) => s.parameters.filter((p) => p.secret).map((p) => p.name))])
}

async function diffService(ctx: StepContext, service: ServiceDeclaration, names: Set<string>): Promise<ServiceDiff> {
  const ecs = ctx.client(ECSClient, 'ECS')
  const desiredDefinition = ctx.render(service.taskDefinitionFile) as Record<string, unknown>
  const request = serviceRequest(ctx, service)
  const cluster = request.cluster ?? ctx.names.cluster
  const running = await runningService(ecs, cluster, service.name)
  let deployedDefinition: Record<string, unknown> | undefined
  if (running?.taskDefinition) {
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: running.taskDefinition, include: ['TAGS'] }))
    if (described.taskDefinition) {
      // Tags come back beside the definition, not in it.
      deployedDefinition = { ...described.taskDefinition, tags: described.tags ?? [] }
      // An image deploy pinned by digest is the template's image where it stands (as provision judges).
      await adoptPinnedImages(ctx.client(ECRClient, 'ECR'), ctx.env, desiredDefinition, described.taskDefinition)
    }
  }
  const deployedService = running ? serviceAsRequested(running, request) : undefined
  const secrets = secretValues([desiredDefinition, deployedDefinition, request], names)
  const hide = (text: string) => maskText(text, secrets, redact)
  const revision = running?.taskDefinition ? revisionOf(running.taskDefinition) : null
  const taskDefinition: DiffPart = {
    file: service.taskDefinitionFile,
    deployed: deployedDefinition ? revision : null,
    ...compareDocuments(desiredDefinition, deployedDefinition, {
      from: deployedDefinition ? `${revision} (deployed)` : '(not deployed)',
      to: `${service.taskDefinitionFile} (rendered)`,
      hide,
    }),
  }
  const serviceDefinition: DiffPart = {
    file: service.serviceFile,
    deployed: running?.serviceArn ?? null,
    ...compareDocuments(comparableRequest(request), deployedService, {
      from: running ? `service ${service.name} in ${cluster} (deployed)` : '(not deployed)',
      to: `${service.serviceFile} (rendered)`,
      carriedOnly: true,
      hide,
    }),
  }
  const differs = !running || taskDefinition.changed.length > 0 || serviceDefinition.changed.length > 0
  return { service: service.name, deployed: running !== undefined, taskDefinition, serviceDefinition, differs }
}

/** One service's verdict in a few words: "not deployed", "task definition differs in memory", "as its templates render". Pure. */
export function diffVerdict(entry: ServiceDiff): string {
  if (!entry.deployed) return 'not deployed (everything would be added)'
  const parts = [
    ...(entry.taskDefinition.changed.length ? [`task definition differs in ${summarizePaths(entry.taskDefinition.changed)}`] : []),
    ...(entry.serviceDefinition.changed.length ? [`service differs in ${summarizePaths(entry.serviceDefinition.changed)}`] : []),
  ]
  return parts.length ? parts.join('; ') : `as ${entry.taskDefinition.file} and ${entry.serviceDefinition.file} render`
}

/** What diff prints: per service its diffs, its verdict and what could not be compared. Pure. */
export function formatDiff(document: DiffDocument): string[] {
  const lines: string[] = []
  for (const entry of document.services) {
    for (const part of [entry.taskDefinition, entry.serviceDefinition]) if (part.diff) lines.push(...part.diff.replace(/\n$/, '').split('\n'))
    lines.push(`${entry.differs ? '✗' : '✓'} ${entry.service}: ${diffVerdict(entry)}`)
    const notCompared = entry.serviceDefinition.notCompared
    if (notCompared.length) lines.push(`  not compared (ECS's answer does not carry them): ${notCompared.join(', ')}`)
  }
  return lines
}

/** The one line a run with differences ends with. Pure. */
export function diffMessage(document: DiffDocument): string {
  const differing = document.services.filter((s) => s.differs)
  if (differing.length === 0) return `no differences: ${document.services.map((s) => s.service).join(', ')} as the templates render`
  return `differs from the templates: ${differing.map((s) => `${s.service} (${diffVerdict(s)})`).join(', ')}`
}

export async function diff(kit: Kit, given: string | readonly string[] | undefined): Promise<Outcome<DiffDocument>> {
  const run = await kit.run('read-only')
  const names = typeof given === 'string' ? [given] : given
  // serviceNamed refuses a name that is not declared (or not a name) before any AWS call.
  const services = names?.length ? names.map((name) => serviceNamed(name)) : run.services
  // Read-only, with stand-ins for what does not exist yet (a security group): a plan's context.
  const ctx = await stepContext({ ...run, mode: 'dry-run', dryRun: true })
  await resolveFrontDoor(ctx)
  await resolveServiceNetwork(ctx)
  const secret = secretNames()
  const entries: ServiceDiff[] = []
  for (const service of services) entries.push(await diffService(ctx, service, secret))
  const document: DiffDocument = { region: ctx.region, cluster: ctx.names.cluster, services: entries, differs: entries.some((e) => e.differs) }
  return { document, exitCode: document.differs ? EXIT.failed : EXIT.ok, message: diffMessage(document) }
}
