// The container registry a command hands to docker: a host[:port] checked strictly (a value
// docker could read as an option never reaches it), and the one rule for local emulators:
// while AWS calls go to an emulator on this machine, no command sends docker to a real AWS
// host unless the user named that registry. Pure.
import { get, type Env } from '../config/env.js'
import { ConfigError, UsageError } from '../core/errors.js'
import { endpointFor } from './clients.js'
import { isLoopbackUrl } from './emulator.js'

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?$`)

/**
 * A registry as docker wants it: host[:port], no scheme, no path. Anything else (a value
 * starting with "-", spaces, a path, a port out of range) is refused with a ConfigError, or
 * a UsageError when it came from a flag. Pure.
 */
export function checkRegistry(text: string, source: string): string {
  const host = text.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '')
  const match = HOST.exec(host)
  const port = match?.[1] === undefined ? undefined : Number(match[1])
  if (!match || host.length > 253 || (port !== undefined && (port < 1 || port > 65535))) {
    const Invalid = source.startsWith('--') ? UsageError : ConfigError
    throw new Invalid(`${source} must be a registry host like 123456789012.dkr.ecr.eu-west-2.amazonaws.com or localhost:5000 (letters, digits, dots, dashes, an optional :port), got "${text}"`)
  }
  return host
}

/** Whether a host is one of AWS's own (*.amazonaws.com, *.amazonaws.com.cn), port or not. Pure. */
export function isAwsHost(host: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?(:\d+)?$/i.test(host)
}

/** The local emulator AWS calls go to for a service (its endpoint is on loopback), if any. Pure. */
export function localEmulator(env: Env, service: 'ECR' = 'ECR'): string | undefined {
  const endpoint = endpointFor(env, service)
  return endpoint && isLoopbackUrl(endpoint) ? endpoint : undefined
}

/**
 * Refuse, before anything is asked or run, a command that would hand a tool outside the SDK
 * (docker) a real AWS host it did not get from the user, while AWS calls go to a local emulator:
 * the emulator's account and token mean nothing there, and the tool would go to the network.
 * `host` is the registry the command derived (undefined: it will derive an AWS one). Pure.
 */
export function refuseRealAwsUnderEmulator(env: Env, host: string | undefined, what: string): void {
  const emulator = localEmulator(env)
  if (!emulator || (host !== undefined && !isAwsHost(host))) return
  throw new ConfigError(
    `AWS calls go to a local emulator (${emulator}), but ${what} would send docker to a real AWS registry` +
      `${host ? ` (${host})` : ''}: set ECR_REGISTRY to the registry to use with the emulator (e.g. ECR_REGISTRY=localhost:5000 in .env or the environment), or unset AWS_ENDPOINT_URL to use AWS`,
  )
}

/** ECR_REGISTRY, checked, when set. Pure. */
export function registryFromEnv(env: Env): string | undefined {
  const value = get(env, 'ECR_REGISTRY')
  return value === undefined ? undefined : checkRegistry(value, 'ECR_REGISTRY')
}
