// ECS's own account of a deployment: its service deployment record (ListServiceDeployments,
// DescribeServiceDeployments, 2024-25). Where the API answers, the record decides the verdict:
// SUCCESSFUL is a success; ROLLBACK_* and STOPPED are failures that say why (the CloudWatch
// alarm that fired, the circuit breaker with its failed-task count, the reason ECS gave).
// Where it does not answer (an older endpoint, moto), `deploymentRecords` says so with
// undefined, and the DescribeServices rules of verdict.ts judge: that is the one rule
// deciding which path judges (`judgedBy`). The verdict and the stage log are pure; the
// readers at the bottom make the calls.
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
  ServiceDeploymentLifecycleStage,
  type ECSClient,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentStatus,
} from '@aws-sdk/client-ecs'
import { awsErrorIs, isTransientAwsError } from '../aws/clients.js'
import { UsageError } from '../core/errors.js'
import type { Verdict } from './verdict.js'

// ---- which path judges ----------------------------------------------------------------------

export type JudgedBy = 'records' | 'describe-services'

/** The one rule: ECS's deployment records judge when ListServiceDeployments answered, else DescribeServices. Pure. */
export const judgedBy = (records: readonly ServiceDeploymentBrief[] | undefined): JudgedBy => (records === undefined ? 'describe-services' : 'records')

/** What the output says judged. Pure. */
export function judgedByLine(by: JudgedBy): string {
  return by === 'records'
    ? "judged from ECS's service deployment record (ListServiceDeployments, DescribeServiceDeployments)"
    : 'judged from DescribeServices (this endpoint keeps no service deployment records: ListServiceDeployments does not answer)'
}

// ---- --wait-until ---------------------------------------------------------------------------

/** The lifecycle stages ECS's records name (the SDK's enum). */
export const LIFECYCLE_STAGES: readonly string[] = Object.values(ServiceDeploymentLifecycleStage)

/** The order a deployment passes them in (the API reference's), to tell a stage already passed between two polls. */
const STAGE_ORDER = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
]

export type WaitUntil = { kind: 'deployed' } | { kind: 'stage'; stage: string }

/** --wait-until deployed|stage:STAGE, checked against the SDK's stages. Pure. */
export function parseWaitUntil(text: string | undefined): WaitUntil {
  if (text === undefined || text === 'deployed') return { kind: 'deployed' }
  const stage = /^stage:(.*)$/.exec(text)?.[1]
  if (stage !== undefined && LIFECYCLE_STAGES.includes(stage)) return { kind: 'stage', stage }
  throw new UsageError(`--wait-until must be "deployed" or "stage:STAGE" with STAGE one of ${LIFECYCLE_STAGES.join(', ')}; got "${text}"`)
}

/** Whether a deployment now at `current` has reached `wanted` (it is there, or past it). Pure. */
export function stageReached(current: string | undefined, wanted: string): boolean {
  if (current === undefined) return false
  if (current === wanted) return true
  const [at, want] = [STAGE_ORDER.indexOf(current), STAGE_ORDER.indexOf(wanted)]
  return at >= 0 && want >= 0 && at > want
}

// ---- the verdict from a record --------------------------------------------------------------

const FAILED: ReadonlySet<ServiceDeploymentStatus | undefined> = new Set(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED', 'STOPPED', 'STOP_REQUESTED'])

/** The short id of a service deployment ARN (its last part). Pure. */
export const recordId = (arn: string | undefined): string => (arn ?? '?').split('/').pop() as string

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`

/** What set the deployment back: the alarm(s) that fired, the circuit breaker, or the reason ECS gave. Pure. */
export function triggerOf(record: ServiceDeployment): string {
  const alarms = record.alarms
  if (alarms?.status === 'TRIGGERED') {
    const names = alarms.triggeredAlarmNames?.length ? alarms.triggeredAlarmNames : (alarms.alarmNames ?? [])
    return `CloudWatch alarm${names.length === 1 ? '' : 's'} ${names.join(', ') || '(not named)'}`
  }
  const breaker = record.deploymentCircuitBreaker
  if (breaker?.status === 'TRIGGERED') {
    return `the deployment circuit breaker after ${plural(breaker.failureCount ?? 0, 'failed task')}${breaker.threshold !== undefined ? ` (threshold ${breaker.threshold})` : ''}`
  }
  return ''
}

/** "during BAKE_TIME", when the record names the stage. Pure. */
const during = (record: ServiceDeployment) => (record.lifecycleStage ? ` during ${record.lifecycleStage}` : '')

/**
 * The verdict ECS's record gives: success, a failure naming why, or undefined while it goes on
 * (PENDING, IN_PROGRESS). Pure.
 */
export function recordVerdict(record: ServiceDeployment): Exclude<Verdict, { kind: 'in-progress' }> | undefined {
  const id = recordId(record.serviceDeploymentArn)
  const target = record.targetServiceRevision
  if (record.status === 'SUCCESSFUL') {
    const running = target?.runningTaskCount ?? 0
    const desired = target?.requestedTaskCount ?? running
    return { kind: 'success', running, desired, reason: `service deployment ${id} SUCCESSFUL: ${running}/${desired} tasks of the new revision run` }
  }
  if (!FAILED.has(record.status)) return undefined
  const trigger = triggerOf(record)
  const said = record.rollback?.reason ?? record.statusReason
  const why = trigger ? `${trigger}${said ? ` (${said})` : ''}` : (said ?? 'no reason given')
  if (record.status === 'STOPPED' || record.status === 'STOP_REQUESTED') {
    const how = record.status === 'STOP_REQUESTED' ? 'is being stopped' : 'was stopped'
    return { kind: 'failure', cause: 'stopped', reason: `service deployment ${id} ${how}${during(record)}${trigger ? ` by ${why}` : `: ${why}`}` }
  }
  const state =
    record.status === 'ROLLBACK_SUCCESSFUL'
      ? 'the rollback is done'
      : record.status === 'ROLLBACK_FAILED'
        ? 'the rollback FAILED too: look at the service now'
        : 'the rollback is still rolling out'
  return { kind: 'failure', cause: 'rollback', reason: `rolled back${trigger ? ` by ${why}` : `: ${why}`}${during(record)}; ${state} (service deployment ${id}, ${record.status})` }
}

/**
 * The verdict when ECS keeps records: the record's failure (it names the alarm) first, then the
 * DescribeServices rules' failure (the fail-fast rules, which see stopped tasks before ECS gives
 * up), then the record's success; while the record goes on, so does the wait. Pure.
 */
export function withRecord(described: Verdict, record: ServiceDeployment | undefined): Verdict {
  if (!record) return described
  const own = recordVerdict(record)
  if (own?.kind === 'failure') return own
  if (described.kind === 'failure') return described
  if (own?.kind === 'success') return own
  if (described.kind === 'success') return { kind: 'in-progress', phase: 'settling', running: described.running, desired: described.desired, pending: 0 }
  return described
}

// ---- the stages as they pass ----------------------------------------------------------------

/** "PRODUCTION_TRAFFIC_SHIFT (5 %)": a stage with the production traffic the new revision was given. Pure. */
export function stageLabel(record: ServiceDeployment): string | undefined {
  const stage = record.lifecycleStage
  if (!stage) return undefined
  const weight = record.targetServiceRevision?.requestedProductionTrafficWeight
  return stage === 'PRODUCTION_TRAFFIC_SHIFT' && weight !== undefined ? `${stage} (${weight} %)` : stage
}

export interface StagePassed {
  label: string
  ms: number
}

/** The stages seen so far, each with how long it lasted (from the poll that first showed it to the one that showed the next). */
export class StageLog {
  private current?: { label: string; since: number }
  readonly passed: StagePassed[] = []

  /** The stage shown at `now` (ms); the stage it ended, if it is a new one. */
  observe(label: string | undefined, now: number): StagePassed | undefined {
    if (label === undefined || label === this.current?.label) return undefined
    const ended = this.current ? { label: this.current.label, ms: now - this.current.since } : undefined
    if (ended) this.passed.push(ended)
    this.current = { label, since: now }
    return ended
  }

  /** The stage the deployment is in, and since when. */
  get now(): { label: string; since: number } | undefined {
    return this.current
  }

  /** "SCALE_UP 2s → TEST_TRAFFIC_SHIFT 1s → BAKE_TIME (3s so far)". Pure over what was seen. */
  summary(now: number, elapsed: (ms: number) => string): string {
    const parts = this.passed.map((p) => `${p.label} ${elapsed(p.ms)}`)
    if (this.current) parts.push(`${this.current.label} ${elapsed(now - this.current.since)}`)
    return parts.join(' → ')
  }
}

// ---- the readers ----------------------------------------------------------------------------

/**
 * ECS's deployment records for the service (ListServiceDeployments, one page, created after
 * `after` when given), or undefined where the API does not answer: an emulator that does not
 * implement it (moto answers HTTP 500), a partition without it, a role not allowed it. Absent
 * records are not a verdict.
 */
export async function deploymentRecords(ecs: ECSClient, cluster: string, service: string, after?: Date): Promise<ServiceDeploymentBrief[] | undefined> {
  try {
    const input = { cluster, service, maxResults: 20, ...(after ? { createdAt: { after } } : {}) }
    return (await ecs.send(new ListServiceDeploymentsCommand(input))).serviceDeployments ?? []
  } catch (error) {
    const e = error as { name?: string; status?: number }
    if (e?.name === 'NotAwsApiError' && (e.status === 500 || e.status === 501)) return undefined
    if (awsErrorIs(error, /UnknownOperation|InvalidAction|NotImplemented|Unsupported|AccessDenied|UnrecognizedClient/)) return undefined
    // The API answers; the service just has none yet.
    if (awsErrorIs(error, /ServiceNotFound|ServiceNotActive/)) return []
    throw error
  }
}

const newestFirst = (a: ServiceDeploymentBrief, b: ServiceDeploymentBrief) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0)

/** How far before this run's start a record it started may say it was created (clocks differ). */
const CREATED_SLACK_MS = 60_000

/** How far back recordsBefore looks: wider than the slack above, so a clock skew cannot hide a record from it. */
const BEFORE_WINDOW_MS = 10 * 60_000

/**
 * The records the service has just before a run starts a deployment (their ARNs; records
 * undefined where the API does not answer; undefined when the answer could not be had). None of them is the one the run starts: that one is found
 * among the others (findServiceDeployment's `before`). Without this, a deployment of a revision
 * that ran shortly before (a rollback, a redeploy) could be judged from that earlier deployment's
 * record, SUCCESSFUL, while its own is not listed yet (the API is eventually consistent).
 */
export async function recordsBefore(ecs: ECSClient, cluster: string, service: string): Promise<{ records: ReadonlySet<string> | undefined } | undefined> {
  try {
    const records = await deploymentRecords(ecs, cluster, service, new Date(Date.now() - BEFORE_WINDOW_MS))
    return { records: records && new Set(records.map((r) => r.serviceDeploymentArn).filter((arn): arn is string => !!arn)) }
  } catch (error) {
    // Not known (throttled, timed out after the SDK's retries): the wait finds the record without it.
    if (isTransientAwsError(error)) return undefined
    throw error
  }
}

/**
 * The service deployment a run started: created since it started and not listed `before` it
 * started (recordsBefore), whose target service revision runs the task definition it deployed
 * (DescribeServiceRevisions), newest first. With `inProgress`, the newest PENDING or IN_PROGRESS
 * one comes first (what `wait` follows). undefined records: the API does not answer; found
 * undefined: not listed (yet).
 */
export async function findServiceDeployment(
  ecs: ECSClient,
  options: { cluster: string; service: string; since?: Date; taskDefinition: string; inProgress?: boolean; before?: ReadonlySet<string> },
): Promise<{ records: ServiceDeploymentBrief[] | undefined; found?: string }> {
  const after = options.since ? new Date(options.since.getTime() - CREATED_SLACK_MS) : undefined
  const records = await deploymentRecords(ecs, options.cluster, options.service, after)
  if (!records) return { records }
  const candidates = [...records].filter((r) => !options.before?.has(r.serviceDeploymentArn as string)).sort(newestFirst)
  if (options.inProgress) {
    const going = candidates.find((r) => r.status === 'PENDING' || r.status === 'IN_PROGRESS')
    if (going) return { records, found: going.serviceDeploymentArn }
  }
  const revisions = [...new Set(candidates.map((r) => r.targetServiceRevisionArn).filter((a): a is string => !!a))].slice(0, 20)
  if (revisions.length === 0) return { records }
  const described = (await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: revisions }))).serviceRevisions ?? []
  const ours = new Set(described.filter((r) => r.taskDefinition === options.taskDefinition).map((r) => r.serviceRevisionArn))
  return { records, found: candidates.find((r) => ours.has(r.targetServiceRevisionArn))?.serviceDeploymentArn }
}

/** One service deployment as DescribeServiceDeployments gives it (undefined when ECS reports it MISSING). */
export async function describeServiceDeployment(ecs: ECSClient, arn: string): Promise<ServiceDeployment | undefined> {
  return (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments?.find((d) => d.serviceDeploymentArn === arn)
}

/** --wait-until stage: needs the records: refused, in one line, where the endpoint keeps none. */
export function refuseStageWithoutRecords(by: JudgedBy, until: WaitUntil | undefined, endpoint?: string): void {
  if (until?.kind !== 'stage' || by === 'records') return
  throw new UsageError(
    `--wait-until stage:${until.stage} needs ECS's service deployment records, and ${endpoint ?? 'this endpoint'} keeps none (ListServiceDeployments does not answer): use --wait-until deployed`,
  )
}
