// The kit as a library: one Kit that holds the environment and the run context (and with it
// every AWS client), and one method per command, each a few lines over lib/ (a file per verb
// in lib/kit/). The scripts are thin clients of it; a zx script is another:
//
//   import { openKit } from 'cruddur-ecs-kit'
//   const kit = await openKit({ progress: (line) => echo(line) })
//   await kit.deploy('backend-flask', { tag: 'f74dc09' })
//
// Each method resolves the document its script prints with --json, and rejects with a
// CommandFailed carrying the one line the script would print, the exit code it would exit
// with (1: the checked thing failed, 2: bad usage or configuration) and, when the script
// printed a document before failing (a failed deploy, a drifted status), that document.
// Nothing acts at import: verbs are loaded when first called. A new command joins the same
// way: its verb in lib/kit/<verb>.ts over lib/, a method here, and a script that parses flags,
// calls the verb and prints.
import type { $ as Zx } from 'zx'
import { loadDotenv, registerEnvSecrets } from '../config/env.js'
import { declaredSecretVariables, type ServiceDeclaration } from '../config/services.js'
import { EXIT } from '../core/errors.js'
import { registerSecret } from '../core/redact.js'
import { useZx } from '../core/shell.js'
import { commandFailed, KitCore, progressOutput, type Progress } from './core.js'
import type { AuditOptions, AuditReport } from './audit.js'
import type { BuildOptions, Built } from './build.js'
import type { CostOptions, Estimate } from './cost.js'
import type { DiffDocument } from './diff.js'
import type { DeployDocument, DeployOptions, RollbackOptions, WaitOptions } from './deploy.js'
import type { LogEvent, LogsOptions } from './logs.js'
import type { PushOptions, Pushed } from './push.js'
import type { LocalRunDocument, RunLocalOptions } from './run-local.js'
import type { PauseDocument, ResumeDocument, ScaleDocument, ScalingOptions } from './scaling.js'
import type { StatusDocument } from './status.js'
import type { StepsDocument } from './provision.js'
import type { TeardownDocument, TeardownOptions } from './teardown.js'
import type { VerifyDocument } from './verify.js'

export type { Progress }

export interface KitOptions {
  /** The environment to read (default: process.env). `.env` at the repo root or in `cwd` fills what it lacks; values already set win. */
  env?: NodeJS.ProcessEnv
  /** Where `.env` is looked for besides the repo root, and relative paths (templates, build contexts) resolve. Default: process.cwd(). */
  cwd?: string
  /** Progress lines as commands go, secrets masked (default: none, the kit stays quiet). */
  progress?: Progress
  /** zx's `$`: the programs the kit runs with their output captured (docker) go through it. */
  $?: typeof Zx
  /** Read `.env` (default true). */
  dotenv?: boolean
}

/** The kit: one method per command. Open it with openKit(). */
export class Kit extends KitCore {
  /**
   * The services this kit deals with: ECS_SERVICES, else every one declared in
   * json/services.json, each with its container port, repository and parameters. Rejects (exit 2) on bad configuration.
   */
  services(): Promise<readonly ServiceDeclaration[]> {
    return this.act('services', async () => ({ document: (await this.run('read-only')).services, exitCode: EXIT.ok }))
  }

  /**
   * Bring the whole stack up, or with `dryRun` plan it: log group, cluster, ECR repositories,
   * SSM parameters, IAM roles, and each service's task definition and service, with the
   * security group. Every input is checked before anything changes. `provision --json`'s document.
   * Rejects (exit 1) when a step failed, with the document; (exit 2) on bad configuration, nothing changed.
   */
  provision(options: { dryRun?: boolean } = {}): Promise<StepsDocument> {
    return this.act('provision', async () => (await import('./provision.js')).provision(this, options))
  }

  /**
   * Every resource provision manages, checked in provision's terms (its steps as a dry run),
   * and per service its deployments, tasks and events, and the monthly cost. Read-only.
   * `status --json`'s document. Rejects (exit 1) when something is missing, drifted or unreadable, with the document.
   */
  status(services?: string | readonly string[]): Promise<StatusDocument> {
    return this.act('status', async () => (await import('./status.js')).status(this, services))
  }

  /**
   * Per service, a unified diff of its rendered task definition and service file against what
   * ECS runs, leaving out what ECS adds, the image deploy pinned by digest, and fields ECS's
   * answer does not carry (listed as not compared); secrets masked. Read-only. `diff --json`'s
   * document. Rejects (exit 1) when something differs or a service is not deployed, with the document.
   */
  diff(services?: string | readonly string[]): Promise<DiffDocument> {
    return this.act('diff', async () => (await import('./diff.js')).diff(this, services))
  }

  /**
   * The pre-flight before a deploy: roles and their trust, what the execution role may do,
   * parameters, the image and its platform, log group, cluster, ports, exec permissions.
   * Read-only. `verify --json`'s document. Rejects (exit 1) when a check fails, with the document.
   */
  verify(services?: string | readonly string[]): Promise<VerifyDocument> {
    return this.act('verify', async () => (await import('./verify.js')).verify(this, services))
  }

  /**
   * `docker build` of the service's folder, tagged with its git commit (or `tag`), for its task
   * definition's platform. `image/build --json`'s document.
   */
  build(service: string, options: BuildOptions = {}): Promise<Built> {
    return this.act('image/build', async () => (await import('./build.js')).build(this, service, options))
  }

  /**
   * Push the service's image (built by build()) to its ECR repository, or ECR_REGISTRY, logging
   * docker in when needed; nothing is uploaded when the registry holds the same image. `image/push --json`'s document.
   */
  push(service: string, options: PushOptions = {}): Promise<Pushed> {
    return this.act('image/push', async () => (await import('./push.js')).push(this, service, options))
  }

  /**
   * Register the task definition with the image pinned by digest, update (or create) the
   * service, and wait (unless `wait: false`) for a verdict that does not lie. `deploy --json`'s
   * document. Rejects (exit 1) when the deployment failed, was rolled back, superseded or timed out, with the document.
   */
  deploy(service?: string, options: DeployOptions = {}): Promise<DeployDocument> {
    return this.act('deploy', async () => (await import('./deploy.js')).deploy(this, service, options))
  }

  /** The verdict on the service's deployment in progress (or its latest). `wait --json`'s document; rejects (exit 1) on failure, with it. */
  wait(service?: string, options: WaitOptions = {}): Promise<DeployDocument> {
    return this.act('wait', async () => (await import('./deploy.js')).wait(this, service, options))
  }

  /** Back to the last revision that deployed successfully (or `to`), then the same wait. `rollback --json`'s document. */
  rollback(service?: string, options: RollbackOptions = {}): Promise<DeployDocument> {
    return this.act('rollback', async () => (await import('./deploy.js')).rollback(this, service, options))
  }

  /** Set a service's desired count (0 stops it). `scale --json`'s document. */
  scale(service: string, count: number | string, options: ScalingOptions = {}): Promise<ScaleDocument> {
    return this.act('scale', async () => (await import('./scaling.js')).scale(this, service, count, options))
  }

  /** Every service (ECS_SERVICES) to 0 tasks, each one's count remembered for resume(). `pause --json`'s document; rejects (exit 1) when a service is missing, with it (the others are paused). */
  pause(options: ScalingOptions = {}): Promise<PauseDocument> {
    return this.act('pause', async () => (await import('./scaling.js')).pause(this, options))
  }

  /** Every paused service back to its count. `resume --json`'s document; rejects (exit 1) when a service is missing, with it. */
  resume(options: ScalingOptions = {}): Promise<ResumeDocument> {
    return this.act('resume', async () => (await import('./scaling.js')).resume(this, options))
  }

  /**
   * Delete everything the kit made, in reverse dependency order; the data (ECR repositories,
   * SSM parameters) only with `all`. Needs `yes` (the API never prompts) unless `dryRun`.
   * `teardown --json`'s document. Rejects (exit 1) when a deletion failed, with the document.
   */
  teardown(options: TeardownOptions = {}): Promise<TeardownDocument> {
    return this.act('teardown', async () => (await import('./teardown.js')).teardown(this, options))
  }

  /**
   * A service's log lines since `since` (default 10 minutes ago), each as `logs/tail --json`
   * prints it. With `follow: true`, an async iterator of the lines as they come, none twice
   * and none lost; stop it by leaving the `for await` loop.
   */
  logs(service: string, options: LogsOptions & { follow: true }): AsyncIterableIterator<LogEvent>
  logs(service: string, options?: LogsOptions & { follow?: false }): Promise<LogEvent[]>
  logs(service: string, options: LogsOptions = {}): Promise<LogEvent[]> | AsyncIterableIterator<LogEvent> {
    if (options.follow === true) return this.#follow(service, options)
    return this.act('logs/tail', async () => {
      const { readLogs } = await import('./logs.js')
      const lines: LogEvent[] = []
      for await (const line of readLogs(this, service, options)) lines.push(line)
      return { document: lines, exitCode: EXIT.ok }
    })
  }

  async *#follow(service: string, options: LogsOptions): AsyncIterableIterator<LogEvent> {
    try {
      yield* (await import('./logs.js')).readLogs(this, service, options)
    } catch (error) {
      throw commandFailed('logs/tail', error, this.env)
    }
  }

  /**
   * The guide's security advice as checks: the live stack (read-only) or, with `local`, the
   * templates alone. `audit --json`'s document. Rejects (exit 1) when an open finding is at or above `failOn` (default high), with it.
   */
  audit(options: AuditOptions = {}): Promise<AuditReport> {
    return this.act('audit', async () => (await import('./audit.js')).audit(this, options))
  }

  /** What the stack costs a month, and what ARM64 would save. `cost --json`'s document. */
  cost(options: CostOptions = {}): Promise<Estimate> {
    return this.act('cost', async () => (await import('./cost.js')).cost(this, options))
  }

  /**
   * Run the service's task definition on the local docker as Fargate would, and leave it
   * running at the verdict (healthy, or not). `ecs/run-local --detach --json`'s document;
   * rejects (exit 1) when unhealthy or exited, with it.
   */
  runLocal(service: string, options: Omit<RunLocalOptions, 'detach' | 'json'> = {}): Promise<LocalRunDocument> {
    return this.act('ecs/run-local', async () => (await import('./run-local.js')).runLocal(this, service, { ...options, detach: true })) as Promise<LocalRunDocument>
  }
}

/**
 * Open the kit: read the environment and `.env` as the scripts do (values already set win),
 * and mask every secret it finds in whatever the kit says. No AWS call is made here: the run
 * context (region, account, names, clients) is made at the first command, and a problem with
 * the configuration is that command's rejection (exit 2).
 */
export async function openKit(options: KitOptions = {}): Promise<Kit> {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  if (options.dotenv !== false) await loadDotenv(env, cwd)
  registerEnvSecrets(env, registerSecret, declaredSecretVariables())
  if (options.$) useZx(options.$)
  return new Kit(env, cwd, progressOutput(options.progress))
}

