// Scale a service, pause every service (desired count 0), and resume them to the counts they
// had. What a pause remembers (the desired count and, for a service with auto scaling, its
// scalable target's min and max) is kept as one tag on the service itself
// (cruddur-kit:paused-desired-count = "3" or "3 min=1 max=4"), so it lives and dies with the
// service and needs no other store. Pause tags before it changes anything and resume changes
// everything before it untags, so a run interrupted at any point is completed by running the
// same command again. With auto scaling on, the bounds move with the count: a desired count
// alone would be undone by the scaler (it keeps the count within min and max).
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
import { autoScaling, boundsText, readScalableTargets, setBounds, type Bounds } from '../steps/auto-scaling.js'

export const PAUSE_TAG = 'cruddur-kit:paused-desired-count'

/** The desired counts services had before a pause, by service name. */
export type PausedCounts = Record<string, number>

/** What a pause remembers of a service: its desired count, and its auto-scaling bounds when it had a scalable target. */
export interface PauseMemory {
  desired: number
  bounds?: Bounds
}

/** The pause tag's value for what a pause remembers: "3", or "3 min=1 max=4". Pure. */
export const encodePauseMemory = (m: PauseMemory): string => (m.bounds ? `${m.desired} min=${m.bounds.min} max=${m.bounds.max}` : String(m.desired))

/** What the pause tag remembers, or undefined when absent or not the kit's format. Pure. */
export function decodePauseMemory(tags: ReadonlyArray<{ key?: string; value?: string }> | undefined): PauseMemory | undefined {
  const value = tags?.find((t) => t.key === PAUSE_TAG)?.value
  const m = value === undefined ? null : /^(\d+)(?: min=(\d+) max=(\d+))?$/.exec(value)
  if (!m) return undefined
  return { desired: Number(m[1]), ...(m[2] !== undefined ? { bounds: { min: Number(m[2]), max: Number(m[3]) } } : {}) }
}

/** What a service looks like to pause and resume. */
export interface ServiceCount {
  name: string
  /** Undefined when the service does not exist (or is INACTIVE). */
  arn?: string
  desired: number
  running: number
  /** The count the pause tag remembers, when there is one. */
  paused?: number
  /** The bounds the pause tag remembers, when it remembers any. */
  pausedBounds?: Bounds
  /** Its scalable target's bounds now, when it has one (auto scaling on). */
  bounds?: Bounds
}

/** What resume would put back: the remembered count, and the remembered bounds, else the declared ones. Pure. */
export function pauseMemoryOf(s: Pick<ServiceCount, 'paused' | 'pausedBounds'>, declared?: Bounds): Partial<PauseMemory> {
  const bounds = s.pausedBounds ?? (declared ? { min: declared.min, max: declared.max } : undefined)
  return { ...(s.paused !== undefined ? { desired: s.paused } : {}), ...(bounds ? { bounds } : {}) }
}

const isZero = (b: Bounds | undefined): boolean => b !== undefined && b.min === 0 && b.max === 0
const sameBounds = (a: Bounds | undefined, b: Bounds | undefined): boolean => a?.min === b?.min && a?.max === b?.max

export type Action = 'scaled' | 'paused' | 'resumed' | 'unchanged' | 'missing'

export interface ScalingResult {
  service: string
  action: Action
  /** Desired count before and after (after: what it would be, under --dry-run). */
  from?: number
  to?: number
  /** The scalable target's bounds before and after, for a service with auto scaling. */
  bounds?: { from: Bounds; to: Bounds }
  detail: string
}

/** A desired count from the command line: a whole number from 0. Pure. */
export function parseCount(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text.trim())) throw new UsageError(`COUNT must be a whole number from 0, e.g. 1, got ${text === undefined ? 'nothing' : `"${text}"`}`)
  const count = Number(text)
  if (count > 5000) throw new UsageError(`COUNT ${count} is more tasks than one ECS service runs (5000)`)
  return count
}

/** The count the pause tag remembers, or undefined when absent or not the kit's format. Pure. */
export const pausedCount = (tags: ReadonlyArray<{ key?: string; value?: string }> | undefined): number | undefined => decodePauseMemory(tags)?.desired

export type PausePlan = { act: true; from: number; bounds?: Bounds } | { act: false; detail: string }

/**
 * What pause does to a service: remember its count and bounds, then take both to 0. A service
 * found at min = max = 0 under a pause tag was stopped half-way by an earlier pause: the tag's
 * bounds are the ones to remember, not 0. Pure.
 */
export function pausePlan(s: ServiceCount): PausePlan {
  if (s.arn === undefined) return { act: false, detail: 'not running in the cluster (nothing to pause)' }
  const bounds = isZero(s.bounds) ? s.pausedBounds : s.bounds
  const remember = bounds ? { bounds: { min: bounds.min, max: bounds.max } } : {}
  if (s.desired > 0) return { act: true, from: s.desired, ...remember }
  if (s.bounds && !isZero(s.bounds)) return { act: true, from: s.paused ?? 0, ...remember }
  if (s.paused !== undefined) return { act: false, detail: `already paused (resume brings back ${s.paused})` }
  return { act: false, detail: 'already at 0 tasks, not paused by the kit (resume leaves it at 0)' }
}

export type ResumePlan = { scaleTo?: number; bounds?: Bounds; untag: boolean; detail: string }

/**
 * What resume does to a service: its bounds back first (those the pause remembered, else the
 * declared ones, when its scalable target is still at 0), then its count, then the tag. Pure.
 */
export function resumePlan(s: ServiceCount, declared?: Bounds): ResumePlan {
  if (s.paused === undefined) return { untag: false, detail: s.desired > 0 ? `not paused (desired ${s.desired})` : 'not paused by the kit (desired 0: use scale)' }
  const back = isZero(s.bounds) ? pauseMemoryOf(s, declared).bounds : undefined
  const bounds = back ? { bounds: back } : {}
  if (s.desired === 0) return { scaleTo: s.paused, ...bounds, untag: true, detail: `back to the ${s.paused} before the pause` }
  if (s.desired === s.paused) return { ...bounds, untag: true, detail: `back to the ${s.paused} before the pause` }
  return { ...bounds, untag: true, detail: `scaled to ${s.desired} since the pause (it was ${s.paused}): left at ${s.desired}` }
}

/**
 * The bounds `scale SERVICE N` sets with auto scaling on: min = N, so the scaler never goes
 * below what was asked, and max = the larger of N and the declared max (the target's own max
 * when none is declared), so it may still scale out under load; N = 0 stops it: 0 and 0. Pure.
 */
export function scaleBounds(count: number, declaredMax: number): Bounds {
  if (count === 0) return { min: 0, max: 0 }
  return { min: count, max: Math.max(count, declaredMax) }
}

/** The services as ECS reports them, with their pause tags (ten per call, DescribeServices' limit), and their scalable targets' bounds. */
export async function readServices(run: Pick<RunContext, 'client' | 'names'>, names: readonly string[]): Promise<ServiceCount[]> {
  const [counts, targets] = await Promise.all([readCounts(run.client(ECSClient, 'ECS'), run.names.cluster, names), readScalableTargets(autoScaling(run), run.names.cluster, names)])
  return counts.map((s) => {
    const t = targets.get(s.name)
    return t ? { ...s, bounds: { min: t.MinCapacity ?? 0, max: t.MaxCapacity ?? 0 } } : s
  })
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
    const memory = decodePauseMemory(s.tags)
    return { name, arn: s.serviceArn, desired: s.desiredCount ?? 0, running: s.runningCount ?? 0, paused: memory?.desired, ...(memory?.bounds ? { pausedBounds: memory.bounds } : {}) }
  })
}

const setDesired = (ecs: ECSClient, cluster: string, name: string, desiredCount: number) =>
  ecs.send(new UpdateServiceCommand({ cluster, service: name, desiredCount }))

const missing = (name: string, cluster: string): ScalingResult => ({
  service: name,
  action: 'missing',
  detail: `not in cluster ${cluster} (./scripts/provision creates it)`,
})

const boundsMove = (from: Bounds, to: Bounds): string => `, bounds ${from.min}-${from.max} → ${boundsText(to)}`

/**
 * One service to COUNT tasks. With auto scaling on (a scalable target), its bounds first
 * (scaleBounds, from `declaredMax`), then the count: a run stopped between the two is completed
 * by the next.
 */
export async function scaleService(run: RunContext, name: string, count: number, declaredMax?: number): Promise<ScalingResult> {
  const ecs = run.client(ECSClient, 'ECS')
  const { cluster } = run.names
  const [s] = await readServices(run, [name])
  if (s.arn === undefined) throw new KitError(`ECS service ${name} is not in cluster ${cluster}: run ./scripts/provision first`)
  const note = s.paused !== undefined ? ` (it is paused: resume would then leave it at ${count || s.paused})` : ''
  const to = s.bounds ? scaleBounds(count, declaredMax ?? s.bounds.max) : undefined
  const bounds = s.bounds && to ? { bounds: { from: s.bounds, to } } : {}
  const boundsChange = s.bounds && to && !sameBounds(s.bounds, to)
  if (s.desired === count && !boundsChange) {
    return { service: name, action: 'unchanged', from: s.desired, to: count, ...bounds, detail: `already ${count} desired, ${s.running} running${to ? `, ${boundsText(to)}` : ''}` }
  }
  if (!run.dryRun) {
    if (boundsChange && to) await setBounds(autoScaling(run), cluster, name, to)
    if (s.desired !== count) await setDesired(ecs, cluster, name, count)
  }
  const moved = boundsChange && s.bounds && to ? boundsMove(s.bounds, to) : to ? `, ${boundsText(to)}` : ''
  return { service: name, action: 'scaled', from: s.desired, to: count, ...bounds, detail: `desired ${s.desired === count ? count : `${s.desired} → ${count}`}${moved}${note}` }
}

/** Every service to 0 tasks (and min = max = 0 where auto scaling is on), remembering each one's count and bounds on the service. */
export async function pauseServices(run: RunContext, names: readonly string[]): Promise<{ results: ScalingResult[]; counts: PausedCounts }> {
  const ecs = run.client(ECSClient, 'ECS')
  const { cluster } = run.names
  const counts: PausedCounts = {}
  const results = await Promise.all(
    (await readServices(run, names)).map(async (s): Promise<ScalingResult> => {
      if (s.arn === undefined) return missing(s.name, cluster)
      const plan = pausePlan(s)
      if (!plan.act) return { service: s.name, action: 'unchanged', from: s.desired, to: s.desired, detail: plan.detail }
      counts[s.name] = plan.from
      const zero = { min: 0, max: 0 }
      if (!run.dryRun) {
        // What is remembered first: a run stopped between the calls has lost nothing.
        await ecs.send(new TagResourceCommand({ resourceArn: s.arn, tags: [{ key: PAUSE_TAG, value: encodePauseMemory({ desired: plan.from, ...(plan.bounds ? { bounds: plan.bounds } : {}) }) }] }))
        // The bounds before the count: with min above 0, the scaler would start tasks again.
        if (s.bounds && !isZero(s.bounds)) await setBounds(autoScaling(run), cluster, s.name, zero)
        if (s.desired > 0) await setDesired(ecs, cluster, s.name, 0)
      }
      const bounds = s.bounds ? { bounds: { from: s.bounds, to: zero } } : {}
      const moved = s.bounds && !isZero(s.bounds) ? boundsMove(s.bounds, zero) : ''
      const back = plan.bounds ? `${plan.from}, ${boundsText(plan.bounds)}` : `${plan.from}`
      return { service: s.name, action: 'paused', from: s.desired, to: 0, ...bounds, detail: `desired ${s.desired} → 0${moved} (resume brings back ${back})` }
    }),
  )
  return { results, counts }
}

/**
 * Every paused service back to its count (and bounds) before the pause. `declared`: each
 * service's declared bounds, put back when its target is at 0 and the pause remembered none.
 */
export async function resumeServices(run: RunContext, names: readonly string[], declared: Readonly<Record<string, Bounds>> = {}): Promise<ScalingResult[]> {
  const ecs = run.client(ECSClient, 'ECS')
  const { cluster } = run.names
  return Promise.all(
    (await readServices(run, names)).map(async (s): Promise<ScalingResult> => {
      if (s.arn === undefined) return missing(s.name, cluster)
      const plan = resumePlan(s, declared[s.name])
      if (!run.dryRun) {
        // Bounds, then count, then the tag: a run stopped between them is completed by the next.
        if (plan.bounds) await setBounds(autoScaling(run), cluster, s.name, plan.bounds)
        if (plan.scaleTo !== undefined) await setDesired(ecs, cluster, s.name, plan.scaleTo)
        if (plan.untag) await ecs.send(new UntagResourceCommand({ resourceArn: s.arn, tagKeys: [PAUSE_TAG] }))
      }
      const to = plan.scaleTo ?? s.desired
      const acted = plan.scaleTo !== undefined || plan.bounds !== undefined
      const bounds = s.bounds ? { bounds: { from: s.bounds, to: plan.bounds ?? s.bounds } } : {}
      const moved = plan.bounds && s.bounds ? boundsMove(s.bounds, plan.bounds) : ''
      return {
        service: s.name,
        action: acted ? 'resumed' : 'unchanged',
        from: s.desired,
        to,
        ...bounds,
        detail: acted ? `desired ${s.desired} → ${to}${moved} (${plan.detail})` : plan.detail,
      }
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
