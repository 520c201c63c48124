// An ECS service (the guide's `aws ecs create-service --cli-input-json file://json/service-NAME.json`),
// created from its JSON so ECS Exec is on from the start (a service made in the console
// cannot be exec'd into). The guide hand-copies the security group and three subnet ids into
// the file; here they are filled in from the default VPC. A service the front door routes to
// is created with its target group (loadBalancers) and its health-check grace period.
// An existing service is otherwise never changed (that is a deployment's job): what differs
// from the file is reported as drift. The one in-place change: a service without its load
// balancer (or on another target group, or another grace period) is updated with UpdateService,
// which can add a load balancer to a running service (a new deployment follows), so an
// existing stack joins the front door without deleting its services.
import {
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
  type DeploymentStrategy,
  type LoadBalancer,
  type Service,
} from '@aws-sdk/client-ecs'
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2'
import type { Env } from '../config/env.js'
import type { ServiceDeclaration } from '../config/services.js'
import { ConfigError, KitError } from '../core/errors.js'
import { awsErrorIs } from '../aws/clients.js'
import { isStandIn } from '../aws/network.js'
import { checkTemplate, runFirst, type Change, type Step } from './step.js'
import { loadTemplate, type Template } from '../templates/template.js'
import { clusterStep } from './cluster.js'
import { listenersStep } from './listeners.js'
import { resolveServiceNetwork, securityGroupStep } from './security-group.js'
import { isMissingDefinition, taskDefinitionStep } from './task-definition.js'
import { targetGroupStep } from './target-group.js'
import { alternateTargetGroupName, targetGroupName } from '../config/names.js'
import { resolveFrontDoor, resolveProductionRules } from '../front-door/lookup.js'
import { shortArns, strategyRouteProblem } from '../front-door/listener-plan.js'
import {
  serviceRequest,
  shiftsThroughFrontDoor,
  shiftsTraffic,
  standInRuleArn,
  standInTargetGroupArn,
  withFrontDoor,
} from '../front-door/service-request.js'
import { rollbackAlarmsStep } from './rollback-alarms.js'

/** The family of a task definition given as a family, family:revision or ARN. Pure. */
export function familyOf(taskDefinition: string): string {
  const afterArn = taskDefinition.includes(':task-definition/') ? taskDefinition.split(':task-definition/')[1] : taskDefinition
  return afterArn.replace(/:\d+$/, '')
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',')

const onOff = (v: boolean | undefined) => (v ? 'on' : 'off')
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** Service Connect entries as comparable text: portName/discoveryName/ports. Pure. */
function connectEntries(config: { services?: Array<{ portName?: string; discoveryName?: string; clientAliases?: Array<{ port?: number }> }> } | undefined): string[] {
  return (config?.services ?? []).map((s) => `${s.portName}/${s.discoveryName ?? s.portName}/${(s.clientAliases ?? []).map((a) => a.port).join('+')}`).sort()
}

/** Load balancer entries as comparable text: targetGroup/container:port. Pure. */
function loadBalancerEntries(entries: readonly LoadBalancer[]): string[] {
  return entries.map((lb) => `${lb.targetGroupArn ?? lb.loadBalancerName ?? '?'}/${lb.containerName}:${lb.containerPort}`).sort()
}

/**
 * What the front door would change on an existing service (UpdateService's loadBalancers and
 * healthCheckGracePeriodSeconds), one phrase each; empty when it is as wanted. The load balancers
 * are always compared (a service without one answers an empty list); the grace period only when
 * the answer carries it (moto's CreateService drops it; AWS returns it). Pure.
 */
export function frontDoorDrift(wanted: CreateServiceCommandInput, actual: Service): string[] {
  if (!wanted.loadBalancers?.length) return []
  const drift: string[] = []
  const have = loadBalancerEntries(actual.loadBalancers ?? [])
  const want = loadBalancerEntries(wanted.loadBalancers)
  if (!same(have, want)) drift.push(`load balancer ${have.length ? have.join(',') : 'none'} → ${want.join(',')}`)
  const grace = actual.healthCheckGracePeriodSeconds
  if (grace !== undefined && wanted.healthCheckGracePeriodSeconds !== undefined && grace !== wanted.healthCheckGracePeriodSeconds) {
    drift.push(`health-check grace period ${grace} s → ${wanted.healthCheckGracePeriodSeconds} s`)
  }
  return drift
}

/** deploymentConfiguration.alarms as comparable text: the names sorted, enable and rollback. Pure. */
function alarmsText(alarms: { alarmNames?: string[]; enable?: boolean; rollback?: boolean } | undefined): string {
  if (!alarms?.enable || !alarms.alarmNames?.length) return 'none'
  return `${[...alarms.alarmNames].sort().join(',')} (rollback ${onOff(alarms.rollback)})`
}

/**
 * What the rollback alarms would change on an existing service (UpdateService's
 * deploymentConfiguration.alarms), one phrase; empty when it is as wanted. Compared only when
 * the answer carries a deploymentConfiguration: AWS always returns it; moto's CreateService
 * drops it (its UpdateService keeps it). Pure.
 */
export function rollbackAlarmsDrift(wanted: CreateServiceCommandInput, actual: Service): string[] {
  const want = wanted.deploymentConfiguration?.alarms
  if (!want || !actual.deploymentConfiguration) return []
  const have = alarmsText(actual.deploymentConfiguration.alarms)
  return have === alarmsText(want) ? [] : [`rollback alarms ${have} → ${alarmsText(want)}`]
}

const strategyOf = (config: { strategy?: string } | undefined): string => config?.strategy ?? 'ROLLING'

/** A strategy with its settings, for reports: "CANARY 5 % for 10 min, bake 3 min". Pure. */
export function describeStrategy(config: CreateServiceCommandInput['deploymentConfiguration']): string {
  const strategy = strategyOf(config)
  const canary = config?.canaryConfiguration
  const linear = config?.linearConfiguration
  const bake = config?.bakeTimeInMinutes !== undefined ? `, bake ${config.bakeTimeInMinutes} min` : ''
  if (strategy === 'CANARY' && canary) return `CANARY ${canary.canaryPercent} % for ${canary.canaryBakeTimeInMinutes} min${bake}`
  if (strategy === 'LINEAR' && linear) return `LINEAR ${linear.stepPercent} % steps ${linear.stepBakeTimeInMinutes} min apart${bake}`
  return `${strategy}${bake}`
}

/**
 * What a change of deployment strategy would change on an existing service, one phrase each;
 * empty when it is as declared. The strategy and its settings are compared when the answer carries
 * a deploymentConfiguration (moto's CreateService keeps none; AWS always returns it); a routed
 * service's advancedConfiguration always (loadBalancers are always answered). The two target
 * groups count as a pair in either order: ECS may swap them once a shift completes. Pure.
 */
export function strategyDrift(wanted: CreateServiceCommandInput, actual: Service): string[] {
  const drift: string[] = []
  const have = actual.deploymentConfiguration
  const want = wanted.deploymentConfiguration
  if (have && describeStrategy(have) !== describeStrategy(want)) drift.push(`deployment ${describeStrategy(have)} → ${describeStrategy(want)}`)
  const advanced = (lbs: readonly LoadBalancer[] | undefined) => {
    const a = lbs?.find((lb) => lb.advancedConfiguration)
    if (!a?.advancedConfiguration) return 'none'
    const c = a.advancedConfiguration
    return `target groups ${[a.targetGroupArn, c.alternateTargetGroupArn].map((arn) => shortArns(String(arn))).sort().join(' + ')}, production rule ${c.productionListenerRule}, role ${c.roleArn?.split('/').pop()}`
  }
  const [before, after] = [advanced(actual.loadBalancers), advanced(wanted.loadBalancers)]
  if (wanted.loadBalancers?.length && before !== after) {
    if (!have && strategyOf(want) !== 'ROLLING') drift.push(`deployment → ${describeStrategy(want)}`)
    drift.push(`traffic shift ${before} → ${after}`)
  }
  return drift
}

/**
 * How a running service differs from its definition, one phrase per field the service file
 * sets. Only fields the response carries are compared: moto's CreateService, for one, keeps no
 * deploymentConfiguration, enableExecuteCommand or Service Connect; AWS always returns them. Pure.
 */
export function serviceDrift(wanted: CreateServiceCommandInput, actual: Service): string[] {
  const drift: string[] = []
  const field = (label: string, have: unknown, want: unknown, note = '') => {
    if (have !== undefined && want !== undefined && !same(have, want)) drift.push(`${label} ${String(have)} (file: ${String(want)}${note})`)
  }
  field('desiredCount', actual.desiredCount, wanted.desiredCount)
  if (actual.taskDefinition && wanted.taskDefinition && familyOf(actual.taskDefinition) !== familyOf(wanted.taskDefinition)) {
    drift.push(`task definition ${familyOf(actual.taskDefinition)} (file: ${familyOf(wanted.taskDefinition)})`)
  }
  field('launchType', actual.launchType, wanted.launchType)
  field('platformVersion', actual.platformVersion, wanted.platformVersion)
  field('schedulingStrategy', actual.schedulingStrategy, wanted.schedulingStrategy)
  field('healthCheckGracePeriodSeconds', actual.healthCheckGracePeriodSeconds, wanted.healthCheckGracePeriodSeconds)
  if (actual.loadBalancers && wanted.loadBalancers && !same(loadBalancerEntries(actual.loadBalancers), loadBalancerEntries(wanted.loadBalancers))) {
    drift.push(`load balancers ${loadBalancerEntries(actual.loadBalancers).join(',') || 'none'} (wanted: ${loadBalancerEntries(wanted.loadBalancers).join(',')})`)
  }
  field('propagateTags', actual.propagateTags, wanted.propagateTags)
  field('enableECSManagedTags', actual.enableECSManagedTags, wanted.enableECSManagedTags)
  const have = actual.networkConfiguration?.awsvpcConfiguration
  const want = wanted.networkConfiguration?.awsvpcConfiguration
  if (have?.subnets && want?.subnets && !sameSet(have.subnets, want.subnets)) {
    drift.push(`subnets ${[...have.subnets].sort().join(',')} (default VPC: ${[...want.subnets].sort().join(',')})`)
  }
  if (have?.securityGroups && want?.securityGroups && !sameSet(have.securityGroups, want.securityGroups)) {
    drift.push(`security groups ${have.securityGroups.join(',')} (wanted: ${want.securityGroups.join(',')})`)
  }
  field('assignPublicIp', have?.assignPublicIp, want?.assignPublicIp)
  if (actual.enableExecuteCommand !== undefined && wanted.enableExecuteCommand !== undefined && actual.enableExecuteCommand !== wanted.enableExecuteCommand) {
    drift.push(`ECS Exec ${onOff(actual.enableExecuteCommand)} (file: ${onOff(wanted.enableExecuteCommand)}; needs update-service --enable-execute-command and a new deployment)`)
  }
  const deployment = actual.deploymentConfiguration
  const wantedDeployment = wanted.deploymentConfiguration
  if (deployment && wantedDeployment) {
    const breaker = deployment.deploymentCircuitBreaker
    const wantedBreaker = wantedDeployment.deploymentCircuitBreaker
    if (wantedBreaker && (onOff(breaker?.enable) !== onOff(wantedBreaker.enable) || onOff(breaker?.rollback) !== onOff(wantedBreaker.rollback))) {
      drift.push(`circuit breaker ${onOff(breaker?.enable)}, rollback ${onOff(breaker?.rollback)} (file: ${onOff(wantedBreaker.enable)}, rollback ${onOff(wantedBreaker.rollback)})`)
    }
    field('maximumPercent', deployment.maximumPercent, wantedDeployment.maximumPercent)
    field('minimumHealthyPercent', deployment.minimumHealthyPercent, wantedDeployment.minimumHealthyPercent)
  }
  // Service Connect lives on the deployments in DescribeServices' answer: the PRIMARY one is what runs.
  const connect = actual.deployments?.find((d) => d.status === 'PRIMARY')?.serviceConnectConfiguration
  const wantedConnect = wanted.serviceConnectConfiguration
  if (connect && wantedConnect) {
    if (onOff(connect.enabled) !== onOff(wantedConnect.enabled)) drift.push(`Service Connect ${onOff(connect.enabled)} (file: ${onOff(wantedConnect.enabled)})`)
    else if (!same(connectEntries(connect), connectEntries(wantedConnect))) {
      drift.push(`Service Connect ${connectEntries(connect).join(',') || 'no services'} (file: ${connectEntries(wantedConnect).join(',')})`)
    }
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

/**
 * What keeps a service's strategy from shifting traffic, without calling AWS: behind the front
 * door, one listener rule must reach it (strategyRouteProblem); otherwise ECS shifts through
 * Service Connect, which the service file must turn on. Pure over the template.
 */
export function strategyProblems(service: ServiceDeclaration, domainName: string | undefined, template?: Template): string[] {
  if (!shiftsTraffic(service)) return []
  const route = strategyRouteProblem(service, domainName)
  if (route) return [route]
  if (service.frontDoor) return []
  const json = ((template ?? loadTemplate(service.serviceFile)).json ?? {}) as { serviceConnectConfiguration?: { enabled?: boolean } }
  if (json.serviceConnectConfiguration?.enabled) return []
  return [`${service.name} deploys ${service.deployment.strategy} without the front door, so ECS shifts its traffic through Service Connect, which ${service.serviceFile} does not turn on: enable serviceConnectConfiguration, route it through the front door, or make its "deployment" ROLLING`]
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

/** The security groups of these ids that do not exist. */
async function missingSecurityGroups(ec2: EC2Client, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  try {
    const found = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...ids] }))
    return ids.filter((id) => !found.SecurityGroups?.some((g) => g.GroupId === id))
  } catch (error) {
    if (!awsErrorIs(error, 'InvalidGroup.NotFound')) throw error
    if (ids.length === 1) return [...ids]
    // EC2 names only the first missing group: ask for each.
    return (await Promise.all(ids.map((id) => missingSecurityGroups(ec2, [id])))).flat()
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
    // A routed service waits for the listeners too: ECS refuses a target group that no load
    // balancer forwards to yet ("does not have an associated load balancer").
    // Its deploymentConfiguration names its rollback alarms: they are made first.
    needs: [
      clusterStep,
      registerStep,
      securityGroupStep,
      ...(service.frontDoor ? [targetGroupStep(service), listenersStep([service])] : []),
      ...(service.rollbackAlarms ? [rollbackAlarmsStep(service)] : []),
    ],
    validate: ({ env, names }) => [...checkServiceFile(service, env), ...strategyProblems(service, names.domainName)],
    async run(ctx) {
      const problems = checkServiceFile(service, ctx.env)
      if (problems.length) throw new ConfigError(problems.join('; '))
      const ecs = ctx.client(ECSClient, 'ECS')
      const notes: string[] = []

      const network = await resolveServiceNetwork(ctx)
      if (isStandIn(network.securityGroupId)) notes.push(`after ${securityGroupStep.id} creates ${ctx.names.securityGroup}`)
      if (shiftsThroughFrontDoor(service) && !ctx.discovered.productionRuleArns?.[service.name]) {
        if (!ctx.discovered.targetGroupArns?.[service.name]) await resolveFrontDoor(ctx)
        await resolveProductionRules(ctx, [service])
        const missing = [
          ...(ctx.discovered.alternateTargetGroupArns?.[service.name] ? [] : [`target group ${alternateTargetGroupName(name)}: ${runFirst(targetGroupStep(service))}`]),
          ...(ctx.discovered.productionRuleArns?.[service.name] ? [] : [`its production listener rule: ${runFirst(listenersStep([service]))}`]),
        ]
        if (missing.length && !ctx.dryRun) throw new KitError(`${name} deploys ${service.deployment.strategy}, which needs ${missing.join('; ')}`)
        if (missing.length) {
          ctx.discovered.alternateTargetGroupArns = { [name]: standInTargetGroupArn(alternateTargetGroupName(name)), ...ctx.discovered.alternateTargetGroupArns }
          ctx.discovered.productionRuleArns = { [name]: standInRuleArn(`of ${name}`), ...ctx.discovered.productionRuleArns }
        }
      }
      let wanted = serviceRequest(ctx, service)
      if (service.frontDoor && !wanted.loadBalancers) {
        // Not recorded by a step of this run: as it exists, else a dry run's stand-in.
        await resolveFrontDoor(ctx)
        wanted = serviceRequest(ctx, service)
        if (!wanted.loadBalancers) {
          const group = targetGroupName(name)
          if (!ctx.dryRun) throw new KitError(`target group ${group} not found in ${ctx.region}: ${runFirst(targetGroupStep(service))}`)
          wanted = withFrontDoor(wanted, service, standInTargetGroupArn(group))
          notes.push(`after ${targetGroupStep(service).command ?? targetGroupStep(service).id} creates ${group}`)
        }
      }
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
        const toFrontDoor = [...frontDoorDrift(wanted, existing), ...strategyDrift(wanted, existing)]
        const newStrategy = strategyDrift(wanted, existing).length > 0
        const toAlarms = rollbackAlarmsDrift(wanted, existing)
        // What the update below fixes is not drift left as is.
        const drift = serviceDrift(wanted, toFrontDoor.length ? { ...existing, loadBalancers: wanted.loadBalancers, healthCheckGracePeriodSeconds: undefined } : existing)
        const unchanged = change(
          'unchanged',
          drift.length === 0 ? `in cluster ${cluster}, as ${file} defines` : `in cluster ${cluster}; drifted from ${file} (left as is): ${drift.join('; ')}`,
        )
        const gone = await missingSecurityGroups(ctx.client(EC2Client, 'EC2'), existing.networkConfiguration?.awsvpcConfiguration?.securityGroups ?? [])
        if (gone.length) {
          unchanged.fault =
            `its security group${gone.length === 1 ? '' : 's'} ${gone.join(', ')} no longer exist${gone.length === 1 ? 's' : ''}: no task of it can start; ` +
            `delete the service (./scripts/teardown) and run ./scripts/provision, or update-service --network-configuration`
          unchanged.warning = unchanged.fault
          return [unchanged]
        }
        const behind = olderRevision(existing.taskDefinition, await latestRevision(ecs, name, ctx.discovered.taskDefinitionArns?.[name]))
        if (behind) unchanged.warning = `${behind}: roll it out with ./scripts/deploy ${name}`
        if (toFrontDoor.length === 0 && toAlarms.length === 0) return [unchanged]
        const left = drift.length ? `; drifted from ${file} (left as is): ${drift.join('; ')}` : ''
        const how = toFrontDoor.length ? `UpdateService, health-check grace ${wanted.healthCheckGracePeriodSeconds ?? 0} s; a new deployment follows` : 'UpdateService'
        const updated = change('updated', `in cluster ${cluster}: ${[...toFrontDoor, ...toAlarms].join('; ')} (${how})${[...notes].map((n) => `; ${n}`).join('')}${left}`)
        if (unchanged.warning) updated.warning = unchanged.warning
        if (ctx.dryRun) return [updated]
        await ecs.send(
          new UpdateServiceCommand({
            cluster,
            service: name,
            ...(toFrontDoor.length ? { loadBalancers: wanted.loadBalancers, healthCheckGracePeriodSeconds: wanted.healthCheckGracePeriodSeconds } : {}),
            // The whole of it: UpdateService replaces deploymentConfiguration (circuit breaker, alarms);
            // ROLLING said explicitly, as ECS keeps the last strategy otherwise.
            ...(newStrategy || toAlarms.length
              ? { deploymentConfiguration: { ...wanted.deploymentConfiguration, strategy: strategyOf(wanted.deploymentConfiguration) as DeploymentStrategy } }
              : {}),
          }),
        )
        return [updated]
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
      const behindLoadBalancer = wanted.loadBalancers?.length
        ? `, behind ${targetGroupName(name)} (health-check grace ${wanted.healthCheckGracePeriodSeconds ?? 0} s)`
        : ''
      const strategy = shiftsTraffic(service)
        ? `, deployment ${describeStrategy(wanted.deploymentConfiguration)}${service.frontDoor ? `, shifting traffic between ${targetGroupName(name)} and ${alternateTargetGroupName(name)}` : ', shifting traffic through Service Connect'}`
        : ''
      const what = `in cluster ${cluster}: ${wanted.desiredCount ?? 1} × ${familyOf(taskDefinition)}, ${exec}, ${network.securityGroupId}, ${subnets} subnet${subnets === 1 ? '' : 's'}${behindLoadBalancer}${strategy}`
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
