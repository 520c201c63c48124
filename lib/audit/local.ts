// The audit's picture of the stack from the templates alone (--local): what provision would
// create, rendered with stand-in values where the real ones need AWS (account, subnets,
// security group id). No AWS call is made, and none of the SDK clients is built.
import type { CreateServiceCommandInput } from '@aws-sdk/client-ecs'
import { get, type Env } from '../config/env.js'
import { kitNames, type KitNames } from '../config/names.js'
import { AWS_KEY_PARAMETERS, declaredServices, type ParameterDeclaration, type ServiceDeclaration } from '../config/services.js'
import { ecrRegistry } from '../aws/arns.js'
import { regionFromEnv } from '../aws/context.js'
import { derivedValues, placeholderHint } from '../steps/step.js'
import { familyOf } from '../steps/ecs-service.js'
import { SERVICES_FILE, serviceFileOf, taskDefinitionFileOf } from '../config/services.js'
import { managedPolicyArn, roleSpecs, TRUST_POLICY_FILE } from '../steps/iam-roles.js'
import { containerPorts, serviceGroupRules } from '../steps/security-group.js'
import { SCAN_ON_PUSH, TAG_MUTABILITY } from '../steps/ecr-repositories.js'
import { CLUSTER_TAGS, CONTAINER_INSIGHTS, wantsContainerInsights } from '../steps/cluster.js'
import { loadTemplate, render, type Lookup } from '../templates/template.js'
import { routedServices } from '../front-door/routes.js'
import { shiftsThroughFrontDoor, withRollbackAlarms, withStrategy } from '../front-door/service-request.js'
import { wantedListeners, type ListenerAction } from '../front-door/listener-plan.js'
import type { ContainerFacts, LoadBalancerFacts, ParameterFacts, ServiceFacts, Snapshot, TaskDefinitionFacts } from './snapshot.js'

/** Rendered JSON (a template, or an SDK answer), read field by field. */
type Json = Record<string, any>

/** Stand-ins for what only AWS knows; shown as <NAME> in findings. */
const STAND_IN = (name: string): string => `<${name}>`

/** A task definition's facts from its rendered JSON (a template, or DescribeTaskDefinition's answer). Pure. */
export function taskDefinitionFacts(json: Json, file: string, tags: TaskDefinitionFacts['tags']): TaskDefinitionFacts {
  return {
    family: String(json.family),
    file,
    ...(json.revision ? { revision: `${json.family}:${json.revision}` } : {}),
    networkMode: json.networkMode,
    pidMode: json.pidMode,
    executionRoleArn: json.executionRoleArn || undefined,
    taskRoleArn: json.taskRoleArn || undefined,
    requiresCompatibilities: json.requiresCompatibilities,
    containerDefinitions: (json.containerDefinitions ?? []) as ContainerFacts[],
    tags,
  }
}

/** A service's facts from its rendered JSON (a template, or DescribeServices' answer). Pure. */
export function serviceFacts(json: Json, name: string, file: string, tags: ServiceFacts['tags']): Omit<ServiceFacts, 'taskDefinition'> {
  const vpc = json.networkConfiguration?.awsvpcConfiguration
  return {
    name,
    file,
    launchType: json.launchType,
    platformVersion: json.platformVersion,
    enableExecuteCommand: json.enableExecuteCommand,
    assignPublicIp: vpc?.assignPublicIp,
    securityGroups: vpc?.securityGroups,
    circuitBreaker: json.deploymentConfiguration?.deploymentCircuitBreaker,
    strategy: json.deploymentConfiguration?.strategy,
    rollbackAlarms: json.deploymentConfiguration?.alarms,
    deploymentController: json.deploymentController?.type,
    tags,
  }
}

/** The SSM parameter a secret's valueFrom names (an ARN or a /path), or undefined for Secrets Manager. Pure. */
export function parameterNameOf(valueFrom: string | undefined): string | undefined {
  if (!valueFrom) return undefined
  if (valueFrom.startsWith('/')) return valueFrom
  const m = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(valueFrom)
  return m?.[1]
}

/** The parameters the task definitions' secrets name, with the task definitions naming each. Pure. */
export function referencedParameters(tds: readonly TaskDefinitionFacts[]): Array<{ name: string; secret: string; referencedBy: string[] }> {
  const found = new Map<string, { name: string; secret: string; referencedBy: string[] }>()
  for (const td of tds) {
    for (const c of td.containerDefinitions) {
      for (const s of c.secrets ?? []) {
        const name = parameterNameOf(s.valueFrom)
        if (!name) continue
        const entry = found.get(name) ?? { name, secret: s.name ?? '', referencedBy: [] }
        if (!entry.referencedBy.includes(td.family)) entry.referencedBy.push(td.family)
        found.set(name, entry)
      }
    }
  }
  return [...found.values()]
}

function declarations(): ParameterDeclaration[] {
  try {
    return [...AWS_KEY_PARAMETERS, ...declaredServices().flatMap((s) => s.parameters)]
  } catch {
    return [...AWS_KEY_PARAMETERS]
  }
}

/** What a listener action is, in the audit's terms (as lib/audit/live.ts reads an answer). Pure. */
function actionFacts(action: ListenerAction): LoadBalancerFacts['listeners'][number]['actions'][number] {
  if (action.type === 'forward') return { type: 'forward' }
  if (action.type === 'redirect-to-https') return { type: 'redirect', redirectProtocol: 'HTTPS' }
  return { type: 'fixed-response' }
}

/**
 * The front door as the kit's steps make it: the load balancer step's attributes (invalid header
 * fields dropped, deletion protection and access logs off) and the listeners step's own plan
 * (wantedListeners), with stand-ins for the ARNs only AWS knows. Null when no service is routed
 * (no load balancer). Pure.
 */
export function plannedLoadBalancer(names: Pick<KitNames, 'loadBalancer' | 'domainName'>, routed: readonly ServiceDeclaration[]): LoadBalancerFacts | null {
  if (routed.length === 0) return null
  const plan = wantedListeners(routed, {
    ...(names.domainName ? { domainName: names.domainName, certificateArn: STAND_IN('CERTIFICATE_ARN') } : {}),
    targetGroupArns: Object.fromEntries(routed.map((s) => [s.name, STAND_IN(`TARGET_GROUP_ARN_${s.name}`)])),
    alternateTargetGroupArns: Object.fromEntries(routed.filter(shiftsThroughFrontDoor).map((s) => [s.name, STAND_IN(`ALTERNATE_TARGET_GROUP_ARN_${s.name}`)])),
  })
  const listeners = plan.listeners.map((l) => ({
    protocol: l.protocol,
    port: l.port,
    ...(l.sslPolicy ? { sslPolicy: l.sslPolicy } : {}),
    actions: [actionFacts(l.defaultAction), ...plan.rules.filter((r) => r.listenerPort === l.port).map(() => ({ type: 'forward' }))],
  }))
  return { name: names.loadBalancer, dropInvalidHeaderFields: true, accessLogs: false, deletionProtection: false, listeners }
}

/** The snapshot of what the templates and the kit's settings would create. */
export function localSnapshot(env: Env, names: KitNames = kitNames(env)): Snapshot {
  const region = regionFromEnv(env) ?? STAND_IN('REGION')
  const account = get(env, 'AWS_ACCOUNT_ID') ?? STAND_IN('ACCOUNT_ID')
  const derived = derivedValues({
    names,
    region,
    accountId: account,
    discovered: { securityGroupId: STAND_IN('SECURITY_GROUP_ID'), subnetIds: [STAND_IN('SUBNET_IDS')] },
  })
  const lookup: Lookup = (name) => derived[name] ?? get(env, name) ?? STAND_IN(name)
  const renderFile = (file: string): Json => render(loadTemplate(file), lookup, placeholderHint) as Json

  const services: ServiceFacts[] = names.services.map((name) => {
    const file = serviceFileOf(name)
    const declared = declaredServices().find((d) => d.name === name)
    // What provision asks ECS for: the file with the declared strategy and rollback alarms.
    const json = declared ? (withRollbackAlarms(withStrategy(renderFile(file) as CreateServiceCommandInput, declared, {}), declared) as Json) : renderFile(file)
    const family = familyOf(String(json.taskDefinition ?? name))
    const tdFile = taskDefinitionFileOf(family)
    const td = renderFile(tdFile)
    return {
      ...serviceFacts(json, name, file, json.tags ?? []),
      taskDefinition: taskDefinitionFacts(td, tdFile, td.tags ?? []),
      ...(declared ? { routed: declared.frontDoor !== undefined, containerPort: declared.containerPort } : {}),
    }
  })
  const routed = routedServices(declaredServices()).filter((d) => names.services.includes(d.name))
  const tds = services.map((s) => s.taskDefinition as TaskDefinitionFacts)

  const trust = renderFile(TRUST_POLICY_FILE)
  const roles = roleSpecs(names).map((spec) => ({
    name: spec.role,
    trust,
    trustFile: TRUST_POLICY_FILE,
    policies: [
      { name: spec.inlinePolicy, kind: 'inline' as const, document: renderFile(spec.inlineFile), file: spec.inlineFile },
      ...spec.managed.map((m) => ({ name: m, kind: 'aws-managed' as const, arn: managedPolicyArn(region, m) })),
    ],
  }))

  // The services' group as the security-group step makes it (serviceGroupRules): the container
  // ports from the load balancer's group and from itself; the audit sees its CIDR rules.
  const withPorts = declaredServices()
    .filter((d) => names.services.includes(d.name))
    .map((service) => ({ service, ports: containerPorts(loadTemplate(service.taskDefinitionFile)) }))
  const ingress = serviceGroupRules(
    withPorts,
    { groupId: STAND_IN('SECURITY_GROUP_ID'), groupName: names.securityGroup },
    routed.length > 0 ? { groupId: STAND_IN('LOAD_BALANCER_SECURITY_GROUP_ID'), groupName: names.loadBalancerSecurityGroup } : undefined,
  ).flatMap((r) => (r.cidr ? [{ protocol: r.protocol, fromPort: r.port, toPort: r.port, cidr: r.cidr }] : []))

  const declared = declarations()
  const parameters: ParameterFacts[] = referencedParameters(tds).map((p) => {
    const declaration = declared.find((d) => d.name === p.secret)
    return { name: p.name, referencedBy: p.referencedBy, ...(declaration ? { type: declaration.secret ? 'SecureString' : 'String' } : {}) }
  })

  const groups = new Set(tds.flatMap((td) => td.containerDefinitions.map((c) => c.logConfiguration?.options?.['awslogs-group'])).filter((g): g is string => !!g))
  groups.delete(names.logGroup)

  return {
    mode: 'local',
    region,
    account,
    registry: ecrRegistry(account, region),
    // What the cluster step sets: its tags, and Container Insights while a service's rollback
    // alarms watch its task count (else the account default: off).
    cluster: {
      name: names.cluster,
      exists: true,
      tags: CLUSTER_TAGS,
      ...(wantsContainerInsights(declaredServices().filter((d) => names.services.includes(d.name))) ? { containerInsights: CONTAINER_INSIGHTS.value } : {}),
    },
    services,
    roles,
    securityGroups: [{ name: names.securityGroup, ingress }],
    parameters,
    // What ecr/create-repositories sets: scan on push, tag mutability, and no lifecycle or repository policy.
    repositories: names.repositories.map((name) => ({
      name,
      exists: true,
      scanOnPush: SCAN_ON_PUSH,
      tagMutability: TAG_MUTABILITY,
      lifecyclePolicy: null,
      repositoryPolicy: null,
    })),
    logGroups: [
      { name: names.logGroup, exists: true, retentionDays: names.logRetentionDays, kits: true },
      ...[...groups].map((name) => ({ name, kits: false })),
    ],
    loadBalancer: plannedLoadBalancer(names, routed),
    unreadable: [],
    absent: [],
    // The steps that create what has no template: a finding on it points at the code to change.
    sources: {
      [`cluster:${names.cluster}`]: { file: 'lib/steps/cluster.ts', key: 'new CreateClusterCommand' },
      ...Object.fromEntries(names.repositories.map((name) => [`repository:${name}`, { file: 'lib/steps/ecr-repositories.ts', key: 'new CreateRepositoryCommand' }])),
      [`security-group:${names.securityGroup}`]: { file: 'lib/steps/security-group.ts', key: 'new AuthorizeSecurityGroupIngressCommand' },
      [`log-group:${names.logGroup}`]: { file: 'lib/steps/log-group.ts', key: 'new PutRetentionPolicyCommand' },
      [`load-balancer:${names.loadBalancer}`]: { file: 'lib/steps/load-balancer.ts', key: 'loadBalancerStep' },
      ...Object.fromEntries(roles.map((r) => [`role:${r.name}`, { file: 'lib/steps/iam-roles.ts', key: 'export function roleSpecs' }])),
      ...Object.fromEntries(
        referencedParameters(tds).flatMap((p) => (declared.some((d) => d.name === p.secret) ? [[`parameter:${p.name}`, { file: SERVICES_FILE, key: p.secret }]] : [])),
      ),
    },
  }
}
