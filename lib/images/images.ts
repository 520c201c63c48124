// Build, push and mirror: the guide's `docker build` / `docker tag` / `docker push` and its
// base-image step, each one call. Progress is streamed as docker prints it; the results are
// returned for the scripts to print (one summary line, or --json).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { get, type Env } from '../config/env.js'
import type { ServiceDeclaration } from '../config/services.js'
import { CheckFailed, ConfigError } from '../core/errors.js'
import { say, colour } from '../core/output.js'
import { registerSecret } from '../core/redact.js'
import { decodeAuthorizationToken, dockerReason, ecrLogin, resolveTarget, type EcrLoginDeps } from '../ops/ecr-login.js'
import { loadTemplate, parseTemplate, type Template } from '../templates/template.js'
import { docker, dockerOk, dockerStream, inspectImage, immutableTagRefusal, needsLogin, requireDaemon, type ImageInfo } from './docker.js'
import { platformMismatch, taskPlatform, type Platform } from './naming.js'
import { registryTimeoutMs, remoteImage, type Credentials } from './registry.js'
import { gitSourceTag, sourceFolder } from './source.js'
import { buildArgFlags } from './build-args.js'

/** The task-definition template a command reads: --task-definition FILE, else the service's own. */
export function taskTemplate(service: ServiceDeclaration, file: string | undefined, cwd: string): Template {
  if (file === undefined) return loadTemplate(service.taskDefinitionFile)
  let text: string
  try {
    text = readFileSync(resolve(cwd, file), 'utf8')
  } catch {
    throw new ConfigError(`--task-definition ${file}: no such file`)
  }
  return parseTemplate(file, text)
}

/** The platform a template's task runs on (its runtimePlatform, placeholders read from the environment). */
export function templatePlatform(template: Template, env: Env): Platform {
  const raw = JSON.stringify((template.json as { runtimePlatform?: unknown })?.runtimePlatform ?? {})
  const filled = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => get(env, name) ?? '')
  return taskPlatform({ runtimePlatform: JSON.parse(filled) }, template.file)
}

/** Progress lines from docker, indented and dimmed so the kit's own lines stand out. */
export const progress = (line: string): void => {
  if (line.trim()) say(colour.dim(`  ${line}`))
}
const dockerProgress = progress
const sayLine = say
/** docker's lines, indented, to a caller's own printer (the kit's API). */
const indented = (print: (line: string) => void) => (line: string): void => {
  if (line.trim()) print(`  ${line}`)
}

const seconds = (since: number): number => Number(((performance.now() - since) / 1000).toFixed(2))

/** Refuse an image that cannot run on the task's platform (on Fargate: "exec format error"). */
export function checkPlatform(image: string, info: ImageInfo, platform: Platform): void {
  const problem = platformMismatch(info, platform)
  if (problem) {
    throw new CheckFailed(
      `${image}: ${problem}; on Fargate it would fail with "exec format error". Build it for ${platform.name} ` +
        `(docker build --platform ${platform.name} with BuildKit: DOCKER_BUILDKIT=1; the legacy builder ignores --platform for some bases), ` +
        `or set runtimePlatform.cpuArchitecture in the task definition to match`,
    )
  }
}

export interface Built {
  image: string
  repository: string
  tag: string
  platform: string
  /** The image id (sha256 of its config). */
  digest: string
  size: number
  seconds: number
  /** The build arguments passed (json/services.json buildArgs, rendered), when the service declares any. */
  buildArgs?: Record<string, string>
}

export async function buildImage(
  service: ServiceDeclaration,
  options: { context?: string; tag?: string; template: Template; env: Env; cwd: string; print?: (line: string) => void; buildArgs?: Record<string, string> },
): Promise<Built> {
  const started = performance.now()
  const say = options.print ?? sayLine
  const progress = options.print ? indented(options.print) : dockerProgress
  const platform = templatePlatform(options.template, options.env)
  const source = await sourceFolder(service, options.context, options.cwd, options.env)
  await requireDaemon(options.env)
  const tag = options.tag ?? (await gitSourceTag(source.dir, options.env))
  const image = `${service.repository}:${tag}`
  say(`Building ${image} for ${platform.name} from ${source.dir}`)
  const buildArgs = options.buildArgs ?? {}
  const passed = Object.keys(buildArgs).length > 0
  // URLs, not secrets (resolveBuildArgs refuses a value carrying one): shown as passed.
  if (passed) say(`Build arguments: ${Object.entries(buildArgs).map(([name, value]) => `${name}=${value}`).join(' ')}`)
  const ran = await dockerStream(['build', '--platform', platform.name, '--tag', image, ...buildArgFlags(buildArgs), '--file', source.dockerfile, source.dir], options.env, progress).done
  if (ran.code !== 0) {
    if (/buildx component is missing|requires the buildx/i.test(ran.stderr)) {
      throw new CheckFailed('docker build failed: BuildKit is on (DOCKER_BUILDKIT=1) but the buildx plugin is missing: install docker-buildx, or run with DOCKER_BUILDKIT=0 for the legacy builder')
    }
    throw new CheckFailed(`docker build of ${image} failed: ${dockerReason(ran.stderr || ran.stdout)}`)
  }
  const info = await inspectImage(image, options.env)
  if (!info) throw new CheckFailed(`docker build said it succeeded but there is no image ${image}`)
  try {
    checkPlatform(image, info, platform)
  } catch (error) {
    // Nothing half-done: the wrong-platform image does not keep the tag push would use.
    await docker(['image', 'rm', image], options.env)
    throw error
  }
  return { image, repository: service.repository, tag, platform: platform.name, digest: info.id, size: info.size, seconds: seconds(started), ...(passed ? { buildArgs } : {}) }
}

export interface Pushed {
  image: string
  registry: string
  repository: string
  tag: string
  /** The manifest digest in the registry. */
  digest: string
  /** False when the registry already held the same image under the tag. */
  pushed: boolean
  seconds: number
}

/** Where images go: ECR_REGISTRY, else the account's ECR; never a real AWS host while AWS is an emulator. */
export async function pushTarget(env: Env, deps: EcrLoginDeps): Promise<{ registry: string; region: string }> {
  // resolveTarget refuses to derive a real AWS registry under a local emulator (lib/aws/registry.ts).
  return resolveTarget(undefined, env, deps)
}

/** The registry's credentials (ECR's GetAuthorizationToken, or the emulator's), registered as secrets. */
async function registryCredentials(region: string, deps: EcrLoginDeps): Promise<Credentials> {
  const { token } = await deps.getToken(region)
  registerSecret(token)
  const { username, password } = decodeAuthorizationToken(token)
  registerSecret(password)
  return { username, password }
}

/**
 * Put a local image into the registry under repository:tag, unless the registry already holds
 * that very image there (asked of the registry's API: no upload, no login at all then). When
 * a push is needed, logs docker in first (ecr/login's way, password on stdin).
 */
export async function pushLocalImage(
  local: string,
  info: ImageInfo,
  target: { registry: string; region: string },
  repository: string,
  tag: string,
  deps: EcrLoginDeps,
  print?: (line: string) => void,
): Promise<Omit<Pushed, 'seconds'>> {
  const env = deps.env
  const say = print ?? sayLine
  const progress = print ? indented(print) : dockerProgress
  const remoteRef = `${target.registry}/${repository}:${tag}`
  const credentials = await registryCredentials(target.region, deps)
  const remote = await remoteImage(target.registry, repository, tag, credentials, { timeoutMs: registryTimeoutMs(env) })
  const base = { image: remoteRef, registry: target.registry, repository, tag }
  if (remote?.configDigest === info.id) return { ...base, digest: remote.digest, pushed: false }
  await dockerOk(['tag', local, remoteRef], env, `docker tag ${local} ${remoteRef}`)
  // A push is needed: log docker in first (ECR logins expire after 12 h, so an old one is no proof).
  say(`Logging docker in to ${target.registry}`)
  await ecrLogin(target.registry, deps)
  say(`Pushing ${remoteRef}${remote ? ` (the registry's ${tag} is another image: ${remote.digest.slice(0, 19)})` : ''}`)
  let ran = await dockerStream(['push', remoteRef], env, progress).done
  if (ran.code !== 0 && needsLogin(ran.stderr)) {
    // Refused for want of a login all the same (a token that expired or was replaced meanwhile): once more, freshly logged in.
    say(`${target.registry} refused the push (${dockerReason(ran.stderr)}): logging docker in again and retrying once`)
    await ecrLogin(target.registry, deps)
    ran = await dockerStream(['push', remoteRef], env, progress).done
  }
  if (ran.code !== 0) {
    if (immutableTagRefusal(ran.stderr)) {
      throw new CheckFailed(
        `${repository} already has a different image tagged ${tag}, and its tags are immutable: push under a new tag (--tag, e.g. the next commit), or delete that tag first`,
      )
    }
    throw new CheckFailed(`docker push ${remoteRef} failed: ${dockerReason(ran.stderr || ran.stdout)}`)
  }
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(ran.stdout + ran.stderr)?.[1]
  if (!digest) throw new CheckFailed(`docker push ${remoteRef} printed no digest: check the registry`)
  return { ...base, digest, pushed: true }
}

export async function pushImage(
  service: ServiceDeclaration,
  options: { tag?: string; context?: string; template: Template; deps: EcrLoginDeps; cwd: string; print?: (line: string) => void },
): Promise<Pushed> {
  const started = performance.now()
  const env = options.deps.env
  const platform = templatePlatform(options.template, env)
  const target = await pushTarget(env, options.deps)
  let tag = options.tag
  if (tag === undefined) tag = await gitSourceTag((await sourceFolder(service, options.context, options.cwd, env)).dir, env)
  const local = `${service.repository}:${tag}`
  // (no separate daemon check: inspect says "not running" in the same one line)
  const info = await inspectImage(local, env)
  if (!info) throw new CheckFailed(`there is no local image ${local}: build it first with ./scripts/image/build ${service.name}${options.tag ? ` --tag ${options.tag}` : ''}`)
  checkPlatform(local, info, platform)
  const done = await pushLocalImage(local, info, target, service.repository, tag, options.deps, options.print)
  return { ...done, seconds: seconds(started) }
}

export async function mirrorImage(
  image: string,
  reference: { repository: string; tag: string },
  options: { platform: Platform; deps: EcrLoginDeps },
): Promise<Pushed & { pulled: boolean }> {
  const started = performance.now()
  const env = options.deps.env
  const target = await pushTarget(env, options.deps)
  await requireDaemon(env)
  let info = await inspectImage(image, env)
  let pulled = false
  if (!info) {
    say(`Pulling ${image} for ${options.platform.name}`)
    const ran = await dockerStream(['pull', '--platform', options.platform.name, image], env, progress).done
    if (ran.code !== 0) throw new CheckFailed(`docker pull ${image} failed: ${dockerReason(ran.stderr || ran.stdout)}`)
    info = await inspectImage(image, env)
    if (!info) throw new CheckFailed(`docker pull ${image} said it succeeded but there is no such image`)
    pulled = true
  }
  checkPlatform(image, info, options.platform)
  const done = await pushLocalImage(image, info, target, reference.repository, reference.tag, options.deps)
  return { ...done, pulled, seconds: seconds(started) }
}
