// The verdicts of scripts/verify, one per check, from facts already read. Pure.
import type { IpPermission } from '@aws-sdk/client-ec2'
import { refusals, trustsService, type Permission } from './policy.js'
import { placeholderHint } from '../steps/step.js'

export type Verdict = 'pass' | 'fail' | 'skip'

export interface CheckResult {
  service: string
  check: string
  verdict: Verdict
  detail: string
}

export const TASKS_PRINCIPAL = 'ecs-tasks.amazonaws.com'

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** The task definition renders: every placeholder has a value. */
export function templateCheck(service: string, file: string, missing: readonly string[]): CheckResult {
  if (missing.length === 0) return { service, check: 'task definition', verdict: 'pass', detail: `${file} renders` }
  return {
    service,
    check: 'task definition',
    verdict: 'fail',
    detail: `${file}: no value for ${missing.map((name) => `${name} (${placeholderHint(name)})`).join(', ')}`,
  }
}

export interface RoleFacts {
  name: string
  /** Undefined when the role does not exist. */
  trust?: unknown
  exists: boolean
  /** Its inline and attached policy documents. */
  documents: unknown[]
}

/** The role exists and ECS tasks may assume it. */
export function roleCheck(service: string, label: string, role: RoleFacts | undefined): CheckResult {
  const check = label
  if (!role) return { service, check, verdict: 'fail', detail: `the task definition names no ${label}` }
  if (!role.exists) return { service, check, verdict: 'fail', detail: `${role.name} does not exist: run ./scripts/iam/create-roles` }
  if (!trustsService(role.trust, TASKS_PRINCIPAL)) {
    return { service, check, verdict: 'fail', detail: `${role.name} does not trust ${TASKS_PRINCIPAL}, so tasks cannot assume it: run ./scripts/iam/create-roles` }
  }
  return { service, check, verdict: 'pass', detail: `${role.name} exists, trusted by ${TASKS_PRINCIPAL}` }
}

/** The role's policies allow every needed permission. */
export function permissionCheck(service: string, check: string, role: RoleFacts | undefined, needed: readonly Permission[], what: string): CheckResult {
  if (needed.length === 0) return { service, check, verdict: 'skip', detail: `nothing to ${what}` }
  if (!role || !role.exists) return { service, check, verdict: 'fail', detail: `no role to ${what} with` }
  const refused = refusals(role.documents, needed)
  if (refused.length === 0) return { service, check, verdict: 'pass', detail: `${role.name} may ${what}` }
  const first = refused.slice(0, 3).map((r) => `${r.action} on ${r.resource} (${r.decision === 'denied' ? 'explicitly denied' : 'not granted'})`)
  const more = refused.length > 3 ? ` and ${refused.length - 3} more` : ''
  return { service, check, verdict: 'fail', detail: `${role.name} may not ${what}: ${first.join('; ')}${more}` }
}

/** Every parameter the secrets name exists (GetParameters' InvalidParameters lists the missing). */
export function parametersCheck(service: string, names: readonly string[], invalid: readonly string[]): CheckResult {
  const check = 'ssm parameters'
  if (names.length === 0) return { service, check, verdict: 'skip', detail: 'the task definition names no SSM parameter' }
  const missing = names.filter((n) => invalid.includes(n))
  if (missing.length === 0) return { service, check, verdict: 'pass', detail: `${plural(names.length, 'parameter')} exist` }
  return {
    service,
    check,
    verdict: 'fail',
    detail: `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist (the task would stop with ResourceInitializationError): run ./scripts/ssm/put-parameters`,
  }
}

export type ImageFact = { image: string; found: true; digest?: string } | { image: string; found: false; why: 'no repository' | 'no image' | 'not ecr' }

/** The image's tag exists in its ECR repository. */
export function imageCheck(service: string, fact: ImageFact): CheckResult {
  const check = 'image'
  if (fact.found) return { service, check, verdict: 'pass', detail: `${fact.image} exists${fact.digest ? ` (${fact.digest.slice(0, 19)}…)` : ''}` }
  if (fact.why === 'not ecr') return { service, check, verdict: 'skip', detail: `${fact.image} is not in ECR: not checked` }
  if (fact.why === 'no repository') return { service, check, verdict: 'fail', detail: `${fact.image}: the repository does not exist: run ./scripts/ecr/create-repositories` }
  return { service, check, verdict: 'fail', detail: `${fact.image} is not in the registry (CannotPullContainerError on Fargate): build and push it first` }
}

export interface Platform {
  os?: string
  architecture?: string
  variant?: string
}

export type ManifestFacts =
  | { kind: 'list'; platforms: Platform[] }
  | { kind: 'single'; configDigest?: string; platform?: Platform }
  | { kind: 'unknown' }

const LIST_TYPES = ['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json']

/** A manifest's platforms (a list or index), or its config digest (a single image). Pure. */
export function parseManifest(text: string | undefined, mediaType?: string): ManifestFacts {
  if (!text) return { kind: 'unknown' }
  let json: { mediaType?: string; manifests?: Array<{ platform?: Platform }>; config?: { digest?: string } }
  try {
    json = JSON.parse(text)
  } catch {
    return { kind: 'unknown' }
  }
  const type = json.mediaType ?? mediaType
  if (Array.isArray(json.manifests) || (type && LIST_TYPES.includes(type))) {
    return { kind: 'list', platforms: (json.manifests ?? []).map((m) => m.platform ?? {}).filter((p) => p.os !== 'unknown') }
  }
  if (json.config?.digest) return { kind: 'single', configDigest: json.config.digest }
  return { kind: 'unknown' }
}

const describe = (p: Platform): string => `${p.os ?? '?'}/${p.architecture ?? '?'}${p.variant ? `/${p.variant}` : ''}`

/** The image has a manifest for the platform the task runs on (linux/amd64, or linux/arm64). */
export function platformCheck(service: string, image: string, architecture: string, manifest: ManifestFacts | undefined, unavailable?: string): CheckResult {
  const check = 'image platform'
  const wanted = `linux/${architecture}`
  if (!manifest || manifest.kind === 'unknown' || (manifest.kind === 'single' && !manifest.platform)) {
    return { service, check, verdict: 'skip', detail: `no manifest to read for ${image}${unavailable ? ` (${unavailable})` : ''}: ${wanted} not checked` }
  }
  const platforms = manifest.kind === 'list' ? manifest.platforms : [manifest.platform as Platform]
  if (platforms.some((p) => p.os === 'linux' && p.architecture === architecture)) {
    return { service, check, verdict: 'pass', detail: `${image} has a ${wanted} manifest` }
  }
  return {
    service,
    check,
    verdict: 'fail',
    detail: `${image} is ${platforms.map(describe).join(', ') || 'for no platform'}, the task runs on ${wanted} ("exec format error" on Fargate): rebuild it with --platform ${wanted}`,
  }
}

export function logGroupCheck(service: string, group: string, exists: boolean): CheckResult {
  if (exists) return { service, check: 'log group', verdict: 'pass', detail: `${group} exists` }
  return { service, check: 'log group', verdict: 'fail', detail: `${group} does not exist (the task would fail to start): run ./scripts/logs/create-log-group` }
}

export function clusterCheck(service: string, cluster: string, status: string | undefined): CheckResult {
  if (status === 'ACTIVE') return { service, check: 'cluster', verdict: 'pass', detail: `${cluster} is ACTIVE` }
  return { service, check: 'cluster', verdict: 'fail', detail: `${cluster} ${status ? `is ${status}` : 'does not exist'}: run ./scripts/ecs/create-cluster` }
}

const opens = (p: IpPermission, protocol: string, port: number): boolean => {
  const sources = (p.IpRanges?.length ?? 0) + (p.Ipv6Ranges?.length ?? 0) + (p.UserIdGroupPairs?.length ?? 0) + (p.PrefixListIds?.length ?? 0)
  if (sources === 0) return false
  if (p.IpProtocol === '-1') return true
  return p.IpProtocol === protocol && p.FromPort !== undefined && p.ToPort !== undefined && p.FromPort <= port && port <= p.ToPort
}

/** Every container port is open (from some source) in the service's security groups. */
export function portsCheck(
  service: string,
  ports: ReadonlyArray<{ protocol: string; port: number }>,
  groups: ReadonlyArray<{ name: string; permissions: readonly IpPermission[] }> | undefined,
  groupLabel: string,
): CheckResult {
  const check = 'ports'
  if (ports.length === 0) return { service, check, verdict: 'skip', detail: 'the task definition maps no port' }
  if (!groups || groups.length === 0) return { service, check, verdict: 'fail', detail: `security group ${groupLabel} does not exist: run ./scripts/ec2/create-security-group` }
  const closed = ports.filter(({ protocol, port }) => !groups.some((g) => g.permissions.some((p) => opens(p, protocol, port))))
  const names = groups.map((g) => g.name).join(', ')
  const text = (list: typeof ports) => list.map((p) => `${p.protocol}/${p.port}`).join(', ')
  if (closed.length === 0) return { service, check, verdict: 'pass', detail: `${text(ports)} open in ${names}` }
  return { service, check, verdict: 'fail', detail: `${text(closed)} not open in ${names} (nothing could reach the container): run ./scripts/ec2/create-security-group` }
}

export interface ExecFacts {
  /** Containers with readonlyRootFilesystem: the exec agent cannot start in them. */
  readOnlyRoot: string[]
  /** Containers given AWS_ACCESS_KEY_ID (environment or secrets): those keys override the task role. */
  awsKeys: string[]
}

/** With ECS Exec on, the task role may open the ssmmessages channels, and nothing in the containers defeats it. */
export function execCheck(
  service: string,
  enabled: boolean,
  file: string,
  taskRole: RoleFacts | undefined,
  needed: readonly Permission[],
  facts: ExecFacts = { readOnlyRoot: [], awsKeys: [] },
): CheckResult {
  const check = 'ecs exec'
  if (!enabled) return { service, check, verdict: 'skip', detail: `ECS Exec is off in ${file}` }
  if (!taskRole) return { service, check, verdict: 'fail', detail: `ECS Exec is on in ${file} but the task definition has no taskRoleArn: the agent has no role to open its channels with` }
  if (facts.readOnlyRoot.length) {
    return { service, check, verdict: 'fail', detail: `ECS Exec is on but ${facts.readOnlyRoot.join(', ')} ${facts.readOnlyRoot.length === 1 ? 'has' : 'have'} readonlyRootFilesystem: the exec agent cannot start there` }
  }
  const result = permissionCheck(service, check, taskRole, needed, 'open the ssmmessages channels ECS Exec needs')
  if (result.verdict === 'fail') return { ...result, detail: `${result.detail}: run ./scripts/iam/create-roles` }
  if (facts.awsKeys.length) {
    return { ...result, detail: `${result.detail}; but AWS_ACCESS_KEY_ID in ${facts.awsKeys.join(', ')} overrides the task role inside the container` }
  }
  return result
}

/** One line per check. Pure. */
export function formatChecks(results: readonly CheckResult[]): string[] {
  const width = Math.max(0, ...results.map((r) => r.service.length))
  const mark = { pass: '✓', fail: '✗', skip: '-' } as const
  return results.map((r) => `${mark[r.verdict]} ${r.service.padEnd(width)}  ${r.check.padEnd(22)} ${r.detail}`)
}
