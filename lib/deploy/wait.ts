// Waiting for a deployment's verdict, shared by deploy, wait and rollback. Polls
// DescribeServices and the deployment's stopped tasks (ListTasks startedBy = the deployment
// id, DescribeTasks), prints new service events and stopped tasks grouped by reason as they
// happen, keeps a live progress line on a terminal (plain lines otherwise), and stops at the
// first verdict lib/deploy/verdict.ts gives, or at its own timeout. Transient failures are
// first the SDK's retries' business; a poll that still fails after them (a timeout, a 5xx,
// throttling) is reported and the wait goes on, within its own deadline.
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, type ECSClient, type Service, type ServiceDeployment, type Task } from '@aws-sdk/client-ecs'
import { isTransientAwsError } from '../aws/clients.js'
import { colour, secondsSince } from '../core/output.js'
import { redact } from '../core/redact.js'
import { DEFAULT_RULES, groupStopped, stopSignature, verdict, type Expected, type Rules, type Verdict } from './verdict.js'
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { elbEventFailure, readTargets, serviceTargetGroups, targetVerdict, withTargets } from './target-health.js'
import {
  describeServiceDeployment,
  findServiceDeployment,
  judgedBy,
  judgedByLine,
  recordId,
  refuseStageWithoutRecords,
  StageLog,
  stageLabel,
  stageReached,
  withRecord,
  type JudgedBy,
  type WaitUntil,
} from './records.js'

export { deploymentRecords } from './records.js'

/** --wait-until stage:STAGE: the deployment got there (and goes on). */
export type Reached = { kind: 'reached'; stage: string; reason: string }
export type FinalVerdict = Exclude<Verdict, { kind: 'in-progress' }> | Reached

export interface WaitOptions {
  cluster: string
  service: string
  expected: Expected
  intervalMs: number
  timeoutMs: number
  rules?: Rules
  /** Show service events from this moment on (default: the deployment's start). */
  since?: Date
  /** Judge only tasks that stopped from this moment on (a deployment followed, not started, by this run). */
  tasksSince?: Date
  /** Where progress goes: stdout normally, stderr under --json. */
  stream?: NodeJS.WriteStream
  /** Behind a load balancer (the service's loadBalancers), success also needs the new tasks healthy there (lib/deploy/target-health.ts). */
  elbv2?: ElasticLoadBalancingV2Client
  /** deployed (default): wait for the verdict; stage: return once ECS's record shows that lifecycle stage. */
  until?: WaitUntil
  /** wait: follow the newest service deployment in progress (else the one running the expected task definition). */
  followInProgress?: boolean
  /**
   * The service's deployment records just before this run started the deployment (recordsBefore):
   * none of them is its own. records undefined: the API did not answer then, DescribeServices judges.
   */
  before?: { records: ReadonlySet<string> | undefined }
}

export interface WaitResult {
  verdict: FinalVerdict
  seconds: number
  polls: number
  /** The stopped tasks of the deployment, grouped by reason. */
  stopped: Array<{ reason: string; count: number }>
  /** The last DescribeServices answer. */
  service: Service | undefined
  /** Which path judged: ECS's service deployment record, or DescribeServices. */
  judgedBy: JudgedBy
  /** The lifecycle stages seen, each with how long it lasted (records only). */
  stages: Array<{ label: string; seconds: number }>
}

/** Progress output: permanent lines, and one live line that a terminal rewrites in place. */
export class Progress {
  private liveText = ''
  private lastPlain = ''
  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  get tty(): boolean {
    return this.stream.isTTY === true
  }

  line(text: string): void {
    this.clear()
    this.stream.write(redact(text) + '\n')
    if (this.tty && this.liveText) this.stream.write(redact(this.liveText))
  }

  live(text: string, plain: string): void {
    if (this.tty) {
      this.liveText = text
      this.stream.write('\r\x1b[2K' + redact(text))
    } else if (plain !== this.lastPlain) {
      this.lastPlain = plain
      this.stream.write(redact(text) + '\n')
    }
  }

  clear(): void {
    if (this.tty && this.liveText) this.stream.write('\r\x1b[2K')
  }

  done(): void {
    this.clear()
    this.liveText = ''
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const clock = (d: Date | undefined) => (d ? d.toISOString().slice(11, 19) : '--:--:--')
export const elapsed = (ms: number): string => {
  const s = Math.floor(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

/** The stopped tasks a deployment started, every page. */
async function stoppedTaskArns(ecs: ECSClient, cluster: string, deploymentId: string): Promise<string[]> {
  const arns: string[] = []
  let nextToken: string | undefined
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster, startedBy: deploymentId, desiredStatus: 'STOPPED', nextToken }))
    arns.push(...(page.taskArns ?? []))
    nextToken = page.nextToken
  } while (nextToken)
  return arns
}

async function describeTasks(ecs: ECSClient, cluster: string, arns: string[]): Promise<Task[]> {
  const tasks: Task[] = []
  for (let i = 0; i < arns.length; i += 100) {
    const page = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }))
    tasks.push(...(page.tasks ?? []))
  }
  return tasks
}

/** The failures ECS's record says more about (which alarm, the circuit breaker's count, why it stopped). */
const RECORD_EXPLAINS: ReadonlySet<string> = new Set(['rollback', 'failed', 'stopped', 'gone'])

/** Poll until the deployment's verdict, printing what happens. */
export async function waitForDeployment(ecs: ECSClient, options: WaitOptions): Promise<WaitResult> {
  const { cluster, service: name, expected, intervalMs, timeoutMs } = options
  const rules = options.rules ?? DEFAULT_RULES
  const progress = new Progress(options.stream)
  const t0 = performance.now()
  const seenEvents = new Set<string>()
  const stopped = new Map<string, Task>()
  /** Stopped tasks of a followed deployment from before this run: seen, not judged. */
  const earlier = new Set<string>()
  let since = options.since
  let polls = 0
  let last: Service | undefined
  let lastVerdict: Verdict | undefined
  /** What the new tasks' targets were waiting on at the last poll (behind a load balancer). */
  let targetsLine = ''
  /** Which path judges (decided by the first answer to ListServiceDeployments), and the record followed. */
  let by: JudgedBy | undefined
  let recordArn: string | undefined
  let record: ServiceDeployment | undefined
  const stages = new StageLog()

  const finish = (v: FinalVerdict): WaitResult => {
    const current = stages.now
    if (current && v.kind !== 'reached') {
      const ms = performance.now() - current.since
      progress.line(v.kind === 'success' ? `  ${colour.green('✓')} ${current.label} ${elapsed(ms)}` : `  ${colour.red('✗')} ${current.label} cut short after ${elapsed(ms)}`)
    }
    if (stages.passed.length > 0 || current) progress.line(`  stages: ${stages.summary(performance.now(), elapsed)}`)
    progress.done()
    return {
      verdict: v,
      seconds: secondsSince(t0),
      polls,
      stopped: groupStopped([...stopped.values()]).map((g) => ({ reason: g.signature, count: g.count })),
      service: last,
      judgedBy: by ?? 'describe-services',
      stages: [...stages.passed, ...(current ? [{ label: current.label, ms: performance.now() - current.since }] : [])].map((p) => ({ label: p.label, seconds: Math.round(p.ms / 100) / 10 })),
    }
  }

  if (options.before && options.before.records === undefined) {
    // Asked just before the deployment started: this endpoint keeps no records.
    by = 'describe-services'
    progress.line(`  ${judgedByLine(by)}`)
    refuseStageWithoutRecords(by, options.until)
  }

  for (;;) {
    polls += 1
    try {
      const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))
      const found = described.services?.find((s) => s.serviceName === name)
      last = found
      if (found) {
        const ours = found.deployments?.find((d) => d.id === expected.deploymentId)
        since ??= ours?.createdAt
        // Events come newest first; show the new ones oldest first.
        const fresh = (found.events ?? []).filter((e) => e.id && !seenEvents.has(e.id) && (!since || !e.createdAt || e.createdAt >= new Date(since.getTime() - 1000)))
        for (const e of found.events ?? []) if (e.id) seenEvents.add(e.id)
        for (const e of fresh.reverse()) progress.line(`  ${colour.dim(clock(e.createdAt))}  ${e.message ?? ''}`)
      }

      const arns = await stoppedTaskArns(ecs, cluster, expected.deploymentId)
      const unseen = arns.filter((arn) => !stopped.has(arn) && !earlier.has(arn))
      if (unseen.length > 0) {
        const described = await describeTasks(ecs, cluster, unseen)
        const cutoff = options.tasksSince
        const tasks = cutoff ? described.filter((t) => !t.stoppedAt || t.stoppedAt >= cutoff) : described
        for (const task of described) if (task.taskArn && !tasks.includes(task)) earlier.add(task.taskArn)
        for (const task of tasks) if (task.taskArn) stopped.set(task.taskArn, task)
        const all = [...stopped.values()]
        for (const group of groupStopped(tasks)) {
          const total = all.filter((t) => stopSignature(t) === group.signature).length
          const count = `${group.count} task${group.count === 1 ? '' : 's'} stopped${total > group.count ? ` (${total} so far)` : ''}`
          progress.line(`  ${colour.red('✗')} ${count}: ${group.signature}`)
        }
      }

      let v = verdict({ service: found, stoppedTasks: [...stopped.values()] }, expected, rules)
      // ECS's own record of this deployment, where the API keeps one: found once, described at every poll.
      // (A failure DescribeServices already shows that a record cannot explain better, such as a
      // desired count of 0 or an image that cannot be pulled, is final: the first look-up, which
      // may cost an emulator's retried HTTP 500, does not delay it.)
      const final = v.kind === 'failure' && !RECORD_EXPLAINS.has(v.cause)
      if (by !== 'describe-services' && !recordArn && !(by === undefined && final)) {
        const lookup = await findServiceDeployment(ecs, {
          cluster,
          service: name,
          since,
          taskDefinition: expected.taskDefinition,
          inProgress: options.followInProgress,
          before: options.before?.records,
        })
        if (by === undefined) {
          by = judgedBy(lookup.records)
          progress.line(`  ${judgedByLine(by)}`)
          refuseStageWithoutRecords(by, options.until)
        }
        recordArn = lookup.found
        if (recordArn) progress.line(`  following service deployment ${recordId(recordArn)}`)
      }
      if (recordArn) {
        record = await describeServiceDeployment(ecs, recordArn)
        const label = record ? stageLabel(record) : undefined
        const ended = stages.observe(label, performance.now())
        if (ended) progress.line(`  ${colour.green('✓')} ${ended.label} ${elapsed(ended.ms)}`)
      }

      v = withRecord(v, record)
      // Behind a target group: the new tasks must be healthy there too (and ECS's "failed ELB health checks" event fails fast).
      const groups = serviceTargetGroups(found)
      targetsLine = ''
      if (options.elbv2 && groups.length > 0 && v.kind !== 'failure') {
        const ours = found?.deployments?.find((d) => d.id === expected.deploymentId)
        const recent = (found?.events ?? []).filter((e) => !since || !e.createdAt || e.createdAt >= new Date(since.getTime() - 1000))
        const targets = targetVerdict(await readTargets(ecs, options.elbv2, { cluster, deploymentId: expected.deploymentId, targetGroupArns: groups }), ours?.desiredCount ?? 0)
        if (targets.kind === 'waiting') targetsLine = `; targets: ${targets.detail}`
        v = withTargets(v, targets, elbEventFailure(recent))
      }
      lastVerdict = v
      if (v.kind !== 'in-progress') return finish(v)
      const until = options.until
      if (until?.kind === 'stage' && record && stageReached(record.lifecycleStage, until.stage)) {
        return finish({
          kind: 'reached',
          stage: until.stage,
          reason: `service deployment ${recordId(recordArn)} reached ${until.stage} (now ${stageLabel(record)}); the deployment goes on: follow it with scripts/wait ${name}`,
        })
      }
      const time = elapsed(performance.now() - t0)
      const stage = stages.now ? ` [${stages.now.label}]` : ''
      const counts = `${v.running}/${v.desired} running${v.pending ? `, ${v.pending} pending` : ''}${targetsLine}`
      progress.live(`  ${colour.yellow('…')} ${v.phase}${stage}: ${counts} (${time})`, `${v.phase}${stage} ${counts}`)
    } catch (error) {
      if (!isTransientAwsError(error)) {
        progress.done()
        throw error
      }
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      const http = status !== undefined && status >= 500 ? `, HTTP ${status}` : ''
      progress.line(`  ${colour.yellow('!')} polling ECS failed after the SDK's retries (${(error as Error).name}${http}); trying again`)
    }
    if (performance.now() - t0 + intervalMs > timeoutMs) {
      const where =
        lastVerdict?.kind === 'in-progress'
          ? `still ${lastVerdict.phase}${stages.now ? ` in ${stages.now.label}` : ''}, ${lastVerdict.running}/${lastVerdict.desired} running${targetsLine}`
          : 'no answer from ECS'
      return finish({
        kind: 'failure',
        cause: 'timeout',
        reason: `no verdict within ${elapsed(timeoutMs)}: deployment ${expected.deploymentId} is ${where} (ECS goes on; follow it with scripts/wait ${name})`,
      })
    }
    await sleep(intervalMs)
  }
}

/** A verdict as one line. Pure. */
export function verdictLine(v: FinalVerdict): string {
  return v.kind === 'failure' ? `${v.cause}: ${v.reason}` : v.reason
}
