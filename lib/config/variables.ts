// What each environment variable the kit reads is for, written once, for every script's --help.
import { NAME_VARIABLES } from './names.js'

const SECRET = (parameter: string) => `stored as the SecureString <SSM_PREFIX>/${parameter} (never printed)`

export const VARIABLES = {
  AWS_DEFAULT_REGION: 'region (AWS_REGION wins when both are set)',
  AWS_ACCOUNT_ID: 'account for ARNs and the ECR registry (else asked of STS)',
  AWS_ENDPOINT_URL: 'send every AWS call to this endpoint instead (a local emulator)',
  AWS_ACCESS_KEY_ID: SECRET('AWS_ACCESS_KEY_ID'),
  AWS_SECRET_ACCESS_KEY: SECRET('AWS_SECRET_ACCESS_KEY'),
  PROD_CONNECTION_URL: SECRET('CONNECTION_URL'),
  ROLLBAR_ACCESS_TOKEN: SECRET('ROLLBAR_ACCESS_TOKEN'),
  HONEYCOMB_API_KEY: `${SECRET('OTEL_EXPORTER_OTLP_HEADERS')}, as x-honeycomb-team=<key>`,
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
  INGRESS_CIDR: `IPv4 CIDR allowed to reach the container ports (default ${NAME_VARIABLES.INGRESS_CIDR})`,
  SSM_PREFIX: `SSM path of the backend's secrets (default ${NAME_VARIABLES.SSM_PREFIX})`,
  ECS_SERVICES: `comma-separated services and task-definition families (default ${NAME_VARIABLES.ECS_SERVICES})`,
  IMAGE_TAG: `image tag the task definitions run (default ${NAME_VARIABLES.IMAGE_TAG})`,
} as const satisfies Record<string, string>

/** --help's environment entries for the named variables, in that order. */
export function envHelp(...names: Array<keyof typeof VARIABLES>): Array<{ name: string; description: string }> {
  return names.map((name) => ({ name, description: VARIABLES[name] }))
}
