// The shape of every provisioning step, and the context steps run in. A step reads what
// exists, then changes only what differs; under --dry-run it reads and reports the same
// outcomes without changing anything. Each step is one script and one node of provision.
import { get, type Env } from '../config/env.js'
import { ecrRegistry, partitionOf, roleArn, ssmParameterArn } from '../aws/arns.js'
import type { RunContext } from '../aws/context.js'
import { loadTemplate, render, type Lookup, type Template, type TemplateValue } from '../templates/template.js'
import { URL_PLACEHOLDER_PREFIX } from '../front-door/routes.js'

export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted'

/** One resource's outcome. `detail` says what was (or would be) done, or what drifted. */
export interface Change {
  resource: string
  name: string
  outcome: Outcome
  detail?: string
  /** Something the user should know and may not want (e.g. long-lived keys in a container). */
  warning?: string
  /** Something broken that the step leaves as is (a service on a deleted security group): status shows it as ✗. */
  fault?: string
}

/** Facts that steps learn and later steps use: the network a service runs in. */
export interface Discovered {
  vpcId?: string
  securityGroupId?: string
  subnetIds?: string[]
  /** Each family's latest ACTIVE revision, as the task-definition step left it. */
  taskDefinitionArns?: Record<string, string>
  /** The front door (lib/front-door/lookup.ts resolves what a step of this run has not recorded). */
  loadBalancerArn?: string
  loadBalancerDnsName?: string
  /** The load balancer's Route 53 zone, for alias records. */
  loadBalancerZoneId?: string
  loadBalancerSecurityGroupId?: string
  /** Each routed service's target group, by service name. */
  targetGroupArns?: Record<string, string>
  certificateArn?: string
  /** The alternate target group of each routed service with a traffic-shifting strategy (CANARY, LINEAR, BLUE_GREEN). */
  alternateTargetGroupArns?: Record<string, string>
  /** The listener rule ECS shifts each such service's production traffic on (advancedConfiguration.productionListenerRule). */
  productionRuleArns?: Record<string, string>
  /** Each routed service's public URL, by its placeholder (SERVICE_URL_BACKEND_FLASK). */
  serviceUrls?: Record<string, string>
  /**
   * Teardown: the ARNs and ids this run deletes (or, in a dry run, would), so that a later step
   * does not also plan what goes with them (the rules of a deleted listener or group).
   */
  deleting?: Set<string>
}

/** The run's context, with what steps share: the account (resolved once), and what they discovered. */
export interface StepContext extends RunContext {
  accountId: string
  discovered: Discovered
  /** Render a template (a file's path relative to the repo root, or one already loaded) with this context's values. */
  render(template: string | Template): unknown
}

/** What a step's validation reads: the environment, the names and the run's services (no AWS). */
export type StepInputs = Pick<RunContext, 'env' | 'names' | 'services'>

export interface Step {
  /** Unique in a run: the step's script, with ":SERVICE" for a per-service step. */
  id: string
  /** The command that runs this step alone, e.g. "ecs/create-service frontend-react-js" (default: the id). */
  command?: string
  title: string
  /** Steps whose resources this one refers to. */
  needs: readonly Step[]
  /** Template placeholders this step works out (e.g. SECURITY_GROUP_ID): hints name the step. */
  provides?: readonly string[]
  /** Problems with the inputs, found without calling AWS. provision checks every step before any change. */
  validate?(run: StepInputs): string[]
  run(ctx: StepContext): Promise<Change[]>
}

/** The hint that names the step to run before another can: "run ./scripts/X first". */
export const runFirst = (step: Step): string => `run ./scripts/${step.command ?? step.id} first`

/** Template values the kit works out (not set by the user), and what each is worked out from. */
export const DERIVED: Record<string, string> = {
  ACCOUNT_ID: 'AWS_ACCOUNT_ID or STS',
  REGION: 'AWS_DEFAULT_REGION',
  PARTITION: 'the region',
  ECR_REGISTRY: 'the account and region',
  CLUSTER: 'ECS_CLUSTER',
  NAMESPACE: 'SERVICE_CONNECT_NAMESPACE',
  LOG_GROUP: 'LOG_GROUP',
  EXECUTION_ROLE_ARN: 'EXECUTION_ROLE_NAME',
  TASK_ROLE_ARN: 'TASK_ROLE_NAME',
  SSM_PREFIX: 'SSM_PREFIX',
  SSM_PARAMETER_ARN_PREFIX: 'SSM_PREFIX, the account and region',
  IMAGE_TAG: 'IMAGE_TAG',
  SECURITY_GROUP_ID: 'SECURITY_GROUP_NAME in the default VPC (the security-group step)',
  SUBNET_IDS: 'the default VPC (the security-group step)',
}

/** What a service's URL placeholder (SERVICE_URL_<SERVICE>) is worked out from. */
const URL_SOURCE = 'DOMAIN_NAME, else the load balancer\'s DNS name (the load-balancer step), for a service json/services.json routes through the front door'

/** Where a derived placeholder comes from, or undefined when the user sets it. Pure. */
export const derivedFrom = (name: string): string | undefined => DERIVED[name] ?? (name.startsWith(URL_PLACEHOLDER_PREFIX) ? URL_SOURCE : undefined)

/** The values of the derived placeholders for a context. Pure. */
export function derivedValues(
  ctx: Pick<StepContext, 'names' | 'region' | 'accountId' | 'discovered'>,
): Record<string, TemplateValue | undefined> {
  const { names, region, accountId: account, discovered } = ctx
  return {
    ACCOUNT_ID: account,
    REGION: region,
    PARTITION: partitionOf(region),
    ECR_REGISTRY: ecrRegistry(account, region),
    CLUSTER: names.cluster,
    NAMESPACE: names.namespace,
    LOG_GROUP: names.logGroup,
    EXECUTION_ROLE_ARN: roleArn(account, region, names.executionRole),
    TASK_ROLE_ARN: roleArn(account, region, names.taskRole),
    SSM_PREFIX: names.ssmPrefix,
    SSM_PARAMETER_ARN_PREFIX: ssmParameterArn(account, region, names.ssmPrefix),
    IMAGE_TAG: names.imageTag,
    SECURITY_GROUP_ID: discovered.securityGroupId,
    SUBNET_IDS: discovered.subnetIds,
    ...discovered.serviceUrls,
  }
}

/** Where a placeholder's value comes from, for the error when it has none. Pure. */
export function placeholderHint(name: string): string {
  const source = derivedFrom(name)
  return source ? `worked out from ${source}: create that first` : `set ${name} in .env or the environment`
}

/** placeholderHint, naming the step to run first for what a step works out. Pure. */
export function placeholderHintFor(steps: readonly Step[]): (name: string) => string {
  return (name) => {
    const step = steps.find((s) => s.provides?.includes(name))
    return step ? `worked out from ${step.command ?? step.id}: ${runFirst(step)}` : placeholderHint(name)
  }
}

/** Look derived values up first, then the environment. */
export function lookupIn(derived: Record<string, TemplateValue | undefined>, env: Env): Lookup {
  return (name) => derived[name] ?? get(env, name)
}

/**
 * Check a template without calling AWS: it parses, and every placeholder is derived or set
 * in the environment. Returns the problem, or undefined.
 */
export function checkTemplate(path: string, env: Env): string | undefined {
  try {
    const template = loadTemplate(path)
    const standIn = (name: string) => (derivedFrom(name) ? `<${name}>` : get(env, name))
    render(template, standIn, placeholderHint)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

/** The run's context made ready for steps: the account is looked up (once) here. */
export async function stepContext(run: RunContext, steps: readonly Step[] = []): Promise<StepContext> {
  const hint = placeholderHintFor(steps)
  const ctx: StepContext = {
    ...run,
    accountId: await run.account(),
    discovered: {},
    render: (template) => render(typeof template === 'string' ? loadTemplate(template) : template, lookupIn(derivedValues(ctx), run.env), hint),
  }
  return ctx
}
