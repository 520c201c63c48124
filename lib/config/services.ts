// The services the kit deploys, as data: json/services.json declares each one (its port,
// its shell for ECS Exec, its SSM parameters and where their values come from), and its
// two templates sit beside it (task-definitions/NAME.json, json/service-NAME.json). Every
// command that deals with a service reads it here; adding a service adds no code.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { get, requireEnv, type Env } from './env.js'
import { ConfigError } from '../core/errors.js'
import { ROOT } from './paths.js'

export const SERVICES_FILE = 'json/services.json'

export interface ParameterDeclaration {
  /** The parameter's last path segment, and the variable the container sees: CONNECTION_URL. */
  name: string
  /** The environment variable its value is read from on the workstation: PROD_CONNECTION_URL. */
  from: string
  /** The stored value made from the variable, e.g. "x-honeycomb-team=${HONEYCOMB_API_KEY}"; the variable's value as is when absent. */
  format?: string
  /** Stored as a SecureString and masked in all output. */
  secret: boolean
  description: string
}

/**
 * How the front door (the application load balancer) reaches a service. A routed service gets
 * a target group checking `healthCheckPath`; requests reach it by `paths` on any host, by the
 * host `<host>.<DOMAIN_NAME>` when a domain is set, or as the listener's default.
 */
export interface FrontDoorRoute {
  /** The target group's health check: an HTTP GET that must answer 200-399. */
  healthCheckPath: string
  /** Path patterns sent to this service on every listener, e.g. /api/* (ELB's wildcards * and ?). */
  paths: string[]
  /** The host label under DOMAIN_NAME that is this service's alone: "api" → api.<domain>. */
  host?: string
  /** The service that answers whatever no rule matches (at most one). */
  default: boolean
  /** Seconds ECS ignores failed load-balancer health checks after a task starts. */
  healthCheckGracePeriodSeconds: number
}

/** ECS's default grace period would be 0: a Flask app needs its start-up before the first check counts. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 60

/**
 * Application Auto Scaling for a service: a scalable target on its desired count, between
 * `min` and `max` tasks, and one target-tracking policy (average CPU, or requests per target
 * when the service is routed through the front door and `requestsPerTarget` is declared).
 */
export interface ScalingDeclaration {
  min: number
  max: number
  /** The average CPU utilisation (%) target tracking holds the service at. */
  cpuPercent: number
  /** ALB requests per target the policy holds (routed services only); CPU when undefined. */
  requestsPerTarget?: number
  /** Seconds after a scale-out before another: short, so a burst gets capacity quickly. */
  scaleOutCooldownSeconds: number
  /** Seconds after a scale-in before another: long, so a lull between bursts does not flap. */
  scaleInCooldownSeconds: number
}

/**
 * A student stack's defaults: one task normally, at most two (a second task doubles the Fargate
 * bill, so the ceiling is low and raised on purpose); CPU 60 %, as ECS Express Mode's policy.
 * Cooldowns: out after 60 s, in after 300 s (ECS's console default), so a lull does not flap.
 */
export const DEFAULT_SCALING: ScalingDeclaration = { min: 1, max: 2, cpuPercent: 60, scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 300 }

/**
 * The CloudWatch alarms that roll a deployment of a service back (deploymentConfiguration.alarms):
 * behind the front door its target group's 5xx rate and unhealthy hosts; for every service its
 * running tasks below desired (Container Insights' metrics). One period, evaluation window and
 * datapoint count for all three: "M of N periods of P seconds".
 */
export interface RollbackAlarmsDeclaration {
  /** The targets' 5xx answers as a percentage of the requests the load balancer sent them. */
  target5xxPercent: number
  /** Unhealthy targets (at least this many) in the service's target group. */
  unhealthyHosts: number
  /**
   * Running tasks this many or more below the desired count; false for no such alarm (it needs
   * Container Insights on the cluster, which CloudWatch bills per metric).
   */
  tasksBelowDesired: number | false
  periodSeconds: number
  evaluationPeriods: number
  datapointsToAlarm: number
}

/**
 * After Express Mode's canary alarm (4xx+5xx above 1 % for 2 datapoints in 3 minutes), with
 * 5xx only (a scanner's 404s are not a bad deployment) at 5 % (a student stack serves few
 * requests: one error in twenty is a signal, one in a hundred is noise); any unhealthy target;
 * one task missing. 2 of 3 one-minute periods, so one bad minute (a task starting) rolls nothing back.
 */
export const DEFAULT_ROLLBACK_ALARMS: RollbackAlarmsDeclaration = { target5xxPercent: 5, unhealthyHosts: 1, tasksBelowDesired: 1, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 }

/** Whether a service has the tasks-below-desired alarm (what needs Container Insights): rollback alarms on, that one not opted out. Pure. */
export const watchesTaskCount = (service: Pick<ServiceDeclaration, 'rollbackAlarms'>): boolean =>
  service.rollbackAlarms !== undefined && service.rollbackAlarms.tasksBelowDesired !== false

/** ECS's deployment strategies (DeploymentConfiguration.strategy). */
export const DEPLOYMENT_STRATEGIES = ['ROLLING', 'CANARY', 'LINEAR', 'BLUE_GREEN'] as const
export type DeploymentStrategyName = (typeof DEPLOYMENT_STRATEGIES)[number]

/**
 * How ECS deploys a service (its native strategies). ROLLING replaces tasks behind the circuit
 * breaker; CANARY, LINEAR and BLUE_GREEN start the new revision beside the old one and shift
 * traffic to it (the front door's listener rule, or Service Connect), then bake.
 */
export type DeploymentDeclaration =
  | { strategy: 'ROLLING' }
  | { strategy: 'CANARY'; canaryPercent: number; canaryBakeMinutes: number; bakeMinutes: number }
  | { strategy: 'LINEAR'; stepPercent: number; stepBakeMinutes: number; bakeMinutes: number }
  | { strategy: 'BLUE_GREEN'; bakeMinutes: number }

/**
 * ECS's defaults (CanaryConfiguration: 5 % then a 10-minute bake; LinearConfiguration: 10 % steps,
 * 6 minutes apart). ECS has no default for bakeTimeInMinutes (BLUE_GREEN requires it): 3 minutes,
 * as Express Mode's canary bakes, so the old tasks stay long enough to roll back to.
 */
export const DEPLOYMENT_DEFAULTS = { canaryPercent: 5, canaryBakeMinutes: 10, stepPercent: 10, stepBakeMinutes: 6, bakeMinutes: 3 } as const

export interface ServiceDeclaration {
  /** The ECS service, its task-definition family, its main container and its log stream prefix. */
  name: string
  description: string
  /** The port its container listens on (the task definition's portMappings must agree). */
  containerPort: number
  /** The shell ECS Exec starts: /bin/sh where the image has no bash (alpine). */
  shell: string
  /** Its ECR repository (default: its name). */
  repository: string
  /** Its source folder at the top of the app's git repository (default: its name). */
  source: string
  /** Opt-in: ship long-lived AWS keys to the container as secrets (they override the task role). */
  awsKeys: boolean
  parameters: ParameterDeclaration[]
  /** Undefined when the service opts out of the front door (internal only, reached through Service Connect). */
  frontDoor?: FrontDoorRoute
  /**
   * Docker build arguments image/build passes (--build-arg NAME=VALUE): templates over the kit's
   * derived values, e.g. "${SERVICE_URL_BACKEND_FLASK}", so no URL is ever typed by hand.
   */
  buildArgs: Record<string, string>
  /** Undefined when the service opts out (`"scaling": false`): no scalable target, scale sets the desired count alone. */
  scaling?: ScalingDeclaration
  /** Undefined when the service opts out (`"rollbackAlarms": false`): no alarms, none in its deploymentConfiguration. */
  rollbackAlarms?: RollbackAlarmsDeclaration
  /** ECS's deployment strategy with its percentages and bake times (default ROLLING, with the circuit breaker). */
  deployment: DeploymentDeclaration
  taskDefinitionFile: string
  serviceFile: string
}

/** Where a service's two templates live. Pure. */
export const taskDefinitionFileOf = (name: string): string => `task-definitions/${name}.json`
export const serviceFileOf = (name: string): string => `json/service-${name}.json`

/** The parameters a service opting in to AWS keys gets, in addition to its own. */
export const AWS_KEY_PARAMETERS: readonly ParameterDeclaration[] = [
  { name: 'AWS_ACCESS_KEY_ID', from: 'AWS_ACCESS_KEY_ID', secret: true, description: 'a long-lived access key id (opt-in: overrides the task role)' },
  { name: 'AWS_SECRET_ACCESS_KEY', from: 'AWS_SECRET_ACCESS_KEY', secret: true, description: 'its secret key (opt-in: overrides the task role)' },
]

/** ECS's rule for service names and families (up to 255 letters, digits, - and _); it also keeps names out of paths. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const fail = (file: string, where: string, what: string): never => {
  throw new ConfigError(`${file}: ${where} ${what}`)
}

/** A DNS label (RFC 1123): letters, digits and hyphens, not at either end, up to 63. */
const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/
/** What an ALB path pattern accepts: up to 128 of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?, starting with /. */
const PATH_PATTERN = /^\/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$/

/** A service's front-door route from its declaration, or undefined when it opts out (`"frontDoor": false`). Pure. */
function parseFrontDoor(file: string, name: string, raw: unknown): FrontDoorRoute | undefined {
  const where = `${name}.frontDoor`
  if (raw === false || raw === undefined) return undefined
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(file, where, 'must be an object (its route) or false (internal only)')
  const d = raw as Record<string, unknown>
  const health = d.healthCheckPath
  if (typeof health !== 'string' || !/^\/\S{0,1023}$/.test(health)) fail(file, `${where}.healthCheckPath`, 'must be a path starting with /, e.g. /api/health-check')
  const paths = d.paths ?? []
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || !PATH_PATTERN.test(p))) {
    fail(file, `${where}.paths`, 'must be a list of path patterns starting with /, e.g. ["/api/*"]')
  }
  if (d.host !== undefined && (typeof d.host !== 'string' || !DNS_LABEL.test(d.host))) fail(file, `${where}.host`, 'must be one DNS label, e.g. "api"')
  if (d.default !== undefined && typeof d.default !== 'boolean') fail(file, `${where}.default`, 'must be true or false')
  const grace = d.healthCheckGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS
  if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > 2147483647) fail(file, `${where}.healthCheckGracePeriodSeconds`, 'must be a whole number of seconds')
  if (d.default !== true && (paths as string[]).length === 0 && d.host === undefined) {
    fail(file, where, 'routes nothing to the service: give it "paths", a "host", or "default": true')
  }
  return {
    healthCheckPath: health as string,
    paths: paths as string[],
    ...(d.host !== undefined ? { host: (d.host as string).toLowerCase() } : {}),
    default: d.default === true,
    healthCheckGracePeriodSeconds: grace as number,
  }
}

/** ECS runs at most 5000 tasks in one service. */
const MAX_TASKS = 5000

/**
 * A service's auto scaling from its declaration: the defaults (DEFAULT_SCALING) when absent, or
 * undefined when it opts out (`"scaling": false`). One ConfigError per bad field, naming it. Pure.
 */
export function parseScaling(file: string, name: string, raw: unknown): ScalingDeclaration | undefined {
  const where = `${name}.scaling`
  if (raw === false) return undefined
  if (raw === undefined || raw === true) return { ...DEFAULT_SCALING }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(file, where, 'must be an object ({"min": 1, "max": 2, "cpuPercent": 60}) or false (no auto scaling)')
  const d = raw as Record<string, unknown>
  const known = ['min', 'max', 'cpuPercent', 'requestsPerTarget', 'scaleOutCooldownSeconds', 'scaleInCooldownSeconds']
  const unknown = Object.keys(d).find((k) => !known.includes(k))
  if (unknown) fail(file, `${where}.${unknown}`, `is not a scaling field (known: ${known.join(', ')})`)
  const whole = (key: keyof ScalingDeclaration, low: number, high: number, what: string): number => {
    const value = d[key] ?? DEFAULT_SCALING[key]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) return fail(file, `${where}.${key}`, `must be ${what}, got ${JSON.stringify(value)}`)
    return value
  }
  const min = whole('min', 0, MAX_TASKS, `a whole number of tasks from 0 to ${MAX_TASKS}`)
  const max = whole('max', 1, MAX_TASKS, `a whole number of tasks from 1 to ${MAX_TASKS}`)
  if (max < min) fail(file, `${where}.max`, `(${max}) must be at least min (${min})`)
  const cpuPercent = whole('cpuPercent', 1, 100, 'a whole percentage from 1 to 100')
  const scaleOutCooldownSeconds = whole('scaleOutCooldownSeconds', 0, 86400, 'a whole number of seconds up to 86400')
  const scaleInCooldownSeconds = whole('scaleInCooldownSeconds', 0, 86400, 'a whole number of seconds up to 86400')
  let requestsPerTarget: number | undefined
  if (d.requestsPerTarget !== undefined) requestsPerTarget = whole('requestsPerTarget', 1, 1_000_000, 'a whole number of requests per target from 1')
  return { min, max, cpuPercent, ...(requestsPerTarget !== undefined ? { requestsPerTarget } : {}), scaleOutCooldownSeconds, scaleInCooldownSeconds }
}

/**
 * A service's rollback alarms from its declaration: the defaults (DEFAULT_ROLLBACK_ALARMS) when
 * absent, or undefined when it opts out (`"rollbackAlarms": false`). One ConfigError per bad
 * field, naming it. Pure.
 */
export function parseRollbackAlarms(file: string, name: string, raw: unknown): RollbackAlarmsDeclaration | undefined {
  const where = `${name}.rollbackAlarms`
  if (raw === false) return undefined
  if (raw === undefined || raw === true) return { ...DEFAULT_ROLLBACK_ALARMS }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(file, where, 'must be an object ({"target5xxPercent": 5, "unhealthyHosts": 1}) or false (no rollback alarms)')
  const d = raw as Record<string, unknown>
  const known = Object.keys(DEFAULT_ROLLBACK_ALARMS)
  const unknown = Object.keys(d).find((k) => !known.includes(k))
  if (unknown) fail(file, `${where}.${unknown}`, `is not a rollback alarm field (known: ${known.join(', ')})`)
  const number = (key: keyof RollbackAlarmsDeclaration, low: number, high: number, what: string, whole = true): number => {
    const value = d[key] ?? DEFAULT_ROLLBACK_ALARMS[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || (whole && !Number.isInteger(value)) || value < low || value > high) return fail(file, `${where}.${key}`, `must be ${what}, got ${JSON.stringify(value)}`)
    return value
  }
  const target5xxPercent = number('target5xxPercent', 0.01, 100, 'a percentage above 0, up to 100', false)
  const unhealthyHosts = number('unhealthyHosts', 1, MAX_TASKS, `a whole number of targets from 1 to ${MAX_TASKS}`)
  const tasksBelowDesired = d.tasksBelowDesired === false ? false : number('tasksBelowDesired', 1, MAX_TASKS, `a whole number of tasks from 1 to ${MAX_TASKS}, or false (no such alarm, no Container Insights)`)
  // CloudWatch's periods: 10, 30 or a multiple of 60 seconds; ECS metrics come once a minute, so 60 and up.
  const periodSeconds = number('periodSeconds', 60, 86400, 'a multiple of 60 seconds from 60 to 86400')
  if (periodSeconds % 60 !== 0) fail(file, `${where}.periodSeconds`, `must be a multiple of 60 seconds, got ${periodSeconds}`)
  const evaluationPeriods = number('evaluationPeriods', 1, 100, 'a whole number of periods from 1 to 100')
  const datapointsToAlarm = number('datapointsToAlarm', 1, 100, 'a whole number of periods from 1 to 100')
  if (datapointsToAlarm > evaluationPeriods) fail(file, `${where}.datapointsToAlarm`, `(${datapointsToAlarm}) must be at most evaluationPeriods (${evaluationPeriods})`)
  // CloudWatch refuses an alarm looking at more than a day.
  if (periodSeconds * evaluationPeriods > 86400) fail(file, `${where}.evaluationPeriods`, `× periodSeconds must be at most 86400 seconds (one day), got ${periodSeconds * evaluationPeriods}`)
  return { target5xxPercent, unhealthyHosts, tasksBelowDesired, periodSeconds, evaluationPeriods, datapointsToAlarm }
}

/** The fields each strategy takes, beside `strategy`. */
const STRATEGY_FIELDS: Record<DeploymentStrategyName, readonly string[]> = {
  ROLLING: [],
  CANARY: ['canaryPercent', 'canaryBakeMinutes', 'bakeMinutes'],
  LINEAR: ['stepPercent', 'stepBakeMinutes', 'bakeMinutes'],
  BLUE_GREEN: ['bakeMinutes'],
}

/** What is wrong with a `deployment` declaration, one line per bad field (none: it is valid). Pure. */
export function deploymentProblems(name: string, raw: unknown): string[] {
  const where = `${name}.deployment`
  if (raw === undefined) return []
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [`${where} must be an object such as {"strategy": "CANARY"}`]
  const d = raw as Record<string, unknown>
  const strategy = d.strategy ?? 'ROLLING'
  if (typeof strategy !== 'string' || !(DEPLOYMENT_STRATEGIES as readonly string[]).includes(strategy)) {
    return [`${where}.strategy must be one of ${DEPLOYMENT_STRATEGIES.join(', ')}, got ${JSON.stringify(strategy)}`]
  }
  const allowed = STRATEGY_FIELDS[strategy as DeploymentStrategyName]
  const problems: string[] = []
  for (const key of Object.keys(d)) {
    if (key === 'strategy' || allowed.includes(key)) continue
    const known = Object.values(STRATEGY_FIELDS).some((fields) => fields.includes(key))
    problems.push(known ? `${where}.${key} does not apply to ${strategy} (it takes ${allowed.join(', ') || 'no other field'})` : `${where}.${key} is not a deployment field (known: strategy, ${[...new Set(Object.values(STRATEGY_FIELDS).flat())].join(', ')})`)
  }
  // ECS's ranges: percentages in steps of 0.1 (canary from 0.1, linear from 3), minutes 0-1440.
  const percent = (key: string, low: number) => {
    const v = d[key]
    if (v === undefined) return
    if (typeof v !== 'number' || v < low || v > 100 || Math.abs(Math.round(v * 10) - v * 10) > 1e-9) problems.push(`${where}.${key} must be a percentage from ${low} to 100 in steps of 0.1, got ${JSON.stringify(v)}`)
  }
  const minutes = (key: string) => {
    const v = d[key]
    if (v === undefined) return
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1440) problems.push(`${where}.${key} must be a whole number of minutes from 0 to 1440, got ${JSON.stringify(v)}`)
  }
  if (allowed.includes('canaryPercent')) percent('canaryPercent', 0.1)
  if (allowed.includes('stepPercent')) percent('stepPercent', 3)
  for (const key of ['canaryBakeMinutes', 'stepBakeMinutes', 'bakeMinutes']) if (allowed.includes(key)) minutes(key)
  return problems
}

/**
 * A service's deployment strategy from its declaration, with ECS's defaults filled in
 * (DEPLOYMENT_DEFAULTS); ROLLING when absent. One ConfigError listing every bad field. Pure.
 */
export function parseDeployment(file: string, name: string, raw: unknown): DeploymentDeclaration {
  const problems = deploymentProblems(name, raw)
  if (problems.length) throw new ConfigError(`${file}: ${problems.join('; ')}`)
  const d = (raw ?? {}) as Record<string, number | string | undefined>
  const value = (key: keyof typeof DEPLOYMENT_DEFAULTS): number => (d[key] as number | undefined) ?? DEPLOYMENT_DEFAULTS[key]
  switch ((d.strategy ?? 'ROLLING') as DeploymentStrategyName) {
    case 'ROLLING':
      return { strategy: 'ROLLING' }
    case 'CANARY':
      return { strategy: 'CANARY', canaryPercent: value('canaryPercent'), canaryBakeMinutes: value('canaryBakeMinutes'), bakeMinutes: value('bakeMinutes') }
    case 'LINEAR':
      return { strategy: 'LINEAR', stepPercent: value('stepPercent'), stepBakeMinutes: value('stepBakeMinutes'), bakeMinutes: value('bakeMinutes') }
    case 'BLUE_GREEN':
      return { strategy: 'BLUE_GREEN', bakeMinutes: value('bakeMinutes') }
  }
}

/** Build arguments: an object of variable names to (template) strings. Pure. */
function parseBuildArgs(file: string, name: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {}
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(file, `${name}.buildArgs`, 'must be an object of NAME: "value"')
  for (const [key, value] of Object.entries(raw)) {
    if (!VARIABLE_NAME.test(key)) fail(file, `${name}.buildArgs`, `names "${key}", which is not a build argument name`)
    if (typeof value !== 'string') fail(file, `${name}.buildArgs.${key}`, 'must be a string')
  }
  return { ...(raw as Record<string, string>) }
}

/** Check and complete the declarations read from `file`. Throws a ConfigError naming the field. Pure. */
export function parseServices(file: string, json: unknown): ServiceDeclaration[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail(file, 'the file', 'must be an object keyed by service name')
  const services = Object.entries(json as Record<string, unknown>).map(([name, raw]) => {
    if (!SERVICE_NAME.test(name)) fail(file, `service "${name}"`, 'is not a valid ECS service name (letters, digits, - and _, up to 255)')
    const d = (raw ?? {}) as Record<string, unknown>
    const port = d.containerPort
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) fail(file, `${name}.containerPort`, 'must be a port number (1-65535)')
    const text = (key: string, fallback?: string): string => {
      const value = d[key] ?? fallback
      if (typeof value !== 'string' || value.trim() === '') return fail(file, `${name}.${key}`, 'must be a non-empty string')
      return value
    }
    const shell = text('shell', '/bin/sh')
    if (!shell.startsWith('/')) fail(file, `${name}.shell`, 'must be an absolute path such as /bin/sh')
    const repository = text('repository', name)
    if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(repository)) {
      fail(file, `${name}.repository`, 'is not a valid ECR repository name (lower case letters, digits, . _ - /)')
    }
    const source = text('source', name)
    if (source.includes('..') || source.startsWith('/')) fail(file, `${name}.source`, 'must be a folder inside the app repository')
    if (d.awsKeys !== undefined && typeof d.awsKeys !== 'boolean') fail(file, `${name}.awsKeys`, 'must be true or false')
    if (!Array.isArray(d.parameters ?? [])) fail(file, `${name}.parameters`, 'must be a list')
    const parameters = ((d.parameters ?? []) as Array<Record<string, unknown>>).map((p, i): ParameterDeclaration => {
      const where = `${name}.parameters[${i}]`
      if (typeof p?.name !== 'string' || !VARIABLE_NAME.test(p.name)) fail(file, `${where}.name`, 'must be a variable name such as CONNECTION_URL')
      if (typeof p.from !== 'string' || !VARIABLE_NAME.test(p.from)) fail(file, `${where}.from`, 'must name the environment variable the value comes from')
      if (p.format !== undefined && (typeof p.format !== 'string' || !p.format.includes(`\${${p.from}}`))) {
        fail(file, `${where}.format`, `must be a string containing \${${String(p.from)}}`)
      }
      return {
        name: p.name as string,
        from: p.from as string,
        ...(p.format !== undefined ? { format: p.format as string } : {}),
        secret: p.secret !== false,
        description: typeof p.description === 'string' ? p.description : '',
      }
    })
    const frontDoor = parseFrontDoor(file, name, d.frontDoor)
    const scaling = parseScaling(file, name, d.scaling)
    if (scaling?.requestsPerTarget !== undefined && !frontDoor) fail(file, `${name}.scaling.requestsPerTarget`, 'needs the service routed through the front door (a "frontDoor" route): drop it to scale on CPU')
    const rollbackAlarms = parseRollbackAlarms(file, name, d.rollbackAlarms)
    const awsKeys = d.awsKeys === true
    const all = awsKeys ? [...AWS_KEY_PARAMETERS, ...parameters] : parameters
    const duplicate = all.find((p, i) => all.findIndex((q) => q.name === p.name) !== i)
    if (duplicate) fail(file, `${name}.parameters`, `declares ${duplicate.name} twice`)
    return {
      name,
      description: typeof d.description === 'string' ? d.description : name,
      containerPort: port as number,
      shell,
      repository,
      source,
      awsKeys,
      parameters: all,
      ...(frontDoor ? { frontDoor } : {}),
      buildArgs: parseBuildArgs(file, name, d.buildArgs),
      ...(scaling ? { scaling } : {}),
      ...(rollbackAlarms ? { rollbackAlarms } : {}),
      deployment: parseDeployment(file, name, d.deployment),
      taskDefinitionFile: taskDefinitionFileOf(name),
      serviceFile: serviceFileOf(name),
    }
  })
  const defaults = services.filter((s) => s.frontDoor?.default).map((s) => s.name)
  if (defaults.length > 1) fail(file, `services ${defaults.join(' and ')}`, 'are both the front door\'s default: make at most one "default": true')
  const hosts = services.flatMap((s) => (s.frontDoor?.host ? [s.frontDoor.host] : []))
  const twice = hosts.find((h, i) => hosts.indexOf(h) !== i)
  if (twice) fail(file, `host "${twice}"`, 'is routed to two services: give each its own')
  return services
}

const cache = new Map<string, ServiceDeclaration[]>()

/** Every declared service, read once per process from json/services.json. */
export function declaredServices(root = ROOT): ServiceDeclaration[] {
  const path = join(root, SERVICES_FILE)
  let found = cache.get(path)
  if (!found) {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      throw new ConfigError(`${SERVICES_FILE} is missing: it declares the services the kit deploys`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new ConfigError(`${SERVICES_FILE}: malformed JSON (${(error as Error).message}): fix the file so it parses`)
    }
    found = parseServices(SERVICES_FILE, json)
    cache.set(path, found)
  }
  return found
}

/** A declared service by name, or a ConfigError listing the declared ones. Pure over `all`. */
export function serviceNamed(name: string, all: readonly ServiceDeclaration[] = declaredServices()): ServiceDeclaration {
  const found = all.find((s) => s.name === name)
  if (found) return found
  const why = SERVICE_NAME.test(name) ? `is not declared in ${SERVICES_FILE}` : 'is not a service name (letters, digits, - and _)'
  throw new ConfigError(`service "${name}" ${why} (available: ${all.map((s) => s.name).join(', ') || 'none'})`)
}

/** The service a script's argument names, or every selected service when it names none. */
export const selectedServices = (selected: readonly ServiceDeclaration[], name: string | undefined): readonly ServiceDeclaration[] =>
  name === undefined ? selected : [serviceNamed(name)]

/** A parameter's full path: <prefix>/<service>/<NAME>. Pure. */
export const parameterPath = (prefix: string, service: string, parameter: string): string => `${prefix}/${service}/${parameter}`

export interface ParameterValue {
  /** Full path, e.g. /cruddur/backend-flask/CONNECTION_URL. */
  path: string
  declaration: ParameterDeclaration
  value: string
}

/**
 * The values of the services' parameters, from the environment. One ConfigError names every
 * missing variable at once. Pure (registers nothing: the caller does).
 */
export function parameterValues(services: readonly ServiceDeclaration[], env: Env, prefix: string): ParameterValue[] {
  const variables = [...new Set(services.flatMap((s) => s.parameters.map((p) => p.from)))]
  if (variables.length === 0) return []
  // Each missing variable names the services whose parameters read it, and only those.
  const needing = (variable: string) => services.filter((s) => s.parameters.some((p) => p.from === variable)).map((s) => s.name)
  const missing = variables.filter((v) => get(env, v) === undefined)
  const groups = [...new Set(missing.map((v) => needing(v).join(', ')))]
  const purpose = groups.length === 1 ? `for the SSM parameters of ${groups[0]}` : `for the SSM parameters of ${missing.map((v) => `${needing(v).join(', ')} (${v})`).join(', ')}`
  const values = requireEnv(env, variables, purpose)
  return services.flatMap((s) =>
    s.parameters.map((p) => ({
      path: parameterPath(prefix, s.name, p.name),
      declaration: p,
      value: p.format ? p.format.split(`\${${p.from}}`).join(values[p.from]) : values[p.from],
    })),
  )
}

/** Variables whose values are secret because a declared secret parameter is read from them. Pure. */
export function secretSourceVariables(all: readonly ServiceDeclaration[]): string[] {
  return [...new Set(all.flatMap((s) => s.parameters.filter((p) => p.secret).map((p) => p.from)))]
}

/**
 * The declared secret variables, or none when the declarations cannot be read: scripts that
 * deal with services report that error themselves; the others (db/test, health-check) must
 * not fail for it.
 */
export function declaredSecretVariables(): string[] {
  try {
    return secretSourceVariables(declaredServices())
  } catch {
    return []
  }
}

/** What a template's secrets[] must name: one entry per declared parameter, by its name. Pure. */
export function secretsProblem(service: ServiceDeclaration, containerSecrets: ReadonlyArray<{ name?: unknown; valueFrom?: unknown }>): string | undefined {
  const declared = service.parameters.map((p) => p.name).sort()
  const named = containerSecrets.map((s) => String(s?.name)).sort()
  const missing = declared.filter((n) => !named.includes(n))
  const extra = named.filter((n) => !declared.includes(n))
  if (missing.length === 0 && extra.length === 0) return undefined
  const parts = [
    ...(missing.length ? [`lacks ${missing.join(', ')}`] : []),
    ...(extra.length ? [`names ${extra.join(', ')} that ${SERVICES_FILE} does not declare for ${service.name}`] : []),
  ]
  return `${service.taskDefinitionFile}: secrets[] ${parts.join(' and ')}: make secrets[] and the declaration's parameters agree`
}
