// The audit's picture of the stack from the templates alone (--local): what provision would
// create, rendered with stand-in values where the real ones need AWS (account, subnets,
// security group id). No AWS call is made, and none of the SDK clients is built.
import type { CreateServiceCommandInput } from '@aws-sdk/client-ecs'
import { get, type Env } from '../config/env.js'
import { kitNames, type KitNames } from '../config/names.js'
import { AWS_KEY_PARAMETERS, declaredServices, type ParameterDeclaration } from '../config/services.js'
import { ecrRegistry } from '../aws/arns.js'
import { regionFromEnv } from '../aws/context.js'
import { derivedValues, placeholderHint } from '../steps/step.js'
import { familyOf } from '../steps/ecs-service.js'
import { SERVICES_FILE, serviceFileOf, taskDefinitionFileOf } from '../config/services.js'
import { managedPolicyArn, roleSpecs, TRUST_POLICY_FILE } from '../steps/iam-roles.js'
import { containerPorts, wantedRules } from '../steps/security-group.js'
import { SCAN_ON_PUSH, TAG_MUTABILITY } from '../steps/ecr-repositories.js'
import { CLUSTER_TAGS, CONTAINER_INSIGHTS, wantsContainerInsights } from '../steps/cluster.js'
import { loadTemplate, render, type Lookup } from '../templates/template.js'
import { routedServices } from '../front-door/routes.js'
import { withRollbackAlarms, withStrategy } from '../front-door/service-request.js'
import { KIT_TLS_POLICY } from './front-door-rules.js'
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

/**
 * The front door as the kit's steps make it (elbv2/create-load-balancer, elbv2/create-listeners):
 * invalid header fields dropped, deletion protection and access logs off; without DOMAIN_NAME
 * HTTP:80 forwards, with it HTTP:80 redirects (301) to HTTPS:443, which uses KIT_TLS_POLICY.
 * Null when no service is routed (no load balancer). Pure.
 */
export function plannedLoadBalancer(names: Pick<KitNames, 'loadBalancer' | 'domainName'>, routed: number): LoadBalancerFacts | null {
  if (routed === 0) return null
  const listeners: LoadBalancerFacts['listeners'] = names.domainName
    ? [
        { protocol: 'HTTP', port: 80, actions: [{ type: 'redirect', redirectProtocol: 'HTTPS' }] },
        { protocol: 'HTTPS', port: 443, sslPolicy: KIT_TLS_POLICY, actions: [{ type: 'forward' }] },
      ]
    : [{ protocol: 'HTTP', port: 80, actions: [{ type: 'forward' }] }]
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

  const ports = [...new Set(tds.map((td) => td.file))].flatMap((file) => containerPorts(loadTemplate(file)))
  // With a front door, the services' group admits the container ports only from the load
  // balancer's group and from itself (Service Connect): no CIDR rule at all. Without one, the
  // container ports are open to INGRESS_CIDR as before.
  const ingress =
    routed.length > 0 ? [] : wantedRules(ports, names.ingressCidr).map((r) => ({ protocol: r.protocol, fromPort: r.port, toPort: r.port, cidr: r.cidr }))

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
    loadBalancer: plannedLoadBalancer(names, routed.length),
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
