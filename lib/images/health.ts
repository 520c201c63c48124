// ECS's container health check in docker's terms, and the verdict read from docker's state.
// ECS runs a task definition's healthCheck through Docker's own health checks, so the same
// command, interval, timeout, retries and start period given to `docker run` behave alike:
// the first check runs one interval after start, failures inside the start period do not
// count, `retries` consecutive failures make the container unhealthy. Pure.
import { ConfigError } from '../core/errors.js'
import { posixQuote } from '../core/shell.js'

export interface EcsHealthCheck {
  command?: unknown
  interval?: unknown
  timeout?: unknown
  retries?: unknown
  startPeriod?: unknown
}

/** ECS's defaults and limits (seconds; retries a count). RegisterTaskDefinition rejects values outside them. */
export const ECS_HEALTH = {
  interval: { default: 30, min: 5, max: 300 },
  timeout: { default: 5, min: 2, max: 120 },
  retries: { default: 3, min: 1, max: 10 },
  startPeriod: { default: 0, min: 0, max: 300 },
} as const

export interface HealthSettings {
  /** What docker runs: a shell command line (CMD-SHELL's text, or CMD's words quoted for sh). */
  shell: string
  interval: number
  timeout: number
  retries: number
  startPeriod: number
}

/** The health check's settings with ECS's defaults filled in; a ConfigError naming the field ECS would reject. Pure. */
export function healthSettings(check: EcsHealthCheck, where: string): HealthSettings {
  const command = check.command
  if (!Array.isArray(command) || command.length < 2 || !command.every((c) => typeof c === 'string')) {
    throw new ConfigError(`${where}.command must be ["CMD-SHELL", "command"] or ["CMD", "program", "arg"...]`)
  }
  const [kind, ...rest] = command as string[]
  let shell: string
  if (kind === 'CMD-SHELL') shell = rest.join(' ')
  else if (kind === 'CMD') shell = rest.map(posixQuote).join(' ')
  else throw new ConfigError(`${where}.command must start with "CMD-SHELL" or "CMD", got "${kind}"`)
  const number = (key: keyof typeof ECS_HEALTH): number => {
    const limits = ECS_HEALTH[key]
    const value = check[key] ?? limits.default
    if (typeof value !== 'number' || !Number.isInteger(value) || value < limits.min || value > limits.max) {
      throw new ConfigError(`${where}.${key} must be a whole number from ${limits.min} to ${limits.max} (ECS rejects anything else), got ${JSON.stringify(value)}`)
    }
    return value
  }
  return { shell, interval: number('interval'), timeout: number('timeout'), retries: number('retries'), startPeriod: number('startPeriod') }
}

/** `docker run` flags for a health check; --no-healthcheck without one (ECS ignores the image's HEALTHCHECK). Pure. */
export function healthFlags(settings: HealthSettings | undefined): string[] {
  if (!settings) return ['--no-healthcheck']
  return [
    '--health-cmd', settings.shell,
    '--health-interval', `${settings.interval}s`,
    '--health-timeout', `${settings.timeout}s`,
    '--health-retries', String(settings.retries),
    '--health-start-period', `${settings.startPeriod}s`,
  ]
}

/** The earliest a container can be healthy: its first check runs one interval after start. Pure. */
export const healthyFloorSeconds = (settings: HealthSettings): number => settings.interval

/** The latest it can take to become unhealthy (or healthy), with slack for slow checks. Pure. */
export function verdictDeadlineSeconds(settings: HealthSettings | undefined): number {
  if (!settings) return 5
  return settings.startPeriod + (settings.retries + 1) * (settings.interval + settings.timeout) + 30
}

/** The part of `docker inspect`'s State the verdict reads. */
export interface ContainerState {
  Status?: string
  Running?: boolean
  ExitCode?: number
  OOMKilled?: boolean
  Error?: string
  Health?: { Status?: string; FailingStreak?: number; Log?: Array<{ ExitCode?: number; Output?: string }> }
}

export type Verdict =
  | { kind: 'pending' }
  | { kind: 'healthy' | 'unhealthy'; exitCode?: number; output: string; failingStreak: number }
  | { kind: 'exited'; exitCode: number; oomKilled: boolean; error?: string }
  | { kind: 'running' }

/** The last health-check output, one line, shortened. Pure. */
export function lastHealthOutput(state: ContainerState): { exitCode?: number; output: string } {
  const last = state.Health?.Log?.at(-1)
  const output = (last?.Output ?? '').trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' | ')
  return { ...(last?.ExitCode !== undefined ? { exitCode: last.ExitCode } : {}), output: output.length > 300 ? `${output.slice(0, 297)}...` : output }
}

/**
 * What a container's state says. Without a health check, a container still running after the
 * settle time counts as running (ECS would report its health UNKNOWN). Pure.
 */
export function verdictOf(state: ContainerState, hasHealthCheck: boolean, settled: boolean): Verdict {
  if (state.Status === 'exited' || state.Status === 'dead' || (state.Status !== 'created' && state.Running === false)) {
    return { kind: 'exited', exitCode: state.ExitCode ?? -1, oomKilled: state.OOMKilled === true, ...(state.Error ? { error: state.Error } : {}) }
  }
  if (!hasHealthCheck) return settled && state.Running ? { kind: 'running' } : { kind: 'pending' }
  const status = state.Health?.Status
  if (status === 'healthy' || status === 'unhealthy') {
    return { kind: status, ...lastHealthOutput(state), failingStreak: state.Health?.FailingStreak ?? 0 }
  }
  return { kind: 'pending' }
}
