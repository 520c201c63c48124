// ecs/run-local as the kit's API and script run it (moved from scripts/ecs/run-local.ts): a
// service's task definition on the local docker as Fargate would run it, before any money is
// spent: the image, environment, entry point and command, host networking, secrets from SSM,
// and ECS's health check, ending in a verdict (healthy or unhealthy, with the last output).
import { constants } from 'node:os'
import type { RunContext } from '../aws/context.js'
import { EXIT, UsageError, type ExitCode } from '../core/errors.js'
import { serviceNamed } from '../config/services.js'
import { containerState, docker, dockerStream } from './docker.js'
import { taskTemplate } from './images.js'
import { lastLogs, localContainerName, removeContainer, startLocal, verdictLine } from './run-local.js'

/** What `ecs/run-local --detach --json` prints. */
export interface LocalRunDocument {
  container: string
  image: string
  verdict: string
  seconds: number
  lastHealthOutput?: string
}

export interface RunLocalOptions {
  /** Leave the container running and return at the verdict (the API always does). */
  detach?: boolean
  /** The task-definition template to run (default task-definitions/SERVICE.json), relative to `cwd`. */
  taskDefinition?: string
  /** With detach: print the document as a line (the script's --json). */
  json?: boolean
}

export interface RunLocalIo {
  line(text: string): void
  ok(text: string): void
  bad(text: string): void
  /** Where relative paths are resolved. */
  cwd: string
  /** When the command started (performance.now()), for the verdict's time. */
  started: number
}

export async function runLocalService(
  run: RunContext,
  name: string | undefined,
  values: RunLocalOptions,
  io: RunLocalIo,
): Promise<{ exitCode: ExitCode; document?: LocalRunDocument; verdict?: string }> {
  const { line: say, ok, bad, started } = io
  if (!name) throw new UsageError('name the service to run, e.g. ./scripts/ecs/run-local backend-flask')
  if (values.json && !values.detach) throw new UsageError('--json goes with --detach (without it the command follows the logs)')
  const service = serviceNamed(name)
  const template = taskTemplate(service, values.taskDefinition, io.cwd)
  const env = run.env
  let logs: ReturnType<typeof dockerStream> | undefined
  let interrupted = false
  let following = false
  let wake: (() => void) | undefined
  const stopped = new Promise<'interrupt'>((resolve) => (wake = () => resolve('interrupt')))
  // Ctrl-C, a kill (SIGTERM) or a closed terminal (SIGHUP): while following, stop and remove the
  // container below; before that (with detach too, until the verdict), remove what was
  // started and leave, so no container is left holding the port.
  let leaving: Promise<never> | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true
    if (following) wake?.()
    else leaving ??= removeContainer(localContainerName(service.name), env).catch(() => undefined).then(() => process.exit(128 + (constants.signals[signal] ?? 1)))
  }
  const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of SIGNALS) process.on(signal, onSignal)
  const release = () => {
    for (const signal of SIGNALS) process.off(signal, onSignal)
  }
  try {
    return await runLocalUntilDone()
  } catch (error) {
    // The wait may see the container the signal removed gone before the removal ends: the
    // signal's exit, not that error.
    if (leaving) await leaving
    throw error
  } finally {
    release()
  }

  async function runLocalUntilDone(): Promise<{ exitCode: ExitCode; document?: LocalRunDocument; verdict?: string }> {
    // Without detach, the container's output from its start, as it comes (redacted like every
    // line the kit prints), while the health check decides.
    const follow = (container: string) => {
      logs = dockerStream(['logs', '--follow', container], env, (line) => say(line), Infinity)
    }
    const local = await startLocal(service, template, run, started, values.detach ? undefined : follow)
    const container = local.container
    const healthy = local.verdict.kind === 'healthy' || local.verdict.kind === 'running'
    const tail = local.verdict.kind === 'exited' ? await lastLogs(container, env) : undefined
    const line = verdictLine(service.name, local.verdict, local.seconds, tail)
    if (healthy) ok(line)
    else bad(line)
    const document: LocalRunDocument = { container, image: local.image, verdict: local.verdict.kind, seconds: Number(local.seconds.toFixed(2)), lastHealthOutput: 'output' in local.verdict ? local.verdict.output : undefined }

    if (values.detach) {
      release()
      say(`The container ${container} is left ${local.verdict.kind === 'exited' ? 'stopped' : 'running'}: docker logs -f ${container}; remove it with docker rm -f ${container}`)
      // --json: the document is the last line, as --help promises.
      if (values.json) say(JSON.stringify(document))
      return { exitCode: healthy ? EXIT.ok : EXIT.failed, document, verdict: line }
    }
    if (local.verdict.kind === 'exited') {
      await logs?.done
      await removeContainer(container, env)
      return { exitCode: EXIT.failed }
    }
    say(`Following ${container}'s output; Ctrl-C stops and removes it`)
    following = true
    if (interrupted) wake?.()
    await Promise.race([stopped, (logs as NonNullable<typeof logs>).done])
    const state = interrupted ? undefined : await containerState(container, env)
    if (!interrupted && state?.Running !== true) {
      if (state) bad(`[BAD] ${service.name} exited with code ${state.ExitCode}`)
      await removeContainer(container, env)
      return { exitCode: EXIT.failed }
    }
    say(`Stopping and removing ${container}`)
    logs?.stop()
    await docker(['stop', container], env)
    await removeContainer(container, env)
    return { exitCode: healthy ? EXIT.ok : EXIT.failed }
  }
}
