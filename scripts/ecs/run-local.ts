// Run a service's task definition on the local docker as Fargate would, before any money is
// spent: the image, environment, entry point and command, host networking, secrets from SSM,
// and ECS's health check, ending in a verdict (healthy or unhealthy, with the last output).
import { constants } from 'node:os'
import { runAwsScript } from '../../lib/core/boundary.js'
import { EXIT, UsageError } from '../../lib/core/errors.js'
import { bad, ok, say } from '../../lib/core/output.js'
import { serviceNamed } from '../../lib/config/services.js'
import { envHelp } from '../../lib/config/variables.js'
import { docker, dockerStream, DOCKER_TIMEOUT_HELP } from '../../lib/images/docker.js'
import { taskTemplate } from '../../lib/images/images.js'
import { containerState } from '../../lib/images/docker.js'
import { lastLogs, localContainerName, removeContainer, startLocal, verdictLine } from '../../lib/images/run-local.js'

const started = performance.now()
await runAwsScript(
  {
    name: 'ecs/run-local',
    summary:
      "Run a service's rendered task definition on the local docker as Fargate would (image, environment, entry point, " +
      'command, host networking, secrets from SSM, the health check), and say whether it becomes healthy.',
    positionals: [{ name: 'SERVICE', description: 'a service declared in json/services.json, e.g. backend-flask' }],
    options: {
      detach: { type: 'boolean', description: 'leave the container running; exit 0 when healthy, 1 when unhealthy or exited' },
      'task-definition': { type: 'string', placeholder: 'FILE', description: 'task-definition template to run (default task-definitions/SERVICE.json)' },
      json: { type: 'boolean', description: 'with --detach: print one JSON document as the last line' },
    },
    env: [
      ...envHelp('ECR_REGISTRY', 'IMAGE_TAG', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'SSM_PREFIX', 'AWS_COGNITO_USER_POOL_ID', 'AWS_COGNITO_USER_POOL_CLIENT_ID'),
      { name: 'DOCKER_HOST', description: "docker's daemon" },
      DOCKER_TIMEOUT_HELP,
    ],
    notes: [
      'The container is SERVICE-local, on the host network (one port each, as awsvpc gives a task its own).',
      'Secrets are read from SSM (decrypted) and handed to docker in its environment (`--env NAME`): never in a',
      'process argument, the output, or a file. The health check keeps ECS meaning: CMD-SHELL, interval, timeout,',
      'retries and startPeriod become docker --health-* flags (the first check runs one interval after start).',
      'Without --detach it follows the logs until Ctrl-C (or SIGTERM, or the terminal closing), then stops and removes the',
      'container; a signal before the verdict removes it with --detach too. A port already taken is refused before',
      'anything starts, naming the process that holds it when this user can see it.',
    ],
  },
  'read-only',
  async ({ values, positionals }, run) => {
    const name = positionals[0]
    if (!name) throw new UsageError('name the service to run, e.g. ./scripts/ecs/run-local backend-flask')
    if (values.json && !values.detach) throw new UsageError('--json goes with --detach (without it the command follows the logs)')
    const service = serviceNamed(name)
    const template = taskTemplate(service, values['task-definition'], process.cwd())
    const env = run.env
    let logs: ReturnType<typeof dockerStream> | undefined
    let interrupted = false
    let following = false
    let wake: (() => void) | undefined
    const stopped = new Promise<'interrupt'>((resolve) => (wake = () => resolve('interrupt')))
    // Ctrl-C, a kill (SIGTERM) or a closed terminal (SIGHUP): while following, stop and remove the
    // container below; before that (with --detach too, until the verdict), remove what was
    // started and leave, so no container is left holding the port.
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted = true
      if (following) wake?.()
      else void removeContainer(localContainerName(service.name), env).catch(() => undefined).finally(() => process.exit(128 + (constants.signals[signal] ?? 1)))
    }
    const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
    for (const signal of SIGNALS) process.on(signal, onSignal)
    const release = () => {
      for (const signal of SIGNALS) process.off(signal, onSignal)
    }

    // Without --detach, the container's output from its start, as it comes (redacted like every
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

    if (values.detach) {
      release()
      say(`The container ${container} is left ${local.verdict.kind === 'exited' ? 'stopped' : 'running'}: docker logs -f ${container}; remove it with docker rm -f ${container}`)
      // --json: the document is the last line, as --help promises.
      if (values.json) say(JSON.stringify({ container, image: local.image, verdict: local.verdict.kind, seconds: Number(local.seconds.toFixed(2)), lastHealthOutput: 'output' in local.verdict ? local.verdict.output : undefined }))
      return healthy ? EXIT.ok : EXIT.failed
    }
    if (local.verdict.kind === 'exited') {
      await logs?.done
      await removeContainer(container, env)
      return EXIT.failed
    }
    say(`Following ${container}'s output; Ctrl-C stops and removes it`)
    following = true
    if (interrupted) wake?.()
    await Promise.race([stopped, (logs as NonNullable<typeof logs>).done])
    const state = interrupted ? undefined : await containerState(container, env)
    if (!interrupted && state?.Running !== true) {
      if (state) bad(`[BAD] ${service.name} exited with code ${state.ExitCode}`)
      await removeContainer(container, env)
      return EXIT.failed
    }
    say(`Stopping and removing ${container}`)
    logs?.stop()
    await docker(['stop', container], env)
    await removeContainer(container, env)
    release()
    return healthy ? EXIT.ok : EXIT.failed
  },
)
