// A service's rendered task definition run on the local docker as Fargate would run it (what
// `ecs-cli local up` and `copilot run local` did): the image (pulled when not local), the
// environment, entry point and command, host networking, the secrets fetched from SSM and put
// in docker's own environment (never its arguments, never a file), and ECS's health check.
// The verdict comes from docker's health status.
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { connect } from 'node:net'
import type { RunContext } from '../aws/context.js'
import { ecrRegistry } from '../aws/arns.js'
import { get, type Env } from '../config/env.js'
import { declaredServices, type ServiceDeclaration } from '../config/services.js'
import { routedServices, urlPlaceholder } from '../front-door/routes.js'
import { urlPlaceholdersIn } from '../front-door/urls.js'
import { CheckFailed } from '../core/errors.js'
import { say, warn } from '../core/output.js'
import { portHolder, portTakenLine } from './ports.js'
import { registerSecret } from '../core/redact.js'
import { stepContext } from '../steps/step.js'
import type { Template } from '../templates/template.js'
import { defaultEcrLoginDeps, dockerReason, ecrLogin, normalizeRegistry } from '../ops/ecr-login.js'
import { containerState, docker, dockerOk, dockerStream, inspectImage, needsLogin, type ImageInfo } from './docker.js'
import { verdictDeadlineSeconds, verdictOf, type Verdict } from './health.js'
import { checkPlatform, progress, templatePlatform } from './images.js'
import { refuseRealAwsUnderEmulator } from '../aws/registry.js'
import { localImage, parseReference } from './naming.js'
import { mainContainer, runPlan, type RunPlan } from './task.js'

export const LOCAL_LABEL = 'cruddur-kit.run-local'

/** The container's name: one per service, replaced by the next run-local. Pure. */
export const localContainerName = (service: string): string => `${service}-local`

/** Every secret's value from SSM (decrypted), registered as a secret before anything can print it. */
export async function fetchSecrets(run: RunContext, secrets: RunPlan['secrets']): Promise<Record<string, string>> {
  if (secrets.length === 0) return {}
  const ssm = run.client(SSMClient, 'SSM')
  const names = [...new Set(secrets.map((s) => s.parameter))]
  const values = new Map<string, string>()
  const invalid: string[] = []
  for (let i = 0; i < names.length; i += 10) {
    const answer = await ssm.send(new GetParametersCommand({ Names: names.slice(i, i + 10), WithDecryption: true }))
    for (const p of answer.Parameters ?? []) {
      if (p.Name && p.Value !== undefined) {
        registerSecret(p.Value)
        values.set(p.Name, p.Value)
      }
    }
    // GetParameters reports missing names here, not as an error.
    invalid.push(...(answer.InvalidParameters ?? []))
  }
  const missing = secrets.filter((s) => !values.has(s.parameter))
  if (missing.length || invalid.length) {
    const list = missing.map((s) => `${s.name} (${s.parameter})`).join(', ')
    throw new CheckFailed(`the task's secrets ${list} are not in SSM Parameter Store: put them first (./scripts/ssm/put-parameters), or the task would fail to start on Fargate too`)
  }
  return Object.fromEntries(secrets.map((s) => [s.name, values.get(s.parameter) as string]))
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(500)
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => (socket.destroy(), resolve(false)))
  })
}

/** Refuse, before anything starts, a port something on this machine already listens on, naming it when it can be seen. */
async function refuseTakenPort(port: number): Promise<void> {
  const holder = portHolder(port)
  if (holder?.listening) throw new CheckFailed(portTakenLine(port, holder))
  // Without /proc, a connection that succeeds is the evidence.
  if (holder === undefined && (await portAnswers(port))) throw new CheckFailed(portTakenLine(port, {}))
}

/** The image local, pulled for the task's platform when not (logging in when the registry asks). */
async function ensureImage(image: string, platformName: string, env: Env): Promise<ImageInfo> {
  const local = await inspectImage(image, env)
  if (local) return local
  say(`Pulling ${image}`)
  const pull = () => dockerStream(['pull', '--platform', platformName, image], env, progress).done
  let ran = await pull()
  if (ran.code !== 0 && needsLogin(ran.stderr)) {
    const registry = parseReference(image).registry
    say(`Logging docker in to ${registry}`)
    await ecrLogin(registry, defaultEcrLoginDeps(env))
    ran = await pull()
  }
  if (ran.code !== 0) throw new CheckFailed(`docker pull ${image} failed: ${dockerReason(ran.stderr || ran.stdout)}: build and push it first (./scripts/image/build, ./scripts/image/push)`)
  const pulled = await inspectImage(image, env)
  if (!pulled) throw new CheckFailed(`there is no image ${image} after pulling it`)
  return pulled
}

export interface LocalRun {
  container: string
  image: string
  verdict: Verdict
  /** Seconds from the command's start to the verdict. */
  seconds: number
  plan: RunPlan
}

/** One line for a verdict. Pure. */
export function verdictLine(service: string, verdict: Verdict, seconds: number, logs?: string): string {
  const after = `after ${seconds.toFixed(1)} s`
  switch (verdict.kind) {
    case 'healthy':
      return `[OK] ${service} is healthy ${after} (last health check: ${verdict.output ? `"${verdict.output}"` : 'no output'})`
    case 'running':
      return `[OK] ${service} is running ${after} (the task definition has no health check: ECS would report its health UNKNOWN)`
    case 'unhealthy':
      return `[BAD] ${service} is unhealthy ${after}: ${verdict.failingStreak} health check${verdict.failingStreak === 1 ? '' : 's'} failed in a row; last exit ${verdict.exitCode ?? '?'}, output: ${verdict.output ? `"${verdict.output}"` : 'none'}`
    case 'exited':
      return `[BAD] ${service} exited with code ${verdict.exitCode}${verdict.oomKilled ? ' (out of memory)' : ''}${verdict.error ? ` (${verdict.error})` : ''} ${after}${logs ? `; its last output: ${logs}` : ''}`
    default:
      return `${service}: no verdict ${after}`
  }
}

/**
 * The services' URLs for a local run: each routed service on this machine's loopback at its
 * own port (http://127.0.0.1:3000 for the frontend, :4567 for the backend). run-local runs
 * containers on the host network, one port each, and no load balancer is in front of them,
 * so these are the origins a browser on this machine uses; the deployed front door's URLs
 * would point a local backend's CORS at the cloud frontend, not the one next to it. Pure.
 */
export function localServiceUrls(services: readonly ServiceDeclaration[]): Record<string, string> {
  return Object.fromEntries(routedServices(services).map((s) => [urlPlaceholder(s.name), `http://127.0.0.1:${s.containerPort}`]))
}

/** Start the container detached and wait for docker's health verdict. */
export async function startLocal(
  service: ServiceDeclaration,
  template: Template,
  run: RunContext,
  started: number,
  /** Called once the container runs, before the verdict (to follow its logs from the start). */
  onStarted?: (container: string) => void,
): Promise<LocalRun> {
  const env = run.env
  const ctx = await stepContext(run)
  ctx.discovered.serviceUrls = localServiceUrls(declaredServices())
  const urls = urlPlaceholdersIn(template.json)
  if (urls.length > 0) say(`Service URLs for a local run (no load balancer in front): ${urls.map((name) => `${name}=${ctx.discovered.serviceUrls?.[name] ?? '?'}`).join(' ')}`)
  const rendered = ctx.render(template)
  const platform = templatePlatform(template, env)
  const container = mainContainer(rendered, service.name, template.file)
  const override = get(env, 'ECR_REGISTRY')
  const image = localImage(container.image as string, ecrRegistry(ctx.accountId, ctx.region), override ? normalizeRegistry(override, 'ECR_REGISTRY') : undefined)
  refuseRealAwsUnderEmulator(env, parseReference(image).registry, 'ecs/run-local')
  const name = localContainerName(service.name)
  const plan = runPlan(container, { name, image, platform: platform.name, label: `${LOCAL_LABEL}=${service.name}`, file: template.file })
  for (const note of plan.notes) warn(`${template.file}: ${note}`)
  // Secrets first: a missing one fails here, before docker does anything.
  const secretValues = await fetchSecrets(run, plan.secrets)
  // (inspect fails in one line when docker is missing, its daemon is down or does not answer)
  if (await containerState(name, env)) {
    say(`Replacing the container ${name} of an earlier run-local`)
    await dockerOk(['rm', '--force', name], env, `docker rm ${name}`)
  }
  for (const port of plan.ports) await refuseTakenPort(port)
  const info = await ensureImage(image, platform.name, env)
  checkPlatform(image, info, platform)
  say(`Starting ${name} from ${image} (${platform.name}, host network${plan.ports.length ? `, port ${plan.ports.join(', ')}` : ''}${plan.secrets.length ? `, secrets ${plan.secrets.map((s) => s.name).join(', ')} from SSM` : ''})`)
  // Docker's own events wake the wait (health status, death), from just before the start.
  const since = Math.floor(Date.now() / 1000) - 1
  // The secrets' values only in docker's environment: `--env NAME` makes docker read them there.
  const ran = await docker(plan.args, { ...env, ...secretValues })
  if (ran.code !== 0) throw new CheckFailed(`docker run failed: ${dockerReason(ran.stderr || ran.stdout)}`)
  onStarted?.(name)
  const deadline = Date.now() + verdictDeadlineSeconds(plan.health) * 1000
  const settleAt = Date.now() + 2000
  let wake: (() => void) | undefined
  const events = dockerStream(['events', '--since', String(since), '--filter', `container=${name}`, '--format', '{{.Action}}'], env, () => wake?.(), Infinity)
  events.done.catch(() => undefined)
  try {
    for (;;) {
      const state = await containerState(name, env)
      if (!state) throw new CheckFailed(`the container ${name} disappeared (removed by someone else?)`)
      const verdict = verdictOf(state, plan.health !== undefined, Date.now() >= settleAt)
      if (verdict.kind !== 'pending') return { container: name, image, verdict, seconds: (performance.now() - started) / 1000, plan }
      if (Date.now() > deadline) {
        return { container: name, image, verdict: { kind: 'unhealthy', output: 'no verdict from docker in time', failingStreak: 0 }, seconds: (performance.now() - started) / 1000, plan }
      }
      // Until an event, or else at the health check's own pace (settle time without one), never past the deadline.
      const pace = plan.health ? plan.health.interval * 1000 : Math.max(0, settleAt - Date.now()) + 50
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pace, Math.max(0, deadline - Date.now()) + 50))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
  } finally {
    events.stop()
  }
}

/** The container's last log lines, one line, for an exit verdict. */
export async function lastLogs(name: string, env: Env): Promise<string> {
  const ran = await docker(['logs', '--tail', '5', name], env)
  return (ran.stdout + ran.stderr).trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' | ').slice(-400)
}

/** Stop and remove the container (quietly: it may be gone already). */
export async function removeContainer(name: string, env: Env): Promise<void> {
  await docker(['rm', '--force', name], env)
}
