// What the audit rules look at: one picture of the stack, filled either from the templates
// alone (lib/audit/local.ts, no AWS call) or from the live account (lib/audit/live.ts). The
// rules (lib/audit/rules.ts) are pure functions of this picture. A field left undefined means
// "not known in this mode" (e.g. image scan findings under --local): the rules that need it
// report themselves as not checked rather than guessing.

export type Severity = 'critical' | 'high' | 'medium' | 'low'
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low']

export interface KeyValue {
  name?: string
  value?: string
}

export interface ContainerFacts {
  name?: string
  image?: string
  user?: string
  privileged?: boolean
  readonlyRootFilesystem?: boolean
  environment?: KeyValue[]
  secrets?: Array<{ name?: string; valueFrom?: string }>
  logConfiguration?: { logDriver?: string; options?: Record<string, string> }
  portMappings?: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>
}

export interface Tag {
  key?: string
  value?: string
}

/** A task definition as ECS takes it (the rendered template) or returns it (DescribeTaskDefinition). */
export interface TaskDefinitionFacts {
  family: string
  /** The kit's template for it: where a fix goes. */
  file: string
  /** family:revision when read from the account. */
  revision?: string
  networkMode?: string
  pidMode?: string
  executionRoleArn?: string
  taskRoleArn?: string
  requiresCompatibilities?: string[]
  containerDefinitions: ContainerFacts[]
  /** Undefined when not known. */
  tags?: Tag[]
}

export interface ServiceFacts {
  name: string
  file: string
  launchType?: string
  platformVersion?: string
  enableExecuteCommand?: boolean
  assignPublicIp?: string
  securityGroups?: string[]
  circuitBreaker?: { enable?: boolean; rollback?: boolean }
  /** deploymentConfiguration.strategy (absent: ROLLING) and .alarms: what rolls a deployment back besides the breaker. */
  strategy?: string
  rollbackAlarms?: { alarmNames?: string[]; enable?: boolean; rollback?: boolean }
  deploymentController?: string
  tags?: Tag[]
  /** The task definition the service runs (live: the deployed revision; local: its template). */
  taskDefinition?: TaskDefinitionFacts
  /** The front door routes to it (json/services.json's frontDoor): then only the load balancer's group should reach its container port. */
  routed?: boolean
  /** The container port the declaration names. */
  containerPort?: number
}

export interface PolicyDocumentFacts {
  name: string
  /** Inline, customer managed, or AWS managed (judged by name: AWS writes those). */
  kind: 'inline' | 'customer-managed' | 'aws-managed'
  arn?: string
  /** The parsed document; undefined when it could not be read (AWS managed under --local). */
  document?: unknown
  /** The kit's file it comes from, when it is the kit's. */
  file?: string
}

export interface RoleFacts {
  name: string
  arn?: string
  trust?: unknown
  trustFile?: string
  policies: PolicyDocumentFacts[]
}

export interface IngressFacts {
  protocol: string
  fromPort?: number
  toPort?: number
  cidr: string
}

export interface SecurityGroupFacts {
  name: string
  id?: string
  ingress: IngressFacts[]
}

/** A listener's protocol, port, TLS policy and what its default action and rules do. */
export interface ListenerFacts {
  protocol: string
  port?: number
  sslPolicy?: string
  /** The default action, then each rule's actions: forward, redirect (with its protocol), fixed-response... */
  actions: Array<{ type: string; redirectProtocol?: string }>
}

/** The front door's application load balancer, as its attributes and listeners say. */
export interface LoadBalancerFacts {
  name: string
  arn?: string
  /** routing.http.drop_invalid_header_fields.enabled */
  dropInvalidHeaderFields?: boolean
  /** access_logs.s3.enabled */
  accessLogs?: boolean
  /** deletion_protection.enabled */
  deletionProtection?: boolean
  listeners: ListenerFacts[]
}

export interface ParameterFacts {
  name: string
  /** String, StringList, SecureString; undefined when not known. */
  type?: string
  /** Task definitions whose secrets name it. */
  referencedBy: string[]
}

export interface ImageScan {
  image: string
  status?: string
  /** Finding counts by severity (CRITICAL, HIGH, ...), when a scan completed. */
  counts?: Record<string, number>
}

export interface RepositoryFacts {
  name: string
  exists: boolean
  scanOnPush?: boolean
  tagMutability?: string
  /** null: none set; undefined: not known. */
  lifecyclePolicy?: unknown
  repositoryPolicy?: unknown
  /** Scans of the images the services deploy from this repository; undefined when not known. */
  scans?: ImageScan[]
}

export interface LogGroupFacts {
  name: string
  /** Undefined when not known (a group the kit does not create, under --local). */
  exists?: boolean
  retentionDays?: number
  /** Whether the kit creates it (and so where its retention is set). */
  kits: boolean
}

export interface ClusterFacts {
  name: string
  exists: boolean
  containerInsights?: string
  tags?: Tag[]
}

export interface TrailFacts {
  name: string
  homeRegion?: string
  multiRegion?: boolean
  isLogging?: boolean
}

export interface RecorderFacts {
  name: string
  recording?: boolean
}

export interface Snapshot {
  mode: 'local' | 'live'
  region: string
  account: string
  /** The account's ECR registry host in the region. */
  registry: string
  cluster: ClusterFacts
  services: ServiceFacts[]
  roles: RoleFacts[]
  securityGroups: SecurityGroupFacts[]
  parameters: ParameterFacts[]
  repositories: RepositoryFacts[]
  logGroups: LogGroupFacts[]
  /** Trails that log this region; undefined when not known (--local). */
  trails?: TrailFacts[]
  /** AWS Config recorders in the region; undefined when not known (--local). */
  recorders?: RecorderFacts[]
  /** The front door's load balancer; null when there is none (no service routed, or not created yet); undefined when not known. */
  loadBalancer?: LoadBalancerFacts | null
  /** What could not be read (no permission), one line each. */
  unreadable: string[]
  /** What the kit manages that does not exist in the account (not a finding: provision creates it). */
  absent: string[]
  /**
   * Where the kit defines a resource that has no template of its own ("repository:NAME" → the
   * step that creates it), so a finding on it points at the file to change (SARIF's location).
   */
  sources?: Record<string, { file: string; key?: string }>
}

/** The task definitions of a snapshot, each family once. Pure. */
export function taskDefinitions(snapshot: Pick<Snapshot, 'services'>): TaskDefinitionFacts[] {
  const seen = new Map<string, TaskDefinitionFacts>()
  for (const s of snapshot.services) if (s.taskDefinition && !seen.has(s.taskDefinition.family)) seen.set(s.taskDefinition.family, s.taskDefinition)
  return [...seen.values()]
}

export interface ImageReference {
  /** The registry host; "docker.io" for Docker Hub names such as nginx:alpine. */
  registry: string
  repository: string
  tag?: string
  digest?: string
}

/** Split an image reference into registry, repository, tag and digest. Pure. */
export function parseImage(image: string): ImageReference {
  let rest = image
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  const slash = rest.indexOf('/')
  const first = slash >= 0 ? rest.slice(0, slash) : ''
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const registry = hasRegistry ? first : 'docker.io'
  let path = hasRegistry ? rest.slice(slash + 1) : rest
  let tag: string | undefined
  const colon = path.lastIndexOf(':')
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1)
    path = path.slice(0, colon)
  }
  return { registry, repository: path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) }
}

/** A role's name from its ARN (arn:aws:iam::ACCOUNT:role/path/NAME) or a bare name. Pure. */
export const roleNameOf = (arnOrName: string): string => arnOrName.split('/').pop() ?? arnOrName
