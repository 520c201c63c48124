// The kit's few docker calls, over lib/core/shell.ts: argument arrays, output captured or
// streamed line by line, and docker's failures turned into one line that says how to fix them
// (not installed, daemon not running, or docker's own reason).
import type { Env } from '../config/env.js'
import { CheckFailed } from '../core/errors.js'
import { stream, type Ran, type Streaming } from '../core/shell.js'
import { DAEMON_DOWN, DAEMON_DOWN_MESSAGE, DOCKER_INSTALL_HINT, daemonSilent, dockerReason, dockerTimeoutMs } from '../ops/ecr-login.js'
export { daemonName, daemonSilent, dockerTimeoutMs } from '../ops/ecr-login.js'
import type { ContainerState } from './health.js'

export const DOCKER_MISSING_MESSAGE = `docker is not installed (not found on PATH): ${DOCKER_INSTALL_HINT}`

function missing(error: unknown): never {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(error instanceof CheckFailed)) throw new CheckFailed(DOCKER_MISSING_MESSAGE)
  throw error
}

/** The bound of a build, push or pull: long, but a bound (a daemon that stops answering midway ends it). */
export const LONG_DOCKER_CALL_MS = 60 * 60 * 1000

export const DOCKER_TIMEOUT_HELP = { name: 'DOCKER_TIMEOUT', description: 'seconds the Docker daemon has to answer each short docker call (default 30; builds, pushes and pulls get 60 min)' } as const

/** A running docker that is stopped at its deadline; `done` then rejects with daemonSilent. */
function bounded(running: Streaming, env: Env, args: readonly string[], ms: number): Streaming {
  let late = false
  const timer = setTimeout(() => {
    late = true
    running.stop('SIGKILL')
  }, ms)
  return {
    stop: running.stop,
    done: running.done.finally(() => clearTimeout(timer)).then((ran) => {
      if (late) throw daemonSilent(env, args, ms)
      return ran
    }),
  }
}

/**
 * docker with its output captured, bounded by DOCKER_TIMEOUT. Throws CheckFailed when docker
 * is missing, its daemon is down, or it does not answer in time. Spawned directly
 * (shell.stream, no zx): these calls are many and short, and zx's load alone would cost a
 * third of a second.
 */
export async function docker(args: readonly string[], env: Env, input?: string): Promise<Ran> {
  let ran: Ran
  try {
    const running = stream('docker', args, { env, ...(input !== undefined ? { input } : {}), onLine: () => {} })
    ran = await bounded(running, env, args, dockerTimeoutMs(env)).done
  } catch (error) {
    missing(error)
  }
  if (ran.code !== 0 && DAEMON_DOWN.test(ran.stderr)) throw new CheckFailed(DAEMON_DOWN_MESSAGE)
  return ran
}

/** docker that must succeed: its stdout, or a CheckFailed "<what> failed: <docker's reason>". */
export async function dockerOk(args: readonly string[], env: Env, what: string, input?: string): Promise<string> {
  const ran = await docker(args, env, input)
  if (ran.code !== 0) throw new CheckFailed(`${what} failed: ${dockerReason(ran.stderr || ran.stdout)}`)
  return ran.stdout
}

/**
 * docker with each output line handed to onLine as it comes (build, push, pull), bounded by
 * `deadlineMs` (default LONG_DOCKER_CALL_MS); Infinity only for what the user ends (logs -f, events).
 */
export function dockerStream(
  args: readonly string[],
  env: Env,
  onLine: (line: string, from: 'stdout' | 'stderr') => void,
  deadlineMs: number = LONG_DOCKER_CALL_MS,
): Streaming {
  let running: Streaming
  try {
    running = stream('docker', args, { env, onLine })
  } catch (error) {
    missing(error)
  }
  if (Number.isFinite(deadlineMs)) running = bounded(running, env, args, deadlineMs)
  return {
    stop: running.stop,
    done: running.done.then((ran) => {
      if (ran.code !== 0 && DAEMON_DOWN.test(ran.stderr)) throw new CheckFailed(DAEMON_DOWN_MESSAGE)
      return ran
    }, missing),
  }
}

/** Fail early, in one line, when docker is missing or its daemon is not running. */
export async function requireDaemon(env: Env): Promise<void> {
  await dockerOk(['version', '--format', '{{.Server.Version}}'], env, 'docker version')
}

export interface ImageInfo {
  id: string
  os?: string
  architecture?: string
  variant?: string
  size: number
  repoDigests: string[]
}

/** A local image, or undefined when docker has none by that reference. */
export async function inspectImage(reference: string, env: Env): Promise<ImageInfo | undefined> {
  const ran = await docker(['image', 'inspect', '--format', '{{json .}}', reference], env)
  if (ran.code !== 0) {
    if (/no such image/i.test(ran.stderr)) return undefined
    throw new CheckFailed(`docker image inspect ${reference} failed: ${dockerReason(ran.stderr)}`)
  }
  const raw = JSON.parse(ran.stdout) as { Id: string; Os?: string; Architecture?: string; Variant?: string; Size?: number; RepoDigests?: string[] }
  return {
    id: raw.Id,
    ...(raw.Os ? { os: raw.Os } : {}),
    ...(raw.Architecture ? { architecture: raw.Architecture } : {}),
    ...(raw.Variant ? { variant: raw.Variant } : {}),
    size: raw.Size ?? 0,
    repoDigests: raw.RepoDigests ?? [],
  }
}

/** A container's state, or undefined when there is no such container. */
export async function containerState(name: string, env: Env): Promise<ContainerState | undefined> {
  const ran = await docker(['container', 'inspect', '--format', '{{json .State}}', name], env)
  if (ran.code !== 0) {
    if (/no such (container|object)/i.test(ran.stderr)) return undefined
    throw new CheckFailed(`docker container inspect ${name} failed: ${dockerReason(ran.stderr)}`)
  }
  return JSON.parse(ran.stdout) as ContainerState
}

/** Why a push or pull was refused for want of a login, if that is why. Pure. */
export const needsLogin = (stderr: string): boolean =>
  /no basic auth credentials|unauthorized|authentication required|denied: (?:requested access|your authorization token has expired)|401 Unauthorized/i.test(stderr)

/** ECR's refusal to overwrite a tag of an immutable repository. Pure. */
export const immutableTagRefusal = (stderr: string): boolean => /cannot be overwritten because the (?:repository|tag) is immutable|ImageTagAlreadyExistsException|tag invalid:.*immutable/i.test(stderr)
