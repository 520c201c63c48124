// The names of everything the kit creates, each defined once: the guide's names by default,
// each overridable by an environment variable, each checked against AWS's own rules before
// anything uses it. Steps, templates and scripts read them here.
import { get, type Env } from './env.js'
import { ConfigError } from '../core/errors.js'
import { declaredServices, SERVICE_NAME, SERVICES_FILE, type ServiceDeclaration } from './services.js'

export interface KitNames {
  cluster: string
  namespace: string
  logGroup: string
  logRetentionDays: number
  repositories: string[]
  executionRole: string
  executionPolicy: string
  taskRole: string
  taskRolePolicy: string
  securityGroup: string
  /** The application load balancer in front of the routed services (the bootcamp's cruddur-alb). */
  loadBalancer: string
  /** The load balancer's own security group: 80 and 443 from ingressCidr. */
  loadBalancerSecurityGroup: string
  /** The user's domain, whose public hosted zone exists in Route 53; undefined: plain HTTP on the load balancer's name. */
  domainName?: string
  /** Who may reach the front door (the load balancer's 80 and 443). */
  ingressCidr: string
  /** The root of every service's SSM parameters: <ssmPrefix>/<service>/<NAME>. */
  ssmPrefix: string
  /** The declared services (json/services.json) this run deals with: ECS_SERVICES, else all. */
  services: string[]
  imageTag: string
}

/** The base image repository the guide mirrors python:3.10-slim-buster into. */
export const BASE_IMAGE_REPOSITORY = 'cruddur-python'

/** Each override, with its default, for --help, .env.example and the README. */
export const NAME_VARIABLES = {
  ECS_CLUSTER: 'cruddur',
  SERVICE_CONNECT_NAMESPACE: 'cruddur',
  LOG_GROUP: '/cruddur/fargate-cluster',
  LOG_RETENTION_DAYS: '1',
  ECR_REPOSITORIES: `${BASE_IMAGE_REPOSITORY},<each service's repository>`,
  EXECUTION_ROLE_NAME: 'CruddurServiceExecutionRole',
  TASK_ROLE_NAME: 'CruddurTaskRole',
  SECURITY_GROUP_NAME: 'crud-srv-sg',
  LOAD_BALANCER_NAME: 'cruddur-alb',
  LOAD_BALANCER_SECURITY_GROUP_NAME: 'cruddur-alb-sg',
  INGRESS_CIDR: '0.0.0.0/0',
  SSM_PREFIX: '/cruddur',
  ECS_SERVICES: `every service in ${SERVICES_FILE}`,
  IMAGE_TAG: 'latest',
} as const

type NameVariable = keyof typeof NAME_VARIABLES

/** CloudWatch Logs accepts only these retention periods. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]

/** AWS's rule for each kind of name, and how to say it. */
const RULES: Record<string, { pattern: RegExp; says: string }> = {
  LOG_GROUP: { pattern: /^[.\-_/#A-Za-z0-9]{1,512}$/, says: 'letters, digits and . - _ / # (up to 512)' },
  EXECUTION_ROLE_NAME: { pattern: /^[\w+=,.@-]{1,64}$/, says: 'letters, digits and + = , . @ _ - (up to 64)' },
  TASK_ROLE_NAME: { pattern: /^[\w+=,.@-]{1,64}$/, says: 'letters, digits and + = , . @ _ - (up to 64)' },
  LOAD_BALANCER_SECURITY_GROUP_NAME: { pattern: /^(?!sg-)[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/, says: 'up to 255 of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-' },
  SECURITY_GROUP_NAME: { pattern: /^(?!sg-)[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]{1,255}$/, says: 'up to 255 of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-' },
  IMAGE_TAG: { pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, says: 'a Docker tag: letters, digits, _ . - (up to 128, not starting with . or -)' },
  SSM_PREFIX: { pattern: /^(\/[A-Za-z0-9_.-]+){1,14}$/, says: 'an SSM path such as /cruddur (segments of letters, digits, _ . -; no spaces)' },
}

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/
/** ELB's rule for load balancer and target group names: up to 32 letters, digits and hyphens, no hyphen at either end. */
const ELB_NAME = /^(?!-)(?!internal-)[A-Za-z0-9-]{1,32}(?<!-)$/
/** A public DNS name: two or more labels, lower case. */
const DOMAIN = /^(?=.{1,253}$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/

/**
 * A service's target group name: the bootcamp's cruddur-<service>-tg. ELB allows 32 characters,
 * so a longer service name is cut and given a short hash of the whole, keeping names distinct. Pure.
 */
export const targetGroupName = (service: string): string => serviceElbName(service, 'tg')

/** cruddur-<service>-<ending>, within ELB's 32 characters. Pure. */
function serviceElbName(service: string, ending: string): string {
  const whole = `cruddur-${service}-${ending}`.replace(/_/g, '-')
  if (whole.length <= 32) return whole
  let hash = 0
  for (const c of service) hash = (hash * 31 + c.charCodeAt(0)) >>> 0
  const suffix = `-${hash.toString(36).slice(0, 6)}-${ending}`
  return `${`cruddur-${service}`.replace(/_/g, '-').slice(0, 32 - suffix.length).replace(/-+$/, '')}${suffix}`
}

/** The alternate target group a CANARY, LINEAR or BLUE_GREEN service's new tasks start in: cruddur-<service>-tg-2, by the same rule. Pure. */
export const alternateTargetGroupName = (service: string): string => serviceElbName(service, 'tg-2')
const ARN = /^arn:/
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/

/** What is wrong with the cluster's and namespace's names (AWS's rules). Pure. */
export function clusterProblems(names: Pick<KitNames, 'cluster' | 'namespace'>): string[] {
  const problems: string[] = []
  if (!CLUSTER_NAME.test(names.cluster)) {
    problems.push(`ECS_CLUSTER must be 1-255 letters, digits, hyphens or underscores, got "${names.cluster}"`)
  }
  if (!ARN.test(names.namespace) && (names.namespace.length > 1024 || /[<>/\\\s]/.test(names.namespace) || names.namespace === '')) {
    problems.push(`SERVICE_CONNECT_NAMESPACE must be a Cloud Map namespace name (no spaces, <, > or /) or ARN, got "${names.namespace}"`)
  }
  return problems
}

/** What is wrong with the repositories' names (ECR's rules). Pure. */
export function repositoryProblems(repositories: readonly string[]): string[] {
  if (repositories.length === 0) return ['ECR_REPOSITORIES lists no repository (e.g. cruddur-python,backend-flask,frontend-react-js)']
  const bad = repositories.filter((r) => r.length < 2 || r.length > 256 || !REPOSITORY_NAME.test(r))
  if (bad.length === 0) return []
  return [`ECR_REPOSITORIES: ${bad.map((r) => `"${r}"`).join(', ')} ${bad.length === 1 ? 'is not a' : 'are not'} valid repository name${bad.length === 1 ? '' : 's'} (lowercase letters, digits, . _ - and /)`]
}

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/**
 * The kit's names from the environment, or every problem with them at once (one line each,
 * naming the variable, the value and AWS's rule). Pure over `declared`.
 */
export function checkNames(env: Env, declared: readonly ServiceDeclaration[]): { names?: KitNames; problems: string[] } {
  const problems: string[] = []
  const value = (name: NameVariable): string => get(env, name) ?? NAME_VARIABLES[name]
  const named = (name: NameVariable, text = value(name)): string => {
    const rule = RULES[name]
    if (rule && !rule.pattern.test(text)) problems.push(`${name} "${text}" is not valid: ${rule.says}`)
    return text
  }
  const retentionText = value('LOG_RETENTION_DAYS')
  const retention = Number(retentionText)
  if (!RETENTION_DAYS.includes(retention)) {
    problems.push(`LOG_RETENTION_DAYS must be one of ${RETENTION_DAYS.join(', ')} (CloudWatch Logs' periods), got "${retentionText}"`)
  }
  const cidr = value('INGRESS_CIDR')
  const [address, prefix] = cidr.split('/')
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr) || address.split('.').some((o) => Number(o) > 255) || Number(prefix) > 32) {
    problems.push(`INGRESS_CIDR must be an IPv4 CIDR such as 0.0.0.0/0 or 203.0.113.7/32, got "${cidr}"`)
  }
  const ssmText = value('SSM_PREFIX')
  const ssmPrefix = ssmText.replace(/\/+$/, '')
  if (!ssmText.startsWith('/')) problems.push(`SSM_PREFIX must start with "/", got "${ssmText}"`)
  else named('SSM_PREFIX', ssmPrefix === '' ? ssmText : ssmPrefix)

  const services = get(env, 'ECS_SERVICES') === undefined ? declared.map((s) => s.name) : list(value('ECS_SERVICES'))
  for (const name of services) {
    if (!SERVICE_NAME.test(name)) problems.push(`ECS_SERVICES names "${name}", which is not a valid service name (letters, digits, - and _)`)
    else if (!declared.some((s) => s.name === name)) {
      problems.push(`ECS_SERVICES names "${name}", which ${SERVICES_FILE} does not declare (declared: ${declared.map((s) => s.name).join(', ')})`)
    }
  }
  if (services.length === 0) problems.push(`ECS_SERVICES names no service (declared in ${SERVICES_FILE}: ${declared.map((s) => s.name).join(', ')})`)

  const repositoriesText = get(env, 'ECR_REPOSITORIES')
  const repositories = repositoriesText === undefined ? [BASE_IMAGE_REPOSITORY, ...new Set(declared.map((s) => s.repository))] : list(repositoriesText)
  problems.push(...repositoryProblems(repositories))
  const loadBalancer = value('LOAD_BALANCER_NAME')
  if (!ELB_NAME.test(loadBalancer)) problems.push(`LOAD_BALANCER_NAME "${loadBalancer}" is not valid: up to 32 letters, digits and hyphens, not starting or ending with a hyphen`)
  const domainText = get(env, 'DOMAIN_NAME')
  const domainName = domainText?.trim().toLowerCase().replace(/\.$/, '')
  if (domainName !== undefined && !DOMAIN.test(domainName)) {
    problems.push(`DOMAIN_NAME "${domainText}" is not a domain name such as cruddur.example.com: set it to the name of your Route 53 public hosted zone, or unset it`)
  }
  const cluster = value('ECS_CLUSTER')
  const namespace = value('SERVICE_CONNECT_NAMESPACE')
  problems.push(...clusterProblems({ cluster, namespace }))

  const names: KitNames = {
    cluster,
    namespace,
    logGroup: named('LOG_GROUP'),
    logRetentionDays: retention,
    repositories,
    executionRole: named('EXECUTION_ROLE_NAME'),
    executionPolicy: 'CruddurServiceExecutionPolicy',
    taskRole: named('TASK_ROLE_NAME'),
    taskRolePolicy: 'CruddurTaskPolicy',
    securityGroup: named('SECURITY_GROUP_NAME'),
    loadBalancer,
    loadBalancerSecurityGroup: named('LOAD_BALANCER_SECURITY_GROUP_NAME'),
    ...(domainName ? { domainName } : {}),
    ingressCidr: cidr,
    ssmPrefix,
    services,
    imageTag: named('IMAGE_TAG'),
  }
  return problems.length ? { problems } : { names, problems }
}

/** The kit's names, or one ConfigError naming every bad value at once. */
export function kitNames(env: Env, declared: readonly ServiceDeclaration[] = declaredServices()): KitNames {
  const { names, problems } = checkNames(env, declared)
  if (!names) throw new ConfigError(problems.join('; '))
  return names
}

/** The declarations of the services this run deals with, in ECS_SERVICES' order. */
export function selectedServices(names: KitNames, declared: readonly ServiceDeclaration[] = declaredServices()): ServiceDeclaration[] {
  return names.services.map((name) => declared.find((s) => s.name === name) as ServiceDeclaration)
}
