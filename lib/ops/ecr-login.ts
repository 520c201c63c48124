// `docker login` to ECR without the aws CLI: GetAuthorizationToken through the SDK, the
// password registered as a secret the moment it is decoded, and handed to docker on stdin
// only (never in argv, where `ps` shows it, and never printed).
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { openContext, resolveRegion, type RunContext } from '../aws/context.js'
import { ecrRegistry } from '../aws/arns.js'
import { checkRegistry, refuseRealAwsUnderEmulator, registryFromEnv } from '../aws/registry.js'
import { get, secondsVariable, type Env } from '../config/env.js'
import { CheckFailed } from '../core/errors.js'
import { registerSecret } from '../core/redact.js'
import { capture } from '../core/shell.js'

/** How long an ECR token lasts (the API says 12 hours). */
export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000

export const DOCKER_INSTALL_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install docker.io) or work in Gitpod, whose workspaces have docker'

export interface Credentials {
  username: string
  password: string
}

/** Decode ECR's base64 "AWS:password" token. Pure; the caller registers the password as a secret. */
export function decodeAuthorizationToken(token: string): Credentials {
  const text = Buffer.from(token, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon <= 0 || colon === text.length - 1) {
    throw new CheckFailed('ECR returned an authorization token that is not base64 "user:password"')
  }
  const username = text.slice(0, colon)
  // The user name goes to docker as an argument: nothing that could read as an option.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/.test(username)) {
    throw new CheckFailed('ECR returned an authorization token whose user name is not a plain name')
  }
  return { username, password: text.slice(colon + 1) }
}

/** A registry host as docker wants it: host[:port], no scheme, no trailing slash; anything else refused. Pure. */
export const normalizeRegistry = checkRegistry

/** The region in an ECR registry host, if it is one. Pure. */
export function registryRegion(registry: string): string | undefined {
  return /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?(?::\d+)?$/.exec(registry)?.[1]
}

/**
 * When the login stops working, as a line to print. A past expiry is said as what it is:
 * `emulator` (its endpoint) when the token came from a local emulator, whose tokens carry a
 * fixed expiry in the past that its registry never checks; otherwise `expired`, which from
 * AWS means this machine's clock is wrong. Pure.
 */
export function describeExpiry(expiresAt: Date | undefined, now: Date, emulator?: string): { text: string; expired: boolean } {
  const at = expiresAt ?? new Date(now.getTime() + TOKEN_LIFETIME_MS)
  const stamp = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
  const minutes = Math.round((at.getTime() - now.getTime()) / 60000)
  if (minutes <= 0 && emulator) {
    return {
      text: `The emulator (${emulator}) gives its tokens a fixed expiry in the past (${stamp(at)}), which its registry does not check: this login does not expire (on AWS a login lasts 12 h)`,
      expired: false,
    }
  }
  if (minutes <= 0) {
    return {
      text: `ECR says this token expired at ${stamp(at)}, before now by this machine's clock (${stamp(now)}): the clock is wrong by over 12 h, so logins will not last; fix the clock (timedatectl), then run ./scripts/ecr/login again`,
      expired: true,
    }
  }
  const left = minutes >= 90 ? `${Math.round(minutes / 60)} h` : `${minutes} min`
  return {
    text:
      `The login expires ${stamp(at)} (in ${left}${expiresAt ? '' : '; ECR tokens last 12 h'}): after that pulls and pushes ` +
      'fail with "no basic auth credentials" or 403, so run ./scripts/ecr/login again',
    expired: false,
  }
}

export interface DockerResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs docker with args and stdin; rejects with the spawn error (ENOENT) when docker is missing. */
export type DockerRunner = (args: readonly string[], input: string, env: Env) => Promise<DockerResult>

/** Seconds a docker call that should answer promptly may take (DOCKER_TIMEOUT, default 30). Pure. */
export function dockerTimeoutMs(env: Env): number {
  return Math.round(secondsVariable(env, 'DOCKER_TIMEOUT', 30, 3600) * 1000)
}

/** The daemon docker talks to, as a user would name it. Pure. */
export function daemonName(env: Env): string {
  const host = get(env, 'DOCKER_HOST')
  if (host) return `${host} (DOCKER_HOST)`
  const context = get(env, 'DOCKER_CONTEXT')
  if (context) return `docker context ${context} (DOCKER_CONTEXT)`
  return 'unix:///var/run/docker.sock (docker\'s default)'
}

/** A daemon that took the connection but gave no answer in time, in one line naming it. Pure. */
export function daemonSilent(env: Env, args: readonly string[], ms: number): CheckFailed {
  return new CheckFailed(
    `the Docker daemon at ${daemonName(env)} gave no answer to docker ${args[0]} in ${Math.round(ms / 100) / 10} s: ` +
      'check that dockerd is running and healthy and DOCKER_HOST names it (raise DOCKER_TIMEOUT if it is just slow)',
  )
}

/** docker from PATH (and only PATH), through zx, its output captured so the kit words the result; bounded by DOCKER_TIMEOUT. */
export const runDocker: DockerRunner = async (args, input, env) => {
  const ms = dockerTimeoutMs(env)
  const started = performance.now()
  const ran = await capture('docker', args, { env, input, timeoutMs: ms })
  if (ran.code === null && performance.now() - started >= ms) throw daemonSilent(env, args, ms)
  return ran
}

/** docker's own reason, one line: its last line that is not a log or warning line. Pure. */
export function dockerReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^time="/.test(l) && !/^WARNING!?\b/.test(l))
  return lines.at(-1) ?? 'no reason given'
}

export const DAEMON_DOWN = /Cannot connect to the Docker daemon|Is the docker daemon running/i

export const DAEMON_DOWN_MESSAGE =
  'the Docker daemon is not running (docker: "Cannot connect to the Docker daemon"): start it (sudo systemctl start docker, or sudo dockerd &) and run this again'

/** Turn docker login's result into nothing (success) or a CheckFailed saying why. Pure. */
export function judgeDockerLogin(result: DockerResult, registry: string): void {
  if (result.code === 0) return
  if (DAEMON_DOWN.test(result.stderr)) {
    throw new CheckFailed(DAEMON_DOWN_MESSAGE)
  }
  throw new CheckFailed(`docker login to ${registry} failed: ${dockerReason(result.stderr || result.stdout)}`)
}

export interface EcrLoginDeps {
  env: Env
  /** GetAuthorizationToken in a region: the base64 token and its expiry. */
  getToken(region: string): Promise<{ token: string; expiresAt?: Date }>
  /** The region to use when the registry does not name one. */
  defaultRegion(): Promise<string>
  /** The account (AWS_ACCOUNT_ID, else STS), for the default registry. */
  account(region: string): Promise<string>
  docker: DockerRunner
}

export interface EcrLoginResult {
  registry: string
  region: string
  expiresAt?: Date
}

/** Where to log in and which region's ECR to ask for the token. */
export async function resolveTarget(
  flag: string | undefined,
  env: Env,
  deps: Pick<EcrLoginDeps, 'defaultRegion' | 'account'>,
): Promise<{ registry: string; region: string }> {
  const explicit = flag !== undefined ? checkRegistry(flag, '--registry') : registryFromEnv(env)
  if (explicit) {
    // A token only works for the registries of the region it came from.
    return { registry: explicit, region: registryRegion(explicit) ?? (await deps.defaultRegion()) }
  }
  // Under a local emulator the default registry would be a real AWS host: refuse before asking anything.
  refuseRealAwsUnderEmulator(env, undefined, 'ecr/login without ECR_REGISTRY or --registry')
  const region = await deps.defaultRegion()
  const account = await deps.account(region)
  return { registry: ecrRegistry(account, region), region }
}

/** The whole login. Throws KitErrors for everything a user can fix. */
export async function ecrLogin(registryFlag: string | undefined, deps: EcrLoginDeps): Promise<EcrLoginResult> {
  const { registry, region } = await resolveTarget(registryFlag, deps.env, deps)
  const { token, expiresAt } = await deps.getToken(region)
  registerSecret(token)
  const { username, password } = decodeAuthorizationToken(token)
  registerSecret(password)
  let result: DockerResult
  try {
    // `--` ends docker's options: the registry is never read as one, whatever it holds.
    result = await deps.docker(['login', '--username', username, '--password-stdin', '--', registry], password, deps.env)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new CheckFailed(`docker is not installed (not found on PATH): ${DOCKER_INSTALL_HINT}`)
    if (code === 'EACCES') throw new CheckFailed('docker on PATH is not executable: check its permissions, or reinstall it')
    throw error
  }
  judgeDockerLogin(result, registry)
  return { registry, region, ...(expiresAt ? { expiresAt } : {}) }
}

/** The real dependencies: a read-only run context per region asked for, docker from PATH. */
export function defaultEcrLoginDeps(env: Env): EcrLoginDeps {
  // A token only works for its own region's registries, so the context follows the registry.
  const contexts = new Map<string, Promise<RunContext>>()
  const inRegion = (region: string): Promise<RunContext> => {
    if (!contexts.has(region)) contexts.set(region, openContext(env, { mode: 'read-only', region }))
    return contexts.get(region) as Promise<RunContext>
  }
  return {
    env,
    defaultRegion: () => resolveRegion(env),
    async getToken(region) {
      const ecr = (await inRegion(region)).client(ECRClient, 'ECR')
      const response = await ecr.send(new GetAuthorizationTokenCommand({}))
      const data = response.authorizationData?.[0]
      if (!data?.authorizationToken) throw new CheckFailed(`ECR in ${region} returned no authorization token`)
      return { token: data.authorizationToken, ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}) }
    },
    account: async (region) => (await inRegion(region)).account(),
    docker: runDocker,
  }
}
