// The names of everything the kit creates, each defined once: the guide's names by default,
// each overridable by an environment variable. Steps, templates and scripts read them here.
import { get, type Env } from './env.js'
import { ConfigError } from '../core/errors.js'

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
  ingressCidr: string
  ssmPrefix: string
  /** Services (and their task-definition families) that provision creates. */
  services: string[]
  imageTag: string
}

/** The guide's one service (and task-definition family): its steps keep the plain step ids. */
export const PRIMARY_SERVICE = 'backend-flask'

/** Each override, with its default, for --help and the README. */
export const NAME_VARIABLES = {
  ECS_CLUSTER: 'cruddur',
  SERVICE_CONNECT_NAMESPACE: 'cruddur',
  LOG_GROUP: '/cruddur/fargate-cluster',
  LOG_RETENTION_DAYS: '1',
  ECR_REPOSITORIES: 'cruddur-python,backend-flask,frontend-react-js',
  EXECUTION_ROLE_NAME: 'CruddurServiceExecutionRole',
  TASK_ROLE_NAME: 'CruddurTaskRole',
  SECURITY_GROUP_NAME: 'crud-srv-sg',
  INGRESS_CIDR: '0.0.0.0/0',
  SSM_PREFIX: '/cruddur/backend-flask',
  ECS_SERVICES: PRIMARY_SERVICE,
  IMAGE_TAG: 'latest',
} as const

const value = (env: Env, name: keyof typeof NAME_VARIABLES): string => get(env, name) ?? NAME_VARIABLES[name]

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** The kit's names from the environment. Throws ConfigError naming the variable on a bad value. Pure. */
export function kitNames(env: Env): KitNames {
  const retention = Number(value(env, 'LOG_RETENTION_DAYS'))
  // CloudWatch Logs accepts only these retention periods.
  const allowed = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
  if (!allowed.includes(retention)) {
    throw new ConfigError(`LOG_RETENTION_DAYS must be one of ${allowed.join(', ')} (CloudWatch Logs' periods), got "${value(env, 'LOG_RETENTION_DAYS')}"`)
  }
  const cidr = value(env, 'INGRESS_CIDR')
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) {
    throw new ConfigError(`INGRESS_CIDR must be an IPv4 CIDR such as 0.0.0.0/0 or 203.0.113.7/32, got "${cidr}"`)
  }
  const ssmPrefix = value(env, 'SSM_PREFIX').replace(/\/+$/, '')
  if (!ssmPrefix.startsWith('/')) throw new ConfigError(`SSM_PREFIX must start with "/", got "${ssmPrefix}"`)
  const executionRole = value(env, 'EXECUTION_ROLE_NAME')
  const taskRole = value(env, 'TASK_ROLE_NAME')
  return {
    cluster: value(env, 'ECS_CLUSTER'),
    namespace: value(env, 'SERVICE_CONNECT_NAMESPACE'),
    logGroup: value(env, 'LOG_GROUP'),
    logRetentionDays: retention,
    repositories: list(value(env, 'ECR_REPOSITORIES')),
    executionRole,
    executionPolicy: 'CruddurServiceExecutionPolicy',
    taskRole,
    taskRolePolicy: 'CruddurTaskPolicy',
    securityGroup: value(env, 'SECURITY_GROUP_NAME'),
    ingressCidr: cidr,
    ssmPrefix,
    services: list(value(env, 'ECS_SERVICES')),
    imageTag: value(env, 'IMAGE_TAG'),
  }
}
