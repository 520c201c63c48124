// Scale a service, pause every service (desired count 0), and resume them to the counts they
// had. The count before a pause is kept as a tag on the service itself
// (cruddur-kit:paused-desired-count), so it lives and dies with the service and needs no
// other store. Pause tags before it scales and resume scales before it untags, so a run
// interrupted at any point is completed by running the same command again.
import {
  DescribeServicesCommand,
  ECSClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs'
import type { RunContext } from '../aws/context.js'
import { awsErrorIs } from '../aws/clients.js'
import { KitError, UsageError } from '../core/errors.js'

export const PAUSE_TAG = 'cruddur-kit:paused-desired-count'

/** The desired counts services had before a pause, by service name. */
export type PausedCounts = Record<string, number>

/** What a service looks like to pause and resume. */
export interface ServiceCount {
  name: string
  /** Undefined when the service does not exist (or is INACTIVE). */
  arn?: string
  desired: number
  running: number
  /** The count the pause tag remembers, when there is one. */
  paused?: number
}

export type Action = 'scaled' | 'paused' | 'resumed' | 'unchanged' | 'missing'

export interface ScalingResult {
  service: string
  action: Action
  /** Desired count before and after (after: what it would be, under --dry-run). */
  from?: number
  to?: number
  detail: string
}

/** A desired count from the command line: a whole number from 0. Pure. */
export function parseCount(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text.trim())) throw new UsageError(`COUNT must be a whole number from 0, e.g. 1, got ${text === undefined ? 'nothing' : `"${text}"`}`)
  const count = Number(text)
  if (count > 5000) throw new UsageError(`COUNT ${count} is more tasks than one ECS service runs (5000)`)
  return count
}

/** The pause tag's value as a count, or undefined when absent or not a count. Pure. */
export function pausedCount(tags: ReadonlyArray<{ key?: string; value?: string }> | undefined): number | undefined {
  const value = tags?.find((t) => t.key === PAUSE_TAG)?.value
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined
}

export type PausePlan = { act: true; from: number } | { act: false; detail: string }

/** What pause does to a service. Pure. */
export function pausePlan(s: ServiceCount): PausePlan {
  if (s.arn === undefined) return { act: false, detail: 'not running in the cluster (nothing to pause)' }
  if (s.desired > 0) return { act: true, from: s.desired }
  if (s.paused !== undefined) return { act: false, detail: `already paused (resume brings back ${s.paused})` }
  return { act: false, detail: 'already at 0 tasks, not paused by the kit (resume leaves it at 0)' }
}

export type ResumePlan = { scaleTo?: number; untag: boolean; detail: string }

/** What resume does to a service. Pure. */
export function resumePlan(s: ServiceCount): ResumePlan {
  if (s.paused === undefined) return { untag: false, detail: s.desired > 0 ? `not paused (desired ${s.desired})` : 'not paused by the kit (desired 0: use scale)' }
  if (s.desired === 0) return { scaleTo: s.paused, untag: true, detail: `back to the ${s.paused} before the pause` }
  if (s.desired === s.paused) return { untag: true, detail: `back to the ${s.paused} before the pause` }
  return { untag: true, detail: `scaled to ${s.desired} since the pause (it was ${s.paused}): left at ${s.desired}` }
}

/** The services as ECS reports them, with their pause tags (ten per call, DescribeServices' limit). */
export async function readCounts(ecs: ECSClient, cluster: string, names: readonly string[]): Promise<ServiceCount[]> {
  const found = new Map<string, Service>()
  for (let i = 0; i < names.length; i += 10) {
    let answer
    try {
      answer = await ecs.send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10), include: ['TAGS'] }))
    } catch (error) {
      if (awsErrorIs(error, 'ClusterNotFoundException')) continue
      throw error
    }
    const failure = answer.failures?.find((f) => f.reason !== 'MISSING')
    if (failure) throw new KitError(`cannot describe ECS services in ${cluster}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`)
    for (const s of answer.services ?? []) if (s.serviceName && s.status !== 'INACTIVE') found.set(s.serviceName, s)
  }
  return names.map((name) => {
    const s = found.get(name)
    if (!s) return { name, desired: 0, running: 0 }
    return { name, arn: s.serviceArn, desired: s.desiredCount ?? 0, running: s.runningCount ?? 0, paused: pausedCount(s.tags) }
  })
}

const setDesired = (ecs: ECSClient, cluster: string, name: string, desiredCount: number) =>
  ecs.send(new UpdateServiceCommand({ cluster, service: name, desiredCount }))

const missing = (name: string, cluster: string): ScalingResult => ({
  service: name,
  action: 'missing',
  detail: `not in cluster ${cluster} (./scripts/provision creates it)`,
})

/** One service to COUNT tasks. */
export async function scaleService(run: RunContext, name: string, count: number): Promise<ScalingResult> {
  const ecs = run.client(ECSClient, 'ECS')
  const { cluster } = run.names
  const [s] = await readCounts(ecs, cluster, [name])
  if (s.arn === undefined) throw new KitError(`ECS service ${name} is not in cluster ${cluster}: run ./scripts/provision first`)
  const note = s.paused !== undefined ? ` (it is paused: resume would then leave it at ${count || s.paused})` : ''
  if (s.desired === count) return { service: name, action: 'unchanged', from: s.desired, to: count, detail: `already ${count} desired, ${s.running} running` }
  if (!run.dryRun) await setDesired(ecs, cluster, name, count)
  return { service: name, action: 'scaled', from: s.desired, to: count, detail: `desired ${s.desired} → ${count}${note}` }
}

/** Every service to 0 tasks, remembering each one's count on the service. */
export async function pauseServices(run: RunContext, names: readonly string[]): Promise<{ results: ScalingResult[]; counts: PausedCounts }> {
  const ecs = run.client(ECSClient, 'ECS')
  const { cluster } = run.names
  const counts: PausedCounts = {}
  const results = await Promise.all(
    (await readCounts(ecs, cluster, names)).map(async (s): Promise<ScalingResult> => {
      if (s.arn === undefined) return missing(s.name, cluster)
      const plan = pausePlan(s)
      if (!plan.act) return { service: s.name, action: 'unchanged', from: s.desired, to: s.desired, detail: plan.detail }
      counts[s.name] = plan.from
      if (!run.dryRun) {
        // The count first: a run stopped between the two calls has lost nothing.
        await ecs.send(new TagResourceCommand({ resourceArn: s.arn, tags: [{ key: PAUSE_TAG, value: String(plan.from) }] }))
        await setDesired(ecs, cluster, s.name, 0)
      }
      return { service: s.name, action: 'paused', from: plan.from, to: 0, detail: `desired ${plan.from} → 0 (resume brings back ${plan.from})` }
    }),
  )
  return { results, counts }
}

/** Every paused service back to its count before the pause. */
export async function resumeServices(run: RunContext, names: readonly string[]): Promise<ScalingResult[]> {
  const ecs = run.client(ECSClient, 'ECS')
  const { cluster } = run.names
  return Promise.all(
    (await readCounts(ecs, cluster, names)).map(async (s): Promise<ScalingResult> => {
      if (s.arn === undefined) return missing(s.name, cluster)
      const plan = resumePlan(s)
      if (!run.dryRun) {
        // The count first, the tag after: a run stopped between the two is completed by the next.
        if (plan.scaleTo !== undefined) await setDesired(ecs, cluster, s.name, plan.scaleTo)
        if (plan.untag) await ecs.send(new UntagResourceCommand({ resourceArn: s.arn, tagKeys: [PAUSE_TAG] }))
      }
      const to = plan.scaleTo ?? s.desired
      return { service: s.name, action: plan.scaleTo !== undefined ? 'resumed' : 'unchanged', from: s.desired, to, detail: plan.scaleTo !== undefined ? `desired 0 → ${to} (${plan.detail})` : plan.detail }
    }),
  )
}

/**
 * The one line pause and resume end with when services are missing (exit 1 for both: a
 * service that is not there can be neither paused nor resumed), or undefined. Pure.
 */
export function missingLine(results: readonly ScalingResult[], cluster: string, verb: 'paused' | 'resumed'): string | undefined {
  const missingNames = results.filter((r) => r.action === 'missing').map((r) => r.service)
  if (missingNames.length === 0) return undefined
  return `${missingNames.join(', ')} ${missingNames.length === 1 ? 'is' : 'are'} not in cluster ${cluster}: a missing service cannot be ${verb} (./scripts/provision creates it)`
}

const VERBS: Record<Action, [done: string, planned: string]> = {
  scaled: ['scaled', 'would scale'],
  paused: ['paused', 'would pause'],
  resumed: ['resumed', 'would resume'],
  unchanged: ['unchanged', 'unchanged'],
  missing: ['missing', 'missing'],
}

/** One line per service. Pure. */
export const formatResult = (r: ScalingResult, dryRun: boolean): string => `  ${VERBS[r.action][dryRun ? 1 : 0].padEnd(12)} ${r.service}: ${r.detail}`
