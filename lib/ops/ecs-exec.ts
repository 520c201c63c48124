// ECS Exec the way the AWS CLI does it (awscli/customizations/ecs/executecommand.py and
// sessionmanager.py), with the checks of amazon-ecs-exec-checker first, so a student learns
// why exec cannot work before ECS says something opaque:
//   1. session-manager-plugin runs (and is new enough to read the session from the environment);
//   2. a RUNNING task (picked from the service when no TASK_ID is given) with enableExecuteCommand;
//   3. the container's ExecuteCommandAgent is RUNNING;
//   4. ExecuteCommand, then the plugin in its seven-argument form, the session JSON (with its
//      token) in AWS_SSM_START_SESSION_RESPONSE rather than in argv, where `ps` would show it.
import {
  DescribeTasksCommand,
  ExecuteCommandCommand,
  ListTasksCommand,
  type Container,
  type ECSClient,
  type Session,
  type Task,
} from '@aws-sdk/client-ecs'
import { awsErrorIs, endpointFor } from '../aws/clients.js'
import { get, type Env } from '../config/env.js'
import { CheckFailed } from '../core/errors.js'
import { registerSecret } from '../core/redact.js'
import { capture, interactive } from '../core/shell.js'

export const PLUGIN = 'session-manager-plugin'
/** The plugin reads the session from this variable when argv[1] names it (plugins newer than 1.2.497.0). */
export const SESSION_ENV = 'AWS_SSM_START_SESSION_RESPONSE'
export const LAST_PLUGIN_WITHOUT_ENV = '1.2.497.0'
export const EXEC_AGENT = 'ExecuteCommandAgent'

export const PLUGIN_INSTALL =
  'curl "https://s3.amazonaws.com/session-manager-downloads/plugin/latest/ubuntu_64bit/session-manager-plugin.deb" ' +
  '-o "session-manager-plugin.deb" && sudo dpkg -i session-manager-plugin.deb'

export const DEFAULT_COMMAND = '/bin/bash'

/** The last path segment of an ARN (a task or cluster ARN's id or name); a bare id is returned as is. Pure. */
export const lastSegment = (arnOrId: string): string => arnOrId.split('/').at(-1) ?? arnOrId

// ---------------------------------------------------------------------------------------------
// Pure verdicts

/** Whether `version` is newer than `than` (dotted numbers); undefined when it is not a version. Pure. */
export function isNewerVersion(version: string, than: string): boolean | undefined {
  const text = version.replace(/\s+/g, '')
  if (!/^\d+(\.\d+){0,3}$/.test(text)) return undefined
  const a = text.split('.').map(Number)
  const b = than.split('.').map(Number)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d > 0
  }
  return false
}

/** The plugin's `--version` output judged: a reason it cannot be used, or undefined. Pure. */
export function pluginVersionProblem(versionOutput: string): string | undefined {
  const version = versionOutput.trim().split('\n')[0] ?? ''
  // A version we cannot read is given the benefit of the doubt (a future format).
  if (isNewerVersion(version, LAST_PLUGIN_WITHOUT_ENV) !== false) return undefined
  return (
    `${PLUGIN} ${version.trim()} is too old: versions up to ${LAST_PLUGIN_WITHOUT_ENV} cannot read the session from ` +
    `${SESSION_ENV} (the kit keeps the session token out of process arguments). Update it: ${PLUGIN_INSTALL}`
  )
}

export const pluginMissing = (): string =>
  `${PLUGIN} is not installed (not found on PATH); ECS Exec needs it on this machine. Install it: ${PLUGIN_INSTALL} ` +
  "(the kit's .gitpod.yml does this when a workspace starts)"

const readyForExec = (task: Task, service: string): boolean => {
  if (task.lastStatus !== 'RUNNING' || task.enableExecuteCommand !== true) return false
  const containers = task.containers ?? []
  const main = containers.length === 1 ? containers[0] : containers.find((c) => c.name === service)
  return agentOf(main)?.lastStatus === 'RUNNING'
}

const agentOf = (container: Container | undefined) => container?.managedAgents?.find((a) => a.name === EXEC_AGENT)

/**
 * The task to connect to, from a service's tasks: a RUNNING one, preferring one that is ready for
 * exec (mid-deployment, old tasks may lack it), then the most recently started. Pure.
 */
export function chooseTask(tasks: readonly Task[], service: string, cluster: string): { task: Task; running: number } {
  const running = tasks.filter((t) => t.lastStatus === 'RUNNING')
  if (running.length === 0) {
    if (tasks.length === 0) {
      throw new CheckFailed(
        `no running task for service ${service} in cluster ${cluster}: deploy it (desired count at least 1) and check the ` +
          "service's events for tasks that stop, or pass a TASK_ID",
      )
    }
    const states = tasks.map((t) => `${lastSegment(t.taskArn ?? '?')} ${t.lastStatus ?? 'UNKNOWN'}`).join(', ')
    throw new CheckFailed(`no task of service ${service} in cluster ${cluster} is RUNNING yet (${states}): wait a minute and run this again`)
  }
  const started = (t: Task) => (t.startedAt ? new Date(t.startedAt).getTime() : 0)
  const sorted = [...running].sort(
    (a, b) => Number(readyForExec(b, service)) - Number(readyForExec(a, service)) || started(b) - started(a),
  )
  return { task: sorted[0] as Task, running: running.length }
}

/**
 * The container to exec into: the one asked for, else the task's only container, else the one
 * named like the service (a Service Connect task also has its proxy container). Pure.
 */
export function chooseContainer(task: Task, requested: string | undefined, service: string): Container {
  const containers = task.containers ?? []
  const names = containers.map((c) => c.name).join(', ') || 'none'
  const id = lastSegment(task.taskArn ?? '?')
  if (requested !== undefined) {
    const found = containers.find((c) => c.name === requested)
    if (!found) throw new CheckFailed(`task ${id} has no container named ${requested}; its containers: ${names}`)
    return found
  }
  if (containers.length === 1) return containers[0] as Container
  const named = containers.find((c) => c.name === service)
  if (named) return named
  throw new CheckFailed(`task ${id} has no container named like the service ${service}; name one as CONTAINER: ${names}`)
}

/** Why ECS Exec cannot work on this task and container (one line with the fix), or undefined. Pure. */
export function execProblem(task: Task, container: Container, where: { cluster: string; service: string }): string | undefined {
  const id = lastSegment(task.taskArn ?? '?')
  if (task.lastStatus !== 'RUNNING') {
    const why = task.stoppedReason ? ` (stopped: ${task.stoppedReason})` : ''
    return (
      `task ${id} is ${task.lastStatus ?? 'in an unknown state'}, not RUNNING${why}: ECS Exec only reaches running tasks; ` +
      `run without TASK_ID to pick a running task of ${where.service}`
    )
  }
  if (task.enableExecuteCommand !== true) {
    return (
      `ECS Exec was not enabled when task ${id} was started: the service must have enableExecuteCommand ` +
      '(create it from the JSON with "enableExecuteCommand": true; the console cannot set it), then start new tasks: ' +
      `aws ecs update-service --cluster ${where.cluster} --service ${where.service} --enable-execute-command --force-new-deployment, ` +
      'and connect once the new task runs'
    )
  }
  const agent = agentOf(container)
  if (agent?.lastStatus !== 'RUNNING') {
    const state = agent ? `is ${agent.lastStatus ?? 'in an unknown state'}${agent.reason ? ` (${agent.reason})` : ''}` : 'is missing'
    const fix =
      agent?.lastStatus === 'PENDING'
        ? 'it is still starting: wait a few seconds and run this again'
        : 'the task role needs ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel ' +
          '(policies/task-role-policy.json, put on the task role by ./scripts/iam/create-roles), and the container must not set readonlyRootFilesystem; fix that and deploy again'
    return `the ${EXEC_AGENT} in container ${container.name} of task ${id} ${state}, not RUNNING: ${fix}`
  }
  return undefined
}

/** The endpoint the plugin is told about: the ECS endpoint override, else the region's public ECS endpoint. Pure. */
export function ecsEndpointUrl(env: Env, region: string): string {
  return endpointFor(env, 'ECS') ?? `https://ecs.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`
}

export interface PluginInvocation {
  /** The plugin's arguments (after the program name): the AWS CLI's seven-argument form. */
  argv: string[]
  /** Variables to add to the plugin's environment: the session JSON. */
  env: Record<string, string>
}

/** The plugin's argv and environment, as the AWS CLI builds them. The token is only in `env`. Pure. */
export function buildPluginInvocation(p: {
  session: Session
  region: string
  profile: string | undefined
  cluster: string
  taskArn: string
  runtimeId: string
  endpointUrl: string
}): PluginInvocation {
  const target = `ecs:${lastSegment(p.cluster)}_${lastSegment(p.taskArn)}_${p.runtimeId}`
  return {
    argv: [SESSION_ENV, p.region, 'StartSession', p.profile ?? '', JSON.stringify({ Target: target }), p.endpointUrl],
    env: { [SESSION_ENV]: JSON.stringify(p.session) },
  }
}

/** A hint for the ExecuteCommand errors students hit. Pure. */
export function executeCommandHint(errorName: string | undefined): string | undefined {
  if (errorName === 'TargetNotConnectedException') {
    return (
      'the exec agent in the container cannot reach Systems Manager: check the task role has the ssmmessages:* ' +
      'permissions, that the task has a route out (public IP or VPC endpoints), and that the container gets no ' +
      'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (they replace the task role for the agent)'
    )
  }
  if (errorName === 'AccessDeniedException') return 'your IAM user or role needs ecs:ExecuteCommand on this task'
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Effects, injected

export interface PluginRunner {
  /** `session-manager-plugin --version`'s output; rejects with the spawn error (ENOENT) when it is missing. */
  version(env: Env): Promise<string>
  /** Run the plugin with inherited stdio, Ctrl-C ignored in this process meanwhile; resolves its exit code. */
  run(argv: readonly string[], env: Env): Promise<number>
}

const USER_SIGNALS = ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const

export const defaultPluginRunner: PluginRunner = {
  version: async (env) => {
    const ran = await capture(PLUGIN, ['--version'], { env, timeoutMs: 15000 })
    return ran.stdout
  },
  run: async (argv, env) => {
    // Ctrl-C (and Ctrl-\ and Ctrl-Z) reach the whole foreground process group: the plugin
    // forwards them to the remote shell, so this process must survive them (as the AWS CLI does).
    const ignore = () => {}
    for (const s of USER_SIGNALS) process.on(s, ignore)
    try {
      return await interactive(PLUGIN, argv, env)
    } finally {
      for (const s of USER_SIGNALS) process.off(s, ignore)
    }
  },
}

export interface ConnectOptions {
  cluster: string
  service: string
  taskId?: string
  container?: string
  command: string
}

export interface ConnectDeps {
  ecs: Pick<ECSClient, 'send'>
  /** The run's region (the plugin needs it, and the ECS endpoint is built from it). */
  region: string
  plugin: PluginRunner
  /** The environment: region, profile, endpoint override, and the plugin's PATH and environment. */
  env: Env
  log(line: string): void
}

const pluginError = (error: unknown): never => {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') throw new CheckFailed(pluginMissing())
  if (code === 'EACCES') throw new CheckFailed(`${PLUGIN} on PATH is not executable: reinstall it: ${PLUGIN_INSTALL}`)
  throw error
}

/** ECS's "no such cluster/service" errors, worded with the flag that fixes them. */
function notFound(error: unknown, o: ConnectOptions, region: string): never {
  if (awsErrorIs(error, 'ClusterNotFoundException')) {
    throw new CheckFailed(`cluster ${o.cluster} not found in ${region}: create it first, or name yours with --cluster or ECS_CLUSTER`)
  }
  if (awsErrorIs(error, 'ServiceNotFoundException')) {
    throw new CheckFailed(`service ${o.service} not found in cluster ${o.cluster} (${region}): create it first, or name yours with --service`)
  }
  throw error
}

/** The task to use, described: the given one, or one picked from the service. */
async function findTask(o: ConnectOptions, d: ConnectDeps, region: string): Promise<Task> {
  try {
    return await findTaskIn(o, d)
  } catch (error) {
    return notFound(error, o, region)
  }
}

async function findTaskIn(o: ConnectOptions, d: ConnectDeps): Promise<Task> {
  if (o.taskId !== undefined) {
    const described = await d.ecs.send(new DescribeTasksCommand({ cluster: o.cluster, tasks: [o.taskId] }))
    const task = described.tasks?.[0]
    if (!task) {
      const reason = described.failures?.[0]?.reason
      throw new CheckFailed(
        `task ${o.taskId} not found in cluster ${o.cluster}${reason ? ` (${reason})` : ''}: ` +
          `run without TASK_ID to pick a running task of ${o.service}`,
      )
    }
    return task
  }
  const listed = await d.ecs.send(new ListTasksCommand({ cluster: o.cluster, serviceName: o.service, desiredStatus: 'RUNNING' }))
  const arns = listed.taskArns ?? []
  const tasks = arns.length ? ((await d.ecs.send(new DescribeTasksCommand({ cluster: o.cluster, tasks: arns }))).tasks ?? []) : []
  const { task, running } = chooseTask(tasks, o.service, o.cluster)
  d.log(`Using task ${lastSegment(task.taskArn ?? '?')} of service ${o.service} (${running} running in cluster ${o.cluster})`)
  return task
}

/** Check everything, start the session, run the plugin; resolves the plugin's exit code. */
export async function connectToService(o: ConnectOptions, d: ConnectDeps): Promise<number> {
  const { region } = d
  const endpointUrl = ecsEndpointUrl(d.env, region)

  // 1. The plugin, before anything is asked of ECS (as the AWS CLI does).
  const version = await d.plugin.version(d.env).catch(pluginError)
  const tooOld = pluginVersionProblem(version)
  if (tooOld) throw new CheckFailed(tooOld)

  // 2-3. Task, container, and what exec needs of them.
  const task = await findTask(o, d, region)
  const container = chooseContainer(task, o.container, o.service)
  const problem = execProblem(task, container, o)
  if (problem) throw new CheckFailed(problem)
  if (!container.runtimeId) {
    throw new CheckFailed(`container ${container.name} of task ${lastSegment(task.taskArn ?? '?')} has no runtime id yet: wait a few seconds and run this again`)
  }

  // 4. The session.
  let response
  try {
    response = await d.ecs.send(
      new ExecuteCommandCommand({
        cluster: o.cluster,
        task: task.taskArn ?? o.taskId,
        container: container.name,
        command: o.command,
        interactive: true,
      }),
    )
  } catch (error) {
    const e = error as { name?: string; message?: string }
    const hint = executeCommandHint(e.name)
    if (hint) throw new CheckFailed(`ECS refused the exec session (${e.name}: ${e.message}): ${hint}`)
    throw error
  }
  const session = response.session
  registerSecret(session?.tokenValue)
  if (!session?.sessionId || !session.tokenValue || !session.streamUrl) {
    throw new CheckFailed('ECS ExecuteCommand returned no session to connect to: run this again')
  }

  const invocation = buildPluginInvocation({
    session,
    region,
    profile: get(d.env, 'AWS_PROFILE'),
    cluster: response.clusterArn ?? task.clusterArn ?? o.cluster,
    taskArn: response.taskArn ?? task.taskArn ?? (o.taskId as string),
    runtimeId: container.runtimeId,
    endpointUrl,
  })
  d.log(`Starting ${o.command} in container ${container.name} of task ${lastSegment(task.taskArn ?? '?')} (exit the shell to end the session)`)
  return d.plugin.run(invocation.argv, { ...d.env, ...invocation.env }).catch(pluginError)
}
