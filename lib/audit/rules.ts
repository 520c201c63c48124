// The audit's rules: pure functions of a Snapshot (lib/audit/snapshot.ts), each with the
// kit's own id, the public checks it corresponds to (AWS Security Hub controls, checkov
// CKV_AWS_x, Trivy AVD-AWS-x), a severity, and per finding the resource, one line of why,
// how to fix it in this kit (which file or variable), and what the fix costs per month
// where it costs money.
import { SERVICES_FILE } from '../config/services.js'
import { rollbackGuard } from '../deploy/deploy.js'
import { FRONT_DOOR_RULES } from './front-door-rules.js'
import {
  parseImage,
  roleNameOf,
  taskDefinitions,
  type ContainerFacts,
  type Severity,
  type ServiceFacts,
  type Snapshot,
  type TaskDefinitionFacts,
} from './snapshot.js'

export interface Finding {
  /** What it is about, as "kind:name", e.g. "service:backend-flask" (policies/audit-accepted.json matches on it). */
  resource: string
  /** One line: why this is a problem here. */
  message: string
  /** How to fix it in this kit: which file or variable. */
  fix: string
  /** The monthly cost of the fix, where it costs money. */
  cost?: string
  /** The kit's file where the fix goes (SARIF points at it). */
  file?: string
  /** A JSON key in `file` to point at (the first line that has it). */
  key?: string
  /** When one finding is worse than the rule's usual severity. */
  severity?: Severity
}

export interface Rule {
  id: string
  title: string
  severity: Severity
  /** The public checks this corresponds to: Security Hub ECS.2, checkov CKV_AWS_333, Trivy AVD-AWS-0036... */
  publicIds: string[]
  helpUri: string
  /** Findings (empty: the rule holds), or undefined when the snapshot does not know enough to check. */
  check(snapshot: Snapshot): Finding[] | undefined
}

// Prices the fixes are quoted in: us-east-1, from /work/shared/notes/field-notes.md (2026),
// per month of 730 hours.
const HOURS = 730
export const FIX_PRICES = {
  natGatewayHour: 0.045,
  natGatewayGb: 0.045,
  interfaceEndpointHour: 0.01,
  publicIpv4Hour: 0.005,
  logsIngestGb: 0.5,
  logsStorageGbMonth: 0.03,
  ecrStorageGbMonth: 0.1,
} as const
const usd = (n: number): string => `$${n.toFixed(2)}`
/** Interface endpoints a Fargate task in a private subnet needs without a NAT gateway: ecr.api, ecr.dkr, logs, ssm, ssmmessages (S3's gateway endpoint is free). */
export const PRIVATE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs', 'ssm', 'ssmmessages'] as const
export const PRIVATE_SUBNET_COST =
  `a NAT gateway ~${usd(FIX_PRICES.natGatewayHour * HOURS)}/month + ${usd(FIX_PRICES.natGatewayGb).replace(/0$/, '')}/GB, ` +
  `or ${PRIVATE_ENDPOINTS.length} VPC interface endpoints (${PRIVATE_ENDPOINTS.join(', ')}) at ~${usd(FIX_PRICES.interfaceEndpointHour * HOURS)}/month each per AZ ` +
  `= ~${usd(PRIVATE_ENDPOINTS.length * FIX_PRICES.interfaceEndpointHour * HOURS)}/month in one AZ; ` +
  `saves ${usd(FIX_PRICES.publicIpv4Hour * HOURS)}/month per task's public IPv4 (us-east-1 prices)`

const SH = (control: string): string => {
  const [service, n] = control.split('.')
  return `https://docs.aws.amazon.com/securityhub/latest/userguide/${service.toLowerCase()}-controls.html#${service.toLowerCase()}-${n}`
}

const containers = (td: TaskDefinitionFacts): ContainerFacts[] => td.containerDefinitions ?? []
const containerResource = (td: TaskDefinitionFacts, c: ContainerFacts): string => `container:${td.family}/${c.name ?? '?'}`
const tdResource = (td: TaskDefinitionFacts): string => `task-definition:${td.family}`

/** One finding per container that fails `bad`. */
function perContainer(
  snapshot: Snapshot,
  bad: (c: ContainerFacts, td: TaskDefinitionFacts) => Omit<Finding, 'resource' | 'file'> | undefined,
): Finding[] {
  const findings: Finding[] = []
  for (const td of taskDefinitions(snapshot)) {
    for (const c of containers(td)) {
      const f = bad(c, td)
      if (f) findings.push({ resource: containerResource(td, c), file: td.file, ...f })
    }
  }
  return findings
}

// --- IAM policy reading -------------------------------------------------------------------

interface Statement {
  Effect?: string
  Action?: unknown
  NotAction?: unknown
  Resource?: unknown
  NotResource?: unknown
  Principal?: unknown
}

const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)])

export function statementsOf(document: unknown): Statement[] {
  const s = (document as { Statement?: unknown } | undefined)?.Statement
  return (Array.isArray(s) ? s : s ? [s] : []).filter((x): x is Statement => typeof x === 'object' && x !== null)
}

/** Whether an IAM action pattern (with * and ?) matches an action, case-insensitively. Pure. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i')
  return regex.test(action)
}

/** Whether any Allow statement of the documents grants the action (resources and conditions aside). Pure. */
export function allowsAction(documents: readonly unknown[], action: string): boolean {
  return documents.some((d) =>
    statementsOf(d).some((s) => s.Effect === 'Allow' && asList(s.Action).some((a) => actionMatches(a, action))),
  )
}

/**
 * Actions that have no resource-level permissions, so "Resource": "*" is the only thing they
 * accept: flagging them would be noise. Lower case.
 */
export const NEEDS_STAR = new Set([
  'ecr:getauthorizationtoken',
  'ssmmessages:*',
  'ssmmessages:createcontrolchannel',
  'ssmmessages:createdatachannel',
  'ssmmessages:opencontrolchannel',
  'ssmmessages:opendatachannel',
  'xray:puttracesegments',
  'xray:puttelemetryrecords',
  'xray:getsamplingrules',
  'xray:getsamplingtargets',
  'xray:getsamplingstatisticsummaries',
  'cloudwatch:putmetricdata',
  'sts:getcalleridentity',
])

export const EXEC_ACTIONS = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
] as const

/** Managed policies that grant far more than a task needs. */
const BROAD_MANAGED = /FullAccess$|^AdministratorAccess$|^PowerUserAccess$|^IAMFullAccess$/

// --- secret detection -----------------------------------------------------------------------

const AWS_KEY_NAMES = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'ECS_ENGINE_AUTH_DATA'])
const AWS_KEY_VALUE = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/
const SECRET_NAME = /(PASSWORD|PASSWD|(^|_)PWD($|_)|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|CONNECTION_URL|DATABASE_URL|_HEADERS$)/i
const SECRET_VALUES: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
  [/\b(ghp|gho|ghs|ghu)_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b(sk|rk)_live_[A-Za-z0-9]{16,}/, 'a Stripe key'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./, 'a JWT'],
  [/(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/, 'an AWS secret access key'],
]

/** Why an environment entry looks secret, or undefined. Pure. */
export function secretLooking(name: string, value: string): string | undefined {
  if (SECRET_NAME.test(name)) return `its name ${name} says secret`
  for (const [pattern, what] of SECRET_VALUES) if (pattern.test(value)) return `the value of ${name} looks like ${what}`
  return undefined
}

// --- network --------------------------------------------------------------------------------

const WORLD = new Set(['0.0.0.0/0', '::/0'])

/** The ports the task definitions listen on, as "tcp/4567". Pure. */
export function listenedPorts(snapshot: Snapshot): Set<string> {
  const ports = new Set<string>()
  for (const td of taskDefinitions(snapshot)) {
    for (const c of containers(td)) {
      for (const m of c.portMappings ?? []) {
        const port = m.hostPort ?? m.containerPort
        if (port !== undefined) ports.add(`${(m.protocol ?? 'tcp').toLowerCase()}/${port}`)
      }
    }
  }
  return ports
}

const execOn = (s: ServiceFacts): boolean => s.enableExecuteCommand === true
const servicesRunning = (snapshot: Snapshot, td: TaskDefinitionFacts): ServiceFacts[] =>
  snapshot.services.filter((s) => s.taskDefinition?.family === td.family)

const isRootUser = (user: string | undefined): boolean => user === undefined || user.trim() === '' || /^(root|0)(:.*)?$/.test(user.trim())

const EXAMPLE_TAGS = '"tags": [{ "key": "project", "value": "cruddur" }]'

export const RULES: readonly Rule[] = [
  {
    id: 'KIT-ECS-001',
    title: 'Tasks get a public IP address',
    severity: 'high',
    publicIds: ['Security Hub ECS.2', 'checkov CKV_AWS_333'],
    helpUri: SH('ECS.2'),
    check: (s) =>
      s.services
        .filter((svc) => svc.assignPublicIp === 'ENABLED')
        .map((svc) => ({
          resource: `service:${svc.name}`,
          message: 'assignPublicIp is ENABLED: every task is reachable from the internet on whatever its security group opens',
          fix: `set "assignPublicIp": "DISABLED" in ${svc.file} and run the service in private subnets with a NAT gateway or VPC endpoints (or put a load balancer in front)`,
          cost: PRIVATE_SUBNET_COST,
          file: svc.file,
          key: 'assignPublicIp',
        })),
  },
  {
    id: 'KIT-ECS-002',
    title: 'Privileged container',
    severity: 'high',
    publicIds: ['Security Hub ECS.4', 'checkov CKV_AWS_334'],
    helpUri: SH('ECS.4'),
    check: (s) =>
      perContainer(s, (c, td) =>
        c.privileged === true
          ? {
              message: 'privileged: true gives the container root on the host it runs on',
              fix: `remove "privileged" from the container in ${td.file} (Fargate refuses it anyway)`,
              key: 'privileged',
            }
          : undefined,
      ),
  },
  {
    id: 'KIT-ECS-003',
    title: 'Container runs as root',
    severity: 'medium',
    publicIds: ['Security Hub ECS.20'],
    helpUri: SH('ECS.20'),
    check: (s) =>
      perContainer(s, (c, td) =>
        isRootUser(c.user)
          ? {
              message: c.user === undefined ? 'no "user": the process runs as the image\'s user, root for these images' : `"user": "${c.user}" is root`,
              fix: `add "user": "1000:1000" (a non-root uid the image can run as) to the container in ${td.file}; the image's files must be readable by it`,
              key: c.user === undefined ? 'name' : 'user',
            }
          : undefined,
      ),
  },
  {
    id: 'KIT-ECS-004',
    title: 'Writable root file system',
    severity: 'medium',
    publicIds: ['Security Hub ECS.5', 'checkov CKV_AWS_336'],
    helpUri: SH('ECS.5'),
    check: (s) =>
      perContainer(s, (c, td) => {
        if (c.readonlyRootFilesystem === true) return undefined
        const exec = servicesRunning(s, td).filter(execOn).map((svc) => svc.name)
        return {
          message: exec.length
            ? `readonlyRootFilesystem is not true; a trade-off: ECS Exec (on for ${exec.join(', ')}) needs a writable root file system for its agent, so a read-only one breaks connect-to-service`
            : 'readonlyRootFilesystem is not true: an attacker in the container can change its files',
          fix: exec.length
            ? `either accept it (policies/audit-accepted.json) while you need ECS Exec, or set "readonlyRootFilesystem": true in ${td.file} and "enableExecuteCommand": false in the service file`
            : `set "readonlyRootFilesystem": true on the container in ${td.file} (mount a volume for anything it must write)`,
          key: c.readonlyRootFilesystem === undefined ? 'name' : 'readonlyRootFilesystem',
        }
      }),
  },
  {
    id: 'KIT-ECS-005',
    title: 'AWS keys in the container environment',
    severity: 'critical',
    publicIds: ['Security Hub ECS.8', 'Trivy AVD-AWS-0036'],
    helpUri: SH('ECS.8'),
    check: (s) =>
      perContainer(s, (c, td) => {
        const hits = (c.environment ?? []).filter((e) => AWS_KEY_NAMES.has(e.name ?? '') || AWS_KEY_VALUE.test(e.value ?? ''))
        if (hits.length === 0) return undefined
        return {
          message: `${hits.map((e) => e.name).join(', ')} in plain "environment": anyone who can describe the task definition reads the key, and it overrides the task role`,
          fix: `remove them from "environment" in ${td.file}: the app gets credentials from the task role (policies/task-role-policy.json)`,
          key: 'environment',
        }
      }),
  },
  {
    id: 'KIT-ECS-006',
    title: 'Secret-looking names or values in the container environment',
    severity: 'high',
    publicIds: ['Trivy AVD-AWS-0036', 'Security Hub ECS.8'],
    helpUri: 'https://avd.aquasec.com/misconfig/aws/ecs/avd-aws-0036/',
    check: (s) =>
      perContainer(s, (c, td) => {
        const reasons = (c.environment ?? [])
          .filter((e) => !AWS_KEY_NAMES.has(e.name ?? '') && !AWS_KEY_VALUE.test(e.value ?? ''))
          .map((e) => secretLooking(e.name ?? '', e.value ?? ''))
          .filter((r): r is string => r !== undefined)
        if (reasons.length === 0) return undefined
        return {
          message: `${reasons.join('; ')}: "environment" is plain text in the task definition`,
          fix: `move it to "secrets" in ${td.file} and declare it as a parameter with "secret": true in json/services.json (stored as an SSM SecureString)`,
          key: 'environment',
        }
      }),
  },
  {
    id: 'KIT-ECS-007',
    title: 'Long-lived AWS keys given to the task as secrets',
    severity: 'high',
    publicIds: ['Security Hub ECS.8 (related)'],
    helpUri: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html',
    check: (s) =>
      perContainer(s, (c, td) => {
        const keys = (c.secrets ?? []).map((x) => x.name ?? '').filter((n) => AWS_KEY_NAMES.has(n))
        if (keys.length === 0) return undefined
        return {
          message: `${keys.join(', ')} injected as secrets: a long-lived key that never rotates, and it overrides the task role (and ECS Exec's permissions with it)`,
          fix: `remove them from "secrets" in ${td.file} and set "awsKeys": false for ${td.family} in json/services.json; grant what the app needs in policies/task-role-policy.json`,
          key: 'secrets',
        }
      }),
  },
  {
    id: 'KIT-ECS-008',
    title: 'Container without logging',
    severity: 'high',
    publicIds: ['Security Hub ECS.9'],
    helpUri: SH('ECS.9'),
    check: (s) =>
      perContainer(s, (c, td) => {
        const driver = c.logConfiguration?.logDriver
        if (!driver || driver === 'none') {
          return {
            message: 'no logConfiguration: the container\'s output goes nowhere, and a crash leaves no trace',
            fix: `add "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "\${LOG_GROUP}", "awslogs-region": "\${REGION}", "awslogs-stream-prefix": "${td.family}"}} to the container in ${td.file}`,
            key: 'name',
          }
        }
        const group = c.logConfiguration?.options?.['awslogs-group']
        const known = s.logGroups.find((g) => g.name === group)
        if (driver === 'awslogs' && group && known?.exists === false) {
          return {
            message: `logs to ${group}, which does not exist: tasks fail to start (the awslogs driver does not create it)`,
            fix: `use "awslogs-group": "\${LOG_GROUP}" in ${td.file} and run ./scripts/logs/create-log-group`,
            key: 'awslogs-group',
          }
        }
        return undefined
      }),
  },
  {
    id: 'KIT-LOGS-001',
    title: 'Log group without retention',
    severity: 'low',
    publicIds: ['checkov CKV_AWS_66', 'Security Hub CloudWatch.16 (asks for a year)'],
    helpUri: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention',
    check: (s) =>
      s.logGroups
        .filter((g) => g.exists !== false && g.exists !== undefined && g.retentionDays === undefined)
        .map((g) => ({
          resource: `log-group:${g.name}`,
          message: 'retention "never expire": logs pile up and are billed forever, old secrets in logs included',
          fix: g.kits ? 'set LOG_RETENTION_DAYS (default 1) and run ./scripts/logs/create-log-group' : `give ${g.name} a retention, or log to the kit's LOG_GROUP`,
          cost: `none: it saves ${usd(FIX_PRICES.logsStorageGbMonth)}/GB-month of stored logs`,
        })),
  },
  {
    id: 'KIT-ECS-009',
    title: 'Fargate platform version not LATEST / 1.4.0',
    severity: 'medium',
    publicIds: ['Security Hub ECS.10', 'checkov CKV_AWS_332'],
    helpUri: SH('ECS.10'),
    check: (s) =>
      s.services
        .filter((svc) => (svc.launchType ?? 'FARGATE') === 'FARGATE')
        .filter((svc) => svc.platformVersion !== undefined && !['LATEST', '1.4.0'].includes(svc.platformVersion))
        .map((svc) => ({
          resource: `service:${svc.name}`,
          message: `platformVersion ${svc.platformVersion}: older Fargate platforms miss security fixes (and 1.3.0 has no ECS Exec)`,
          fix: `remove "platformVersion" from ${svc.file} (LATEST) and deploy again`,
          file: svc.file,
          key: 'platformVersion',
        })),
  },
  {
    id: 'KIT-ECS-010',
    title: 'Container Insights off',
    severity: 'low',
    publicIds: ['Security Hub ECS.12', 'checkov CKV_AWS_65', 'Trivy AVD-AWS-0034'],
    helpUri: SH('ECS.12'),
    check: (s) => {
      if (!s.cluster.exists) return []
      const value = s.cluster.containerInsights
      if (value === 'enabled' || value === 'enhanced') return []
      return [
        {
          resource: `cluster:${s.cluster.name}`,
          message: `containerInsights is ${value ?? 'not set (off)'}: no per-task CPU, memory or restart metrics when something goes wrong`,
          fix: './scripts/provision turns it on while a service keeps its tasks-below-desired rollback alarm (the default; "tasksBelowDesired": false in json/services.json drops it), or: aws ecs update-cluster --cluster CLUSTER --settings name=containerInsights,value=enabled',
          cost: `billed as CloudWatch metrics plus performance-log ingestion at ${usd(FIX_PRICES.logsIngestGb)}/GB (a few MB a day for one small task)`,
        },
      ]
    },
  },
  {
    id: 'KIT-ECS-011',
    title: 'Untagged cluster, service or task definition',
    severity: 'low',
    publicIds: ['Security Hub ECS.13', 'Security Hub ECS.14', 'Security Hub ECS.15'],
    helpUri: SH('ECS.13'),
    check: (s) => {
      const untagged = (tags: Array<{ key?: string }> | undefined) => tags !== undefined && tags.filter((t) => t.key && !t.key.startsWith('aws:')).length === 0
      const findings: Finding[] = []
      if (s.cluster.exists && untagged(s.cluster.tags)) {
        findings.push({
          resource: `cluster:${s.cluster.name}`,
          message: 'no tags: costs and ownership cannot be told apart in the bill or Security Hub',
          fix: 'create the cluster with tags [{"key": "project", "value": "cruddur"}] (lib/steps/cluster.ts)',
        })
      }
      for (const svc of s.services) {
        if (untagged(svc.tags)) {
          findings.push({ resource: `service:${svc.name}`, message: 'no tags: costs and ownership cannot be told apart', fix: `add ${EXAMPLE_TAGS} to ${svc.file}`, file: svc.file, key: 'serviceName' })
        }
      }
      for (const td of taskDefinitions(s)) {
        if (untagged(td.tags)) {
          findings.push({ resource: tdResource(td), message: 'no tags: costs and ownership cannot be told apart', fix: `add ${EXAMPLE_TAGS} to ${td.file}`, file: td.file, key: 'family' })
        }
      }
      return findings
    },
  },
  {
    id: 'KIT-IAM-001',
    title: 'Execution role is the task role',
    severity: 'medium',
    publicIds: ['checkov CKV_AWS_249'],
    helpUri: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html',
    check: (s) =>
      taskDefinitions(s)
        .filter((td) => td.executionRoleArn && td.executionRoleArn === td.taskRoleArn)
        .map((td) => ({
          resource: tdResource(td),
          message: `executionRoleArn and taskRoleArn are both ${roleNameOf(td.executionRoleArn as string)}: the app gets the rights to pull images and read every secret`,
          fix: `use "\${EXECUTION_ROLE_ARN}" and "\${TASK_ROLE_ARN}" in ${td.file}, and different EXECUTION_ROLE_NAME / TASK_ROLE_NAME`,
          file: td.file,
          key: 'taskRoleArn',
        })),
  },
  {
    id: 'KIT-IAM-002',
    title: 'Broad AWS managed policy attached (*FullAccess, AdministratorAccess)',
    severity: 'high',
    publicIds: ['checkov CKV_AWS_274', 'Security Hub IAM.1 (related)'],
    helpUri: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
    check: (s) =>
      s.roles.flatMap((role) =>
        role.policies
          .filter((p) => p.kind !== 'inline' && BROAD_MANAGED.test(p.name))
          .map((p) => ({
            resource: `role:${role.name}`,
            message: `${p.name} is attached: far more than a task needs (the guide attaches CloudWatchFullAccess to both roles)`,
            fix: `detach it (aws iam detach-role-policy --role-name ${role.name} --policy-arn ${p.arn ?? p.name}); what the kit's tasks need is in policies/ (policies/README.md)`,
            severity: /^AdministratorAccess$|^IAMFullAccess$/.test(p.name) ? ('critical' as const) : undefined,
          })),
      ),
  },
  {
    id: 'KIT-IAM-003',
    title: 'Policy grants on "Resource": "*" (or "Action": "*") beyond what needs it',
    severity: 'medium',
    publicIds: ['checkov CKV_AWS_355', 'Security Hub IAM.21', 'Trivy AVD-AWS-0057'],
    helpUri: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_actions-resources-contextkeys.html',
    check: (s) =>
      s.roles.flatMap((role) =>
        role.policies
          .filter((p) => p.kind !== 'aws-managed' && p.document !== undefined)
          .flatMap((p) => {
            const findings: Finding[] = []
            for (const st of statementsOf(p.document)) {
              if (st.Effect !== 'Allow') continue
              const actions = asList(st.Action)
              const star = asList(st.Resource).includes('*') || st.NotResource !== undefined
              const wildAction = actions.some((a) => a === '*') || st.NotAction !== undefined
              const restrictable = actions.filter((a) => !NEEDS_STAR.has(a.toLowerCase()))
              if (wildAction) {
                findings.push({
                  resource: `role:${role.name}`,
                  message: `${p.name} allows "Action": "*"${st.NotAction !== undefined ? ' (NotAction)' : ''}: every API`,
                  fix: `list the actions the task uses in ${p.file ?? `the policy ${p.name}`}`,
                  severity: 'critical',
                  ...(p.file ? { file: p.file, key: 'Action' } : {}),
                })
              } else if (star && restrictable.length > 0) {
                findings.push({
                  resource: `role:${role.name}`,
                  message: `${p.name} allows ${restrictable.join(', ')} on every resource, though they can be limited to ARNs`,
                  fix: `give those actions their resources' ARNs in ${p.file ?? `the policy ${p.name}`} (e.g. "arn:\${PARTITION}:ecr:\${REGION}:\${ACCOUNT_ID}:repository/*" for ECR pulls); keep "*" only for actions without resource-level permissions (ecr:GetAuthorizationToken, ssmmessages:*, X-Ray writes)`,
                  ...(p.file ? { file: p.file, key: 'Resource' } : {}),
                })
              }
            }
            return findings
          }),
      ),
  },
  {
    id: 'KIT-IAM-004',
    title: 'ECS Exec on, but the task role lacks ssmmessages',
    severity: 'medium',
    publicIds: ['amazon-ecs-exec-checker'],
    helpUri: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-required-iam-permissions',
    check: (s) => {
      const findings: Finding[] = []
      for (const svc of s.services.filter(execOn)) {
        const td = svc.taskDefinition
        if (!td) continue
        if (!td.taskRoleArn) {
          findings.push({
            resource: `service:${svc.name}`,
            message: `ECS Exec is on but ${td.family} has no taskRoleArn: the agent cannot open its channels, so connect-to-service fails`,
            fix: `set "taskRoleArn": "\${TASK_ROLE_ARN}" in ${td.file}`,
            file: td.file,
            key: 'family',
          })
          continue
        }
        const role = s.roles.find((r) => r.name === roleNameOf(td.taskRoleArn as string))
        if (!role) continue
        const docs = role.policies.map((p) => p.document).filter((d) => d !== undefined)
        const managedWithExec = role.policies.some((p) => p.kind === 'aws-managed' && p.document === undefined && p.name === 'AmazonSSMManagedInstanceCore')
        const missing = EXEC_ACTIONS.filter((a) => !allowsAction(docs, a))
        if (missing.length > 0 && !managedWithExec) {
          findings.push({
            resource: `role:${role.name}`,
            message: `ECS Exec is on for ${svc.name} but the task role does not allow ${missing.join(', ')}: connect-to-service fails`,
            fix: 'keep the EcsExecSessionChannels statement in policies/task-role-policy.json and run ./scripts/iam/create-roles',
            file: 'policies/task-role-policy.json',
            key: 'Statement',
          })
        }
      }
      return findings
    },
  },
  {
    id: 'KIT-IAM-005',
    title: 'Role assumable by anyone',
    severity: 'critical',
    publicIds: ['checkov CKV_AWS_60', 'checkov CKV_AWS_61'],
    helpUri: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html',
    check: (s) =>
      s.roles
        .filter((role) =>
          statementsOf(role.trust).some((st) => {
            if (st.Effect !== 'Allow') return false
            const p = st.Principal
            if (p === '*') return true
            const aws = (p as { AWS?: unknown } | undefined)?.AWS
            return asList(aws).includes('*')
          }),
        )
        .map((role) => ({
          resource: `role:${role.name}`,
          message: 'the trust policy allows Principal "*": any AWS account can assume this role',
          fix: 'trust only "ecs-tasks.amazonaws.com" (policies/service-assume-role-execution-policy.json) and run ./scripts/iam/create-roles',
          file: role.trustFile,
          key: 'Principal',
        })),
  },
  {
    id: 'KIT-EC2-001',
    title: 'Ingress open to the world on a port no task listens on',
    severity: 'high',
    publicIds: ['Security Hub EC2.18', 'Security Hub EC2.19', 'Trivy AVD-AWS-0107'],
    helpUri: SH('EC2.18'),
    check: (s) => {
      const listened = listenedPorts(s)
      const findings: Finding[] = []
      for (const sg of s.securityGroups) {
        for (const rule of sg.ingress.filter((r) => WORLD.has(r.cidr))) {
          const protocol = rule.protocol.toLowerCase()
          let what: string | undefined
          if (protocol === '-1' || protocol === 'all') what = 'all traffic'
          else if (rule.fromPort !== undefined && rule.toPort !== undefined) {
            const unlistened: number[] = []
            for (let port = rule.fromPort; port <= rule.toPort; port++) if (!listened.has(`${protocol}/${port}`)) unlistened.push(port)
            const range = rule.toPort - rule.fromPort + 1
            if (unlistened.length === range && range > 1) what = `${protocol}/${rule.fromPort}-${rule.toPort}`
            else if (unlistened.length > 5) what = `${unlistened.length} ${protocol} ports in ${rule.fromPort}-${rule.toPort}`
            else if (unlistened.length > 0) what = unlistened.map((p) => `${protocol}/${p}`).join(', ')
          }
          if (!what) continue
          findings.push({
            resource: `security-group:${sg.name}`,
            message: `${what} open to ${rule.cidr}, and no task definition listens there (listening: ${[...listened].sort().join(', ') || 'nothing'})`,
            fix: `revoke it (aws ec2 revoke-security-group-ingress --group-id ${sg.id ?? 'GROUP_ID'} ...); ./scripts/ec2/create-security-group opens only the task definitions' ports, from INGRESS_CIDR`,
          })
        }
      }
      return findings
    },
  },
  {
    id: 'KIT-SSM-001',
    title: 'Secret parameter not a SecureString',
    severity: 'medium',
    publicIds: [],
    helpUri: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-securestring.html',
    check: (s) =>
      s.parameters
        .filter((p) => p.type !== undefined && p.type !== 'SecureString')
        .map((p) => ({
          resource: `parameter:${p.name}`,
          message: `a ${p.type} (plain text, readable with ssm:GetParameter, no KMS) though ${p.referencedBy.join(', ') || 'a task'} uses it as a secret`,
          fix: 'declare it with "secret": true in json/services.json and run ./scripts/ssm/put-parameters (it rewrites the type)',
        })),
  },
  {
    id: 'KIT-ECR-001',
    title: 'ECR scan on push off',
    severity: 'medium',
    publicIds: ['Security Hub ECR.1', 'checkov CKV_AWS_163', 'Trivy AVD-AWS-0030'],
    helpUri: SH('ECR.1'),
    check: (s) =>
      s.repositories
        .filter((r) => r.exists && r.scanOnPush === false)
        .map((r) => ({
          resource: `repository:${r.name}`,
          message: 'scan on push is off: images with known vulnerabilities are deployed unnoticed',
          fix: 'run ./scripts/ecr/create-repositories (it turns scan on push on; basic scanning is free)',
        })),
  },
  {
    id: 'KIT-ECR-002',
    title: 'ECR image tags mutable',
    severity: 'low',
    publicIds: ['Security Hub ECR.2', 'checkov CKV_AWS_51', 'Trivy AVD-AWS-0031'],
    helpUri: SH('ECR.2'),
    check: (s) =>
      s.repositories
        .filter((r) => r.exists && r.tagMutability !== undefined && !r.tagMutability.startsWith('IMMUTABLE'))
        .map((r) => ({
          resource: `repository:${r.name}`,
          message: `tags are ${r.tagMutability}: a push can replace what :tag means under a running service`,
          fix: 'set IMAGE_TAG to a unique tag per build (e.g. the git commit) and TAG_MUTABILITY to IMMUTABLE in lib/steps/ecr-repositories.ts',
        })),
  },
  {
    id: 'KIT-ECR-003',
    title: 'ECR repository without a lifecycle policy',
    severity: 'low',
    publicIds: ['Security Hub ECR.3'],
    helpUri: SH('ECR.3'),
    check: (s) =>
      s.repositories
        .filter((r) => r.exists && r.lifecyclePolicy === null)
        .map((r) => ({
          resource: `repository:${r.name}`,
          message: 'no lifecycle policy: every image pushed is kept (and billed) forever, old vulnerable ones included',
          fix: `put a policy that keeps the last 10 images: aws ecr put-lifecycle-policy --repository-name ${r.name} --lifecycle-policy-text '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}'`,
          cost: `none: it saves ${usd(FIX_PRICES.ecrStorageGbMonth)}/GB-month of ECR storage`,
        })),
  },
  {
    id: 'KIT-ECR-004',
    title: 'ECR repository policy open to "*"',
    severity: 'critical',
    publicIds: ['checkov CKV_AWS_32', 'Trivy AVD-AWS-0032'],
    helpUri: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html',
    check: (s) =>
      s.repositories
        .filter((r) =>
          r.exists &&
          statementsOf(r.repositoryPolicy).some((st) => {
            if (st.Effect !== 'Allow') return false
            const p = st.Principal
            return p === '*' || asList((p as { AWS?: unknown } | undefined)?.AWS).includes('*')
          }),
        )
        .map((r) => ({
          resource: `repository:${r.name}`,
          message: 'the repository policy allows Principal "*": anyone with an AWS account can pull (or push) these images',
          fix: `delete it (aws ecr delete-repository-policy --repository-name ${r.name}): the kit's tasks pull with the execution role and need no repository policy`,
        })),
  },
  {
    id: 'KIT-ECR-005',
    title: 'HIGH or CRITICAL vulnerabilities in the deployed image',
    severity: 'high',
    publicIds: ['Security Hub ECR.1 (related: scanning)'],
    helpUri: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html',
    check: (s) => {
      if (s.repositories.every((r) => r.scans === undefined)) return undefined
      const findings: Finding[] = []
      for (const r of s.repositories) {
        for (const scan of r.scans ?? []) {
          const critical = scan.counts?.CRITICAL ?? 0
          const high = scan.counts?.HIGH ?? 0
          if (critical + high === 0) continue
          findings.push({
            resource: `image:${scan.image}`,
            message: `the deployed image has ${critical} CRITICAL and ${high} HIGH vulnerabilities (ECR scan ${scan.status ?? 'COMPLETE'})`,
            fix: `rebuild on a patched base image (the service's Dockerfile FROM), push, and deploy; see aws ecr describe-image-scan-findings --repository-name ${r.name}`,
            severity: critical > 0 ? 'critical' : 'high',
          })
        }
      }
      return findings
    },
  },
  {
    id: 'KIT-ECS-012',
    title: "Image from outside the account's ECR",
    severity: 'medium',
    publicIds: ['guide: "only use trusted containers"'],
    helpUri: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security-tasks-containers.html',
    check: (s) =>
      perContainer(s, (c, td) => {
        if (!c.image) return undefined
        const ref = parseImage(c.image)
        if (ref.registry === s.registry) return undefined
        const where = /\.dkr\.ecr\./.test(ref.registry) ? "another account's or region's ECR" : ref.registry === 'docker.io' ? 'Docker Hub' : ref.registry
        return {
          message: `${c.image} comes from ${where}: not scanned on push here, and it can change or vanish under the service`,
          fix: `push it to the account's ECR (./scripts/ecr/login, docker push) and use "\${ECR_REGISTRY}/REPOSITORY:\${IMAGE_TAG}" in ${td.file}`,
          key: 'image',
        }
      }),
  },
  {
    id: 'KIT-ECS-013',
    title: 'Nothing rolls a failed deployment back (circuit breaker for ROLLING, rollback alarms otherwise)',
    severity: 'medium',
    publicIds: [],
    helpUri: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html',
    check: (s) =>
      s.services
        .filter((svc) => (svc.deploymentController ?? 'ECS') === 'ECS')
        .flatMap((svc) => {
          const guard = rollbackGuard({ strategy: svc.strategy, deploymentCircuitBreaker: svc.circuitBreaker, alarms: svc.rollbackAlarms })
          if (guard.missing === 'circuit breaker') {
            return [
              {
                resource: `service:${svc.name}`,
                message: 'no deployment circuit breaker: a broken image restarts forever instead of rolling back',
                fix: `add "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": true}} to ${svc.file}`,
                file: svc.file,
                key: 'serviceName',
              },
            ]
          }
          if (guard.missing === 'rollback alarms') {
            return [
              {
                resource: `service:${svc.name}`,
                message: `deploys ${guard.strategy} without rollback alarms (ECS applies the circuit breaker to ROLLING only): nothing stops a bad ${guard.strategy} deployment and rolls it back`,
                fix: `drop "rollbackAlarms": false from ${svc.name} in ${SERVICES_FILE} and run ./scripts/provision (it makes the alarms and names them in deploymentConfiguration.alarms with rollback on), or make its "deployment" ROLLING`,
                file: SERVICES_FILE,
                key: svc.name,
              },
            ]
          }
          return []
        }),
  },
  {
    id: 'KIT-ACCT-001',
    title: 'CloudTrail not logging in the region',
    severity: 'high',
    publicIds: ['Security Hub CloudTrail.1', 'checkov CKV_AWS_67', 'Trivy AVD-AWS-0014'],
    helpUri: SH('CloudTrail.1'),
    check: (s) => {
      if (s.trails === undefined) return undefined
      if (s.trails.some((t) => t.isLogging === true)) return []
      return [
        {
          resource: `region:${s.region}`,
          message: s.trails.length ? `trail ${s.trails.map((t) => t.name).join(', ')} exists but is not logging` : 'no CloudTrail trail logs this region: nobody can tell who changed the stack (the guide asks for one)',
          fix: 'create a multi-region trail to an S3 bucket: aws cloudtrail create-trail --name cruddur-trail --s3-bucket-name BUCKET --is-multi-region-trail && aws cloudtrail start-logging --name cruddur-trail',
          cost: 'one trail of management events is free; the S3 bucket holding its log files costs cents a month for a small account',
        },
      ]
    },
  },
  {
    id: 'KIT-ACCT-002',
    title: 'AWS Config not recording in the region',
    severity: 'medium',
    publicIds: ['Security Hub Config.1'],
    helpUri: SH('Config.1'),
    check: (s) => {
      if (s.recorders === undefined) return undefined
      if (s.recorders.some((r) => r.recording === true)) return []
      return [
        {
          resource: `region:${s.region}`,
          message: s.recorders.length ? `recorder ${s.recorders.map((r) => r.name).join(', ')} exists but is not recording` : 'no AWS Config recorder: no history of how resources were configured (the guide asks for it)',
          fix: 'turn on AWS Config in the console (Config > Get started: record all resources, an S3 bucket), or aws configservice put-configuration-recorder / start-configuration-recorder',
          cost: 'AWS Config bills per configuration item recorded (not in the kit\'s price notes; a stack this size records a few hundred items a month, typically well under $5)',
        },
      ]
    },
  },
  {
    id: 'KIT-ECS-014',
    title: 'Host network mode',
    severity: 'high',
    publicIds: ['Security Hub ECS.17', 'Security Hub ECS.1'],
    helpUri: SH('ECS.17'),
    check: (s) =>
      taskDefinitions(s)
        .filter((td) => td.networkMode === 'host')
        .map((td) => ({
          resource: tdResource(td),
          message: 'networkMode host: the containers share the host\'s network stack, bypassing security groups',
          fix: `set "networkMode": "awsvpc" in ${td.file} (Fargate requires it)`,
          file: td.file,
          key: 'networkMode',
        })),
  },
  {
    id: 'KIT-ECS-015',
    title: "Host's process namespace shared",
    severity: 'high',
    publicIds: ['Security Hub ECS.3', 'checkov CKV_AWS_335'],
    helpUri: SH('ECS.3'),
    check: (s) =>
      taskDefinitions(s)
        .filter((td) => td.pidMode === 'host')
        .map((td) => ({
          resource: tdResource(td),
          message: 'pidMode host: the containers see and can signal every process on the host',
          fix: `remove "pidMode" from ${td.file}`,
          file: td.file,
          key: 'pidMode',
        })),
  },
  // The load balancer and the routed services' ports (lib/audit/front-door-rules.ts).
  ...FRONT_DOOR_RULES,
]

/** A rule by id, or undefined. */
export const ruleById = (id: string): Rule | undefined => RULES.find((r) => r.id === id)
