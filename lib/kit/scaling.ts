// kit.scale(), kit.pause(), kit.resume(): desired counts, and auto scaling's bounds where it is on (scripts/scale, pause, resume).
import { EXIT, UsageError } from '../core/errors.js'
import { declaredServices, serviceNamed } from '../config/services.js'
import { planCostLine } from '../cost/workload.js'
import { withRunLock } from '../core/lock.js'
import { missingLine, parseCount, pauseServices, resumeServices, scaleService, type PausedCounts, type ScalingResult } from '../ops/scaling.js'
import type { KitCore as Kit, Outcome } from './core.js'

export interface ScalingOptions {
  /** Say what would change; change nothing. */
  dryRun?: boolean
}

/** What scale --json prints. */
export type ScaleDocument = { dryRun: boolean } & ScalingResult
/** What pause --json prints: each service, the counts remembered, and what it saves a month. */
export interface PauseDocument {
  dryRun: boolean
  services: ScalingResult[]
  paused: PausedCounts
  savings?: string
}
/** What resume --json prints. */
export interface ResumeDocument {
  dryRun: boolean
  services: ScalingResult[]
}

const modeOf = (options: ScalingOptions) => (options.dryRun === true ? 'dry-run' : 'apply')

export async function scale(kit: Kit, name: string | undefined, count: number | string | undefined, options: ScalingOptions): Promise<Outcome<ScaleDocument>> {
  const run = await kit.run(modeOf(options))
  if (!name) throw new UsageError(`name a service (declared: ${declaredServices().map((s) => s.name).join(', ')}) and a count; see scale --help`)
  const service = serviceNamed(name)
  const wanted = parseCount(count === undefined ? undefined : String(count))
  const result = await withRunLock(run, kit.out.warn, () => scaleService(run, service.name, wanted, service.scaling?.max))
  return { document: { dryRun: run.dryRun, ...result }, exitCode: EXIT.ok }
}

export async function pause(kit: Kit, options: ScalingOptions): Promise<Outcome<PauseDocument>> {
  const run = await kit.run(modeOf(options))
  const names = run.names.services.map((name) => serviceNamed(name).name)
  const { results, counts, savings } = await withRunLock(run, kit.out.warn, async () => {
    // What the pause saves a month: priced from the counts as they are before it.
    const saving = await planCostLine(run, 'pause')
    const paused = await pauseServices(run, names)
    return { ...paused, savings: Object.keys(paused.counts).length > 0 ? saving : undefined }
  })
  // A missing service can be neither paused nor resumed: exit 1, the others paused all the same.
  const missing = missingLine(results, run.names.cluster, 'paused')
  return {
    document: { dryRun: run.dryRun, services: results, paused: counts, ...(savings ? { savings } : {}) },
    exitCode: missing ? EXIT.failed : EXIT.ok,
    ...(missing ? { message: missing } : {}),
  }
}

export async function resume(kit: Kit, options: ScalingOptions): Promise<Outcome<ResumeDocument>> {
  const run = await kit.run(modeOf(options))
  const names = run.names.services.map((name) => serviceNamed(name).name)
  // Where a pause remembered no bounds (paused before auto scaling was set up), the declared ones.
  const declared = Object.fromEntries(names.flatMap((name) => {
    const scaling = serviceNamed(name).scaling
    return scaling ? [[name, { min: scaling.min, max: scaling.max }]] : []
  }))
  const results = await withRunLock(run, kit.out.warn, () => resumeServices(run, names, declared))
  const missing = missingLine(results, run.names.cluster, 'resumed')
  return { document: { dryRun: run.dryRun, services: results }, exitCode: missing ? EXIT.failed : EXIT.ok, ...(missing ? { message: missing } : {}) }
}
