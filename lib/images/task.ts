// A rendered task definition's main container as a `docker run` on the local machine, the way
// Fargate would start it: same image, environment, entry point and command, host networking
// (awsvpc gives the task its own interface; on one machine that is the host's), the health
// check in docker's terms, and secrets by name only: their values go in docker's environment,
// never in its arguments. Pure.
import { ConfigError } from '../core/errors.js'
import { healthFlags, healthSettings, type HealthSettings } from './health.js'

export interface ContainerDefinition {
  name?: string
  image?: string
  essential?: boolean
  entryPoint?: string[]
  command?: string[]
  environment?: Array<{ name?: string; value?: string }>
  secrets?: Array<{ name?: string; valueFrom?: string }>
  environmentFiles?: unknown[]
  portMappings?: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>
  healthCheck?: Record<string, unknown>
  workingDirectory?: string
  user?: string
  readonlyRootFilesystem?: boolean
  stopTimeout?: number
  linuxParameters?: { initProcessEnabled?: boolean }
}

/** The container a service runs: the one named after it, else the only one. Pure. */
export function mainContainer(taskDefinition: unknown, service: string, file: string): ContainerDefinition {
  const containers = (taskDefinition as { containerDefinitions?: ContainerDefinition[] })?.containerDefinitions
  if (!Array.isArray(containers) || containers.length === 0) throw new ConfigError(`${file}: containerDefinitions is empty`)
  const found = containers.find((c) => c?.name === service) ?? (containers.length === 1 ? containers[0] : undefined)
  if (!found) {
    throw new ConfigError(`${file}: no container is named ${service} (found ${containers.map((c) => c?.name).join(', ')}): name the service's main container after it`)
  }
  if (typeof found.image !== 'string' || !found.image) throw new ConfigError(`${file}: container ${found.name}'s image is empty`)
  return found
}

/** An SSM parameter's name from a secret's valueFrom: a name, or an ARN arn:aws:ssm:REGION:ACCOUNT:parameter/NAME. Pure. */
export function ssmParameterName(valueFrom: string): string {
  const arn = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter(\/.*)$/.exec(valueFrom)
  if (arn) return arn[1]
  if (valueFrom.startsWith('arn:')) {
    throw new ConfigError(`secret valueFrom ${valueFrom} is not an SSM parameter: run-local fetches SSM parameters only (Secrets Manager is not supported)`)
  }
  return valueFrom.startsWith('/') ? valueFrom : `/${valueFrom}`
}

export interface RunPlan {
  /** `docker run` arguments, without the image's own start (image and command are at the end). */
  args: string[]
  /** Secrets: the container variable and the SSM parameter it comes from. Values go in docker's environment. */
  secrets: Array<{ name: string; parameter: string }>
  health?: HealthSettings
  ports: number[]
  /** Things ECS does that the local run does not, to say once. */
  notes: string[]
}

/** The `docker run -d` for a container definition. Pure. */
export function runPlan(container: ContainerDefinition, options: { name: string; image: string; platform: string; label: string; file: string }): RunPlan {
  const where = `${options.file}: container ${container.name ?? '?'}`
  const args = ['run', '--detach', '--name', options.name, '--network', 'host', '--platform', options.platform, '--label', options.label]
  const notes: string[] = []
  if (container.linuxParameters?.initProcessEnabled) args.push('--init')
  if (container.user) args.push('--user', container.user)
  if (container.workingDirectory) args.push('--workdir', container.workingDirectory)
  if (container.readonlyRootFilesystem) args.push('--read-only')
  if (typeof container.stopTimeout === 'number') args.push('--stop-timeout', String(container.stopTimeout))
  for (const variable of container.environment ?? []) {
    if (!variable?.name) throw new ConfigError(`${where}: an environment entry has no name`)
    args.push('--env', `${variable.name}=${variable.value ?? ''}`)
  }
  const secrets = (container.secrets ?? []).map((s) => {
    if (!s?.name || !s.valueFrom) throw new ConfigError(`${where}: each secret needs a name and a valueFrom`)
    return { name: s.name, parameter: ssmParameterName(s.valueFrom) }
  })
  // By name only: docker reads each value from its own environment.
  for (const s of secrets) args.push('--env', s.name)
  if (container.environmentFiles?.length) notes.push('environmentFiles (S3) are not read locally')
  const health = container.healthCheck ? healthSettings(container.healthCheck, `${where} healthCheck`) : undefined
  args.push(...healthFlags(health))
  const entry = container.entryPoint ?? []
  if (entry.length) args.push('--entrypoint', entry[0])
  args.push(options.image, ...entry.slice(1), ...(container.command ?? []))
  const ports = (container.portMappings ?? []).map((p) => p?.containerPort).filter((p): p is number => typeof p === 'number')
  for (const p of container.portMappings ?? []) {
    if (p?.hostPort !== undefined && p.hostPort !== p.containerPort) throw new ConfigError(`${where}: hostPort ${p.hostPort} differs from containerPort ${p.containerPort}, which awsvpc (Fargate) does not allow`)
  }
  return { args, secrets, ...(health ? { health } : {}), ports, notes }
}
