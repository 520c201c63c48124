// An ECS service (the guide's `aws ecs create-service --cli-input-json file://json/service-NAME.json`),
// created from its JSON so ECS Exec is on from the start (a service made in the console
// cannot be exec'd into). The guide hand-copies the security group and three subnet ids into
// the file; here they are filled in from the default VPC. An existing service is never
// changed (that is a deployment's job): what differs from the file is reported as drift.
import {
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type CreateServiceCommandInput,
  type Service,
} from '@aws-sdk/client-ecs'
import type { Env } from '../config/env.js'
import type { ServiceDeclaration } from '../config/services.js'
import { ConfigError, KitError } from '../core/errors.js'
import { awsErrorIs } from '../aws/clients.js'
import { isStandIn } from '../aws/network.js'
import { checkTemplate, runFirst, type Change, type Step } from './step.js'
import { loadTemplate, type Template } from '../templates/template.js'
import { clusterStep } from './cluster.js'
import { resolveServiceNetwork, securityGroupStep } from './security-group.js'
import { isMissingDefinition, taskDefinitionStep } from './task-definition.js'

/** The family of a task definition given as a family, family:revision or ARN. Pure. */
export function familyOf(taskDefinition: string): string {
  const afterArn = taskDefinition.includes(':task-definition/') ? taskDefinition.split(':task-definition/')[1] : taskDefinition
  return afterArn.replace(/:\d+$/, '')
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',')

/**
 * How a running service differs from its definition, one phrase per field. Only fields the
 * response carries are compared (moto, for one, leaves enableExecuteCommand out). Pure.
 */
export function serviceDrift(wanted: CreateServiceCommandInput, actual: Service): string[] {
  const drift: string[] = []
  if (actual.desiredCount !== undefined && wanted.desiredCount !== undefined && actual.desiredCount !== wanted.desiredCount) {
    drift.push(`desiredCount ${actual.desiredCount} (file: ${wanted.desiredCount})`)
  }
  if (actual.taskDefinition && wanted.taskDefinition && familyOf(actual.taskDefinition) !== familyOf(wanted.taskDefinition)) {
    drift.push(`task definition ${familyOf(actual.taskDefinition)} (file: ${familyOf(wanted.taskDefinition)})`)
  }
  if (actual.launchType && wanted.launchType && actual.launchType !== wanted.launchType) {
    drift.push(`launchType ${actual.launchType} (file: ${wanted.launchType})`)
  }
  const have = actual.networkConfiguration?.awsvpcConfiguration
  const want = wanted.networkConfiguration?.awsvpcConfiguration
  if (have?.subnets && want?.subnets && !sameSet(have.subnets, want.subnets)) {
    drift.push(`subnets ${[...have.subnets].sort().join(',')} (default VPC: ${[...want.subnets].sort().join(',')})`)
  }
  if (have?.securityGroups && want?.securityGroups && !sameSet(have.securityGroups, want.securityGroups)) {
    drift.push(`security groups ${have.securityGroups.join(',')} (wanted: ${want.securityGroups.join(',')})`)
  }
  if (actual.enableExecuteCommand !== undefined && wanted.enableExecuteCommand !== undefined && actual.enableExecuteCommand !== wanted.enableExecuteCommand) {
    const on = (v: boolean) => (v ? 'on' : 'off')
    drift.push(`ECS Exec ${on(actual.enableExecuteCommand)} (file: ${on(wanted.enableExecuteCommand)}; needs update-service --enable-execute-command and a new deployment)`)
  }
  return drift
}

interface ServiceShape {
  serviceName?: unknown
  taskDefinition?: unknown
  serviceConnectConfiguration?: { services?: Array<{ portName?: unknown }> }
}

/**
 * What is wrong with a service template, found before any change: it must name its service
 * and its task-definition family, and Service Connect may only name ports the task
 * definition maps. Pure over the parsed templates.
 */
export function serviceFileProblems(service: ServiceDeclaration, template: Template, taskDefinition: Template): string[] {
  const file = template.file
  const json = (template.json ?? {}) as ServiceShape
  const problems: string[] = []
  if (json.serviceName !== service.name) problems.push(`${file}: "serviceName" is ${JSON.stringify(json.serviceName)}, expected "${service.name}" (the file's name)`)
  if (json.taskDefinition !== undefined && familyOf(String(json.taskDefinition)) !== service.name) {
    problems.push(`${file}: "taskDefinition" is ${JSON.stringify(json.taskDefinition)}, expected the family "${service.name}"`)
  }
  const containers = ((taskDefinition.json ?? {}) as { containerDefinitions?: Array<{ portMappings?: Array<{ name?: unknown }> }> }).containerDefinitions
  const portNames = (Array.isArray(containers) ? containers : []).flatMap((c) => (c?.portMappings ?? []).map((m) => m?.name))
  for (const entry of json.serviceConnectConfiguration?.services ?? []) {
    if (!portNames.includes(entry?.portName)) {
      problems.push(`${file}: Service Connect names portName ${JSON.stringify(entry?.portName)}, which ${taskDefinition.file} does not map`)
    }
  }
  return problems
}

/** Every problem with a service's template, without calling AWS. */
export function checkServiceFile(service: ServiceDeclaration, env: Env): string[] {
  const rendering = checkTemplate(service.serviceFile, env)
  if (rendering) return [rendering]
  return serviceFileProblems(service, loadTemplate(service.serviceFile), loadTemplate(service.taskDefinitionFile))
}

const isNotIdempotent = (error: unknown): boolean => awsErrorIs(error, 'InvalidParameterException', /not idempotent/i)

/** The short form of a task-definition ARN: family:revision. Pure. */
export const revisionOf = (arn: string): string => arn.split('/').pop() ?? arn

/** "runs backend-flask:1, not the latest backend-flask:2", or undefined when it runs the latest. Pure. */
export function olderRevision(running: string | undefined, latest: string | undefined): string | undefined {
  if (!running || !latest || revisionOf(running) === revisionOf(latest)) return undefined
  return `runs ${revisionOf(running)}, not the latest ${revisionOf(latest)}`
}

/** The family's latest ACTIVE revision: as this run's task-definition step left it, else asked of ECS. */
async function latestRevision(ecs: ECSClient, family: string, known: string | undefined): Promise<string | undefined> {
  if (known) return known
  try {
    return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }))).taskDefinition?.taskDefinitionArn
  } catch (error) {
    if (isMissingDefinition(error)) return undefined
    throw error
  }
}

const steps = new Map<string, Step>()

/** The step that creates a service (one object per service, so steps can refer to it). */
export function serviceStep(service: ServiceDeclaration): Step {
  const { name } = service
  const file = service.serviceFile
  const existingStep = steps.get(name)
  if (existingStep) return existingStep
  const registerStep = taskDefinitionStep(service)
  const step: Step = {
    id: `ecs/create-service:${name}`,
    command: `ecs/create-service ${name}`,
    title: `ECS service ${name}`,
    needs: [clusterStep, registerStep, securityGroupStep],
    validate: ({ env }) => checkServiceFile(service, env),
    async run(ctx) {
      const problems = checkServiceFile(service, ctx.env)
      if (problems.length) throw new ConfigError(problems.join('; '))
      const ecs = ctx.client(ECSClient, 'ECS')
      const notes: string[] = []

      const network = await resolveServiceNetwork(ctx)
      if (isStandIn(network.securityGroupId)) notes.push(`after ${securityGroupStep.id} creates ${ctx.names.securityGroup}`)
      const wanted = ctx.render(file) as CreateServiceCommandInput
      const cluster = wanted.cluster ?? ctx.names.cluster

      const clusters = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))
      const clusterFound = clusters.clusters?.some((c) => (c.clusterName === cluster || c.clusterArn === cluster) && c.status !== 'INACTIVE')
      if (!clusterFound) {
        if (!ctx.dryRun) throw new KitError(`ECS cluster ${cluster} not found in ${ctx.region}: ${runFirst(clusterStep)}`)
        notes.push(`after ${clusterStep.id} creates cluster ${cluster}`)
      }

      let existing: Service | undefined
      if (clusterFound) {
        const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))
        existing = described.services?.find((s) => s.serviceName === name)
        const failure = described.failures?.find((f) => f.reason !== 'MISSING')
        if (!existing && failure) throw new KitError(`cannot describe ECS service ${name}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`)
      }
      const change = (outcome: Change['outcome'], detail: string): Change => ({ resource: 'ecs service', name, outcome, detail })

      if (existing?.status === 'DRAINING') {
        throw new KitError(`ECS service ${name} in cluster ${cluster} is draining (being deleted); wait until it is INACTIVE, then re-run`)
      }
      if (existing?.status === 'ACTIVE') {
        const drift = serviceDrift(wanted, existing)
        const unchanged = change(
          'unchanged',
          drift.length === 0 ? `in cluster ${cluster}, as ${file} defines` : `in cluster ${cluster}; drifted from ${file} (left as is): ${drift.join('; ')}`,
        )
        const behind = olderRevision(existing.taskDefinition, await latestRevision(ecs, name, ctx.discovered.taskDefinitionArns?.[name]))
        if (behind) unchanged.warning = `${behind}: roll it out with ./scripts/deploy ${name}`
        return [unchanged]
      }

      // Missing, or INACTIVE (deleted): create it.
      if (existing?.status === 'INACTIVE') notes.push('the old service was deleted (INACTIVE)')
      const taskDefinition = wanted.taskDefinition ?? name
      try {
        await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))
      } catch (error) {
        if (!isMissingDefinition(error)) throw error
        if (!ctx.dryRun) throw new KitError(`task definition ${taskDefinition} is not registered: ${runFirst(registerStep)}`)
        notes.push(`after ${registerStep.command ?? registerStep.id} registers ${familyOf(taskDefinition)}`)
      }
      const exec = wanted.enableExecuteCommand ? 'ECS Exec on' : 'ECS Exec off'
      const subnets = wanted.networkConfiguration?.awsvpcConfiguration?.subnets?.length ?? 0
      const what = `in cluster ${cluster}: ${wanted.desiredCount ?? 1} × ${familyOf(taskDefinition)}, ${exec}, ${network.securityGroupId}, ${subnets} subnet${subnets === 1 ? '' : 's'}`
      const detail = [what, ...notes].join('; ')
      if (ctx.dryRun) return [change('created', detail)]
      try {
        await ecs.send(new CreateServiceCommand(wanted))
      } catch (error) {
        // Created by a concurrent run between our read and our write: that is the state we want.
        if (!isNotIdempotent(error)) throw error
        return [change('unchanged', `in cluster ${cluster} (created by a concurrent run)`)]
      }
      return [change('created', detail)]
    },
  }
  steps.set(name, step)
  return step
}
