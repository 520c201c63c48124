// What each environment variable the kit reads is for, written once, for every script's --help.
// The variables a service's parameters come from are described from json/services.json.
import { NAME_VARIABLES } from './names.js'
import { declaredServices, parameterPath, type ServiceDeclaration } from './services.js'

export const VARIABLES = {
  AWS_DEFAULT_REGION: 'region (AWS_REGION wins when both are set; else the AWS profile\'s)',
  AWS_ACCOUNT_ID: 'account for ARNs and the ECR registry (else asked of STS)',
  AWS_ENDPOINT_URL: 'send every AWS call to this endpoint instead (a local emulator)',
  AWS_ACCESS_KEY_ID: 'credentials the kit signs its AWS calls with (else the AWS profile\'s); never printed',
  AWS_SECRET_ACCESS_KEY: 'the secret of AWS_ACCESS_KEY_ID; never printed',
  AWS_COGNITO_USER_POOL_ID: 'Cognito user pool id, in the backend task definition (required)',
  AWS_COGNITO_USER_POOL_CLIENT_ID: 'Cognito app client id, in the backend task definition (required)',
  ECR_REGISTRY: 'registry host, instead of the one built from account and region',
  ECS_CLUSTER: `cluster (default ${NAME_VARIABLES.ECS_CLUSTER})`,
  SERVICE_CONNECT_NAMESPACE: `Service Connect namespace, name or ARN (default ${NAME_VARIABLES.SERVICE_CONNECT_NAMESPACE})`,
  LOG_GROUP: `log group of the tasks (default ${NAME_VARIABLES.LOG_GROUP})`,
  LOG_RETENTION_DAYS: `log retention in days (default ${NAME_VARIABLES.LOG_RETENTION_DAYS})`,
  ECR_REPOSITORIES: `comma-separated repositories (default ${NAME_VARIABLES.ECR_REPOSITORIES})`,
  EXECUTION_ROLE_NAME: `execution role (default ${NAME_VARIABLES.EXECUTION_ROLE_NAME})`,
  TASK_ROLE_NAME: `task role (default ${NAME_VARIABLES.TASK_ROLE_NAME})`,
  SECURITY_GROUP_NAME: `the services' security group (default ${NAME_VARIABLES.SECURITY_GROUP_NAME})`,
  LOAD_BALANCER_NAME: `the application load balancer in front of the services (default ${NAME_VARIABLES.LOAD_BALANCER_NAME})`,
  LOAD_BALANCER_SECURITY_GROUP_NAME: `the load balancer's security group (default ${NAME_VARIABLES.LOAD_BALANCER_SECURITY_GROUP_NAME})`,
  DOMAIN_NAME: 'your domain, with its public hosted zone in Route 53: HTTPS on it and api.<it> (default: none, plain HTTP on the load balancer\'s name)',
  CERTIFICATE_WAIT_SECONDS: 'with DOMAIN_NAME, how long to wait for ACM to issue the certificate (default 600; re-running resumes the wait)',
  INGRESS_CIDR: `IPv4 CIDR allowed to reach the load balancer's ports 80 and 443 (default ${NAME_VARIABLES.INGRESS_CIDR})`,
  SSM_PREFIX: `SSM path under which each service's parameters live, as <SSM_PREFIX>/<service>/<NAME> (default ${NAME_VARIABLES.SSM_PREFIX})`,
  ECS_SERVICES: `comma-separated services to deal with (default ${NAME_VARIABLES.ECS_SERVICES})`,
  IMAGE_TAG: `image tag the task definitions run (default ${NAME_VARIABLES.IMAGE_TAG})`,
} as const satisfies Record<string, string>

export type Variable = keyof typeof VARIABLES

export interface HelpEntry {
  name: string
  description: string
}

/** --help's environment entries for the named variables, in that order. */
export function envHelp(...names: Variable[]): HelpEntry[] {
  return names.map((name) => ({ name, description: VARIABLES[name] }))
}

/** One entry per variable a declared parameter is read from, saying where it is stored. Pure over `services`. */
export function parameterHelpFor(services: readonly ServiceDeclaration[]): HelpEntry[] {
  const entries = new Map<string, HelpEntry>()
  for (const service of services) {
    for (const p of service.parameters) {
      const where = parameterPath('<SSM_PREFIX>', service.name, p.name)
      const stored = `stored as the ${p.secret ? 'SecureString' : 'String'} ${where}${p.format ? ` as ${p.format}` : ''}${p.secret ? ' (never printed)' : ''}`
      const previous = entries.get(p.from)
      entries.set(p.from, { name: p.from, description: previous ? `${previous.description}; ${stored}` : `${p.description ? `${p.description}: ` : ''}${stored}` })
    }
  }
  return [...entries.values()]
}

/** The parameter variables of every declared service; none when the declarations cannot be read (the script says why). */
export function parameterHelp(): HelpEntry[] {
  try {
    return parameterHelpFor(declaredServices())
  } catch {
    return []
  }
}
