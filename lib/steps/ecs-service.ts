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
import { PRIMARY_SERVICE } from '../config/names.js'
import { ConfigError, KitError } from '../core/errors.js'
import { awsErrorIs } from '../aws/clients.js'
import { isStandIn, resolveServiceNetwork } from '../aws/network.js'
import { JSON_DIR } from '../config/paths.js'
import { checkTemplate, type Change, type Step } from './step.js'
import { loadTemplate, templateNameProblem, templateNames } from '../templates/template.js'
import { isMissingDefinition, taskDefinitionStepId } from './task-definition.js'

export const serviceFile = (name: string): string => `json/service-${name}.json`

/** The services there is a definition for: json/service-*.json. */
export const availableServices = (dir = JSON_DIR): string[] => templateNames(dir, 'service-')

/** Why a service cannot be created (bad name, no definition file), or undefined. */
export const serviceProblem = (name: string, available = availableServices()): string | undefined =>
  templateNameProblem('service', name, serviceFile(name), available)

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

/** A service file must name the service it is named after. Pure. */
const serviceNameMismatch = (file: string, name: string, declared: unknown): string | undefined =>
  declared === name ? undefined : `${file}: "serviceName" is ${JSON.stringify(declared)}, expected "${name}" (the file's name)`

const isNotIdempotent = (error: unknown): boolean => awsErrorIs(error, 'InvalidParameterException', /not idempotent/i)

export function serviceStep(name: string): Step {
  const file = serviceFile(name)
  return {
    id: name === PRIMARY_SERVICE ? 'ecs/create-service' : `ecs/create-service:${name}`,
    title: `ECS service ${name}`,
    needs: [
      'ecs/create-cluster',
      taskDefinitionStepId(name),
      'ec2/create-security-group',
    ],
    validate(env) {
      const problem = serviceProblem(name) ?? checkTemplate(file, env)
      if (problem) return [problem]
      const mismatch = serviceNameMismatch(file, name, (loadTemplate(file).json as { serviceName?: unknown }).serviceName)
      return mismatch ? [mismatch] : []
    },
    async run(ctx) {
      const problem = serviceProblem(name)
      if (problem) throw new ConfigError(problem)
      const ecs = ctx.client(ECSClient, 'ECS')
      const notes: string[] = []

      const network = await resolveServiceNetwork(ctx)
      if (isStandIn(network.securityGroupId)) notes.push(`after ec2/create-security-group creates ${ctx.names.securityGroup}`)
      const wanted = ctx.render(file) as CreateServiceCommandInput
      const mismatch = serviceNameMismatch(file, name, wanted.serviceName)
      if (mismatch) throw new ConfigError(mismatch)
      const cluster = wanted.cluster ?? ctx.names.cluster

      const clusters = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))
      const clusterFound = clusters.clusters?.some((c) => (c.clusterName === cluster || c.clusterArn === cluster) && c.status !== 'INACTIVE')
      if (!clusterFound) {
        if (!ctx.dryRun) throw new KitError(`ECS cluster ${cluster} not found in ${ctx.region}: run ./scripts/ecs/create-cluster first`)
        notes.push(`after ecs/create-cluster creates cluster ${cluster}`)
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
        return [
          change(
            'unchanged',
            drift.length === 0
              ? `in cluster ${cluster}, as ${file} defines`
              : `in cluster ${cluster}; drifted from ${file} (left as is): ${drift.join('; ')}`,
          ),
        ]
      }

      // Missing, or INACTIVE (deleted): create it.
      if (existing?.status === 'INACTIVE') notes.push('the old service was deleted (INACTIVE)')
      const taskDefinition = wanted.taskDefinition ?? name
      try {
        await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))
      } catch (error) {
        if (!isMissingDefinition(error)) throw error
        if (!ctx.dryRun) throw new KitError(`task definition ${taskDefinition} is not registered: run ./scripts/ecs/register-task-definition first`)
        notes.push(`after ecs/register-task-definition registers ${familyOf(taskDefinition)}`)
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
}
