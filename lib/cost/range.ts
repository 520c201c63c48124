// The monthly range auto scaling allows: the same estimate with every service that scales at
// its declared min tasks, and at its max ("scaling" in json/services.json). The services that do
// not scale keep the estimate's counts.
import type { RunContext } from '../aws/context.js'
import { serviceNamed } from '../config/services.js'
import type { Estimate, ScalingRange } from './estimate.js'
import { monthlyEstimate, type EstimateOptions } from './workload.js'

/** The estimate with its scaling range (`scaling`), or as it is when no service scales. */
export async function withScalingRange(
  estimate: Estimate,
  run: Pick<RunContext, 'env' | 'region' | 'names'>,
  options: EstimateOptions,
): Promise<Estimate & { scaling?: ScalingRange }> {
  const services = Object.fromEntries(
    run.names.services.flatMap((name) => {
      const scaling = serviceNamed(name).scaling
      return scaling ? [[name, { min: scaling.min, max: scaling.max }]] : []
    }),
  ) as Record<string, { min: number; max: number }>
  if (Object.keys(services).length === 0) return estimate
  const at = (end: 'min' | 'max') => ({ ...options.counts, ...Object.fromEntries(Object.entries(services).map(([name, b]) => [name, b[end]])) })
  const [low, high] = await Promise.all([monthlyEstimate(run, { ...options, counts: at('min') }), monthlyEstimate(run, { ...options, counts: at('max') })])
  const tasks = (end: 'min' | 'max') => Object.values(services).reduce((total, b) => total + b[end], 0)
  const round = (n: number) => Math.round(n * 100) / 100
  return { ...estimate, scaling: { minTasks: tasks('min'), maxTasks: tasks('max'), minUsd: round(low.monthlyUsd), maxUsd: round(high.monthlyUsd), services } }
}
