// What deploy, wait and rollback share: the service argument, the wait flags, starting a
// deployment and recording its id from UpdateService's answer, the wait with its verdict
// printed, and the one --json document.
import { DescribeClustersCommand, DescribeServicesCommand, UpdateServiceCommand, type ECSClient, type Service, type UpdateServiceCommandInput } from '@aws-sdk/client-ecs'
import { parseSeconds } from '../core/cli.js'
import { CheckFailed, EXIT, KitError, UsageError, type ExitCode } from '../core/errors.js'
import { bad, colour, ok, say } from '../core/output.js'
import { redact } from '../core/redact.js'
import { serviceNamed, type ServiceDeclaration } from '../config/services.js'
import type { RunContext } from '../aws/context.js'
import { awsErrorIs } from '../aws/clients.js'
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { markSucceeded } from './deploy.js'
import { revisionName } from './verdict.js'
import { elapsed, verdictLine, waitForDeployment, type FinalVerdict, type WaitResult } from './wait.js'
import type { WaitUntil } from './records.js'

export const COMMON_OPTIONS = {
  timeout: { type: 'string', placeholder: 'SECONDS', description: 'stop waiting after this long (default 900); the rollout itself goes on' },
  interval: { type: 'string', placeholder: 'SECONDS', description: 'poll ECS this often (default 5)' },
  json: { type: 'boolean', description: 'print one JSON document (progress goes to stderr)' },
} as const

/** deploy's and wait's --wait-until (after ecspresso's). */
export const WAIT_UNTIL_OPTION = {
  'wait-until': {
    type: 'string',
    placeholder: 'deployed|stage:STAGE',
    description:
      "deployed (default): wait for the verdict; stage:STAGE (e.g. stage:BAKE_TIME): exit 0 once ECS's service deployment record shows that lifecycle stage, the deployment going on (needs the records)",
  },
} as const

/** The service a command acts on: the argument, else the only one in ECS_SERVICES. */
export function serviceArgument(given: string | undefined, run: RunContext, script: string): ServiceDeclaration {
  if (given !== undefined) return serviceNamed(given)
  if (run.names.services.length === 1) return serviceNamed(run.names.services[0])
  throw new UsageError(`name the service: ${script} SERVICE (one of ${run.names.services.join(', ')})`)
}

export interface WaitSettings {
  intervalMs: number
  timeoutMs: number
}

/** --interval and --timeout, checked. Pure. */
export function waitSettings(values: { interval?: string; timeout?: string }): WaitSettings {
  return { intervalMs: parseSeconds(values.interval, 'interval', 5) * 1000, timeoutMs: parseSeconds(values.timeout, 'timeout', 900) * 1000 }
}

/** What --json prints for deploy, wait and rollback. */
export interface DeployDocument {
  command: 'deploy' | 'wait' | 'rollback'
  service: string
  cluster: string
  /** The task definition deployed (or judged). */
  taskDefinition?: string
  /** deploy: whether a new revision was registered. */
  registered?: boolean
  image?: string
  deploymentId?: string
  /** Whether this run started anything (a registration, a deployment, a creation). */
  changed: boolean
  /** reached: --wait-until stage:STAGE, the deployment got there and goes on. */
  outcome: 'success' | 'failure' | 'unchanged' | 'not-waited' | 'reached'
  cause?: string
  reason: string
  stopped?: Array<{ reason: string; count: number }>
  /** --rollback-on-failure: where it went back to, and how that went. */
  rolledBack?: { taskDefinition: string; deploymentId: string } & Pick<DeployDocument, 'outcome' | 'cause' | 'reason'>
  /** What judged: ECS's service deployment record, or DescribeServices (where the endpoint keeps no records). */
  judgedBy?: 'records' | 'describe-services'
  /** The lifecycle stages the deployment passed, with how long each took (from ECS's record). */
  stages?: Array<{ label: string; seconds: number }>
  /** deploy: the public URL the service is behind (the front door), when it is routed and the URL is known. */
  url?: string
  seconds: number
}

/** Where a command's progress goes: lines, and the stream the wait draws its live line on. */
export interface Printer {
  line(text: string): void
  stream: NodeJS.WriteStream
}

/** Progress printer: stdout normally, stderr under --json (stdout then carries only the document). */
export function printer(json: boolean): Printer {
  if (!json) return { line: say, stream: process.stdout }
  return { line: (text) => process.stderr.write(redact(text) + '\n'), stream: process.stderr }
}

const noCluster = (cluster: string) => new CheckFailed(`ECS cluster ${cluster} not found: run ./scripts/provision (or ./scripts/ecs/create-cluster) first`)

/**
 * The service as ECS describes it (with its tags), or undefined when missing; a CheckFailed when
 * the cluster itself is missing, which some endpoints report only as a MISSING service.
 */
export async function describeService(ecs: ECSClient, cluster: string, name: string): Promise<Service | undefined> {
  let described
  try {
    described = await ecs.send(new DescribeServicesCommand({ cluster, services: [name], include: ['TAGS'] }))
  } catch (error) {
    if (awsErrorIs(error, 'ClusterNotFoundException')) throw noCluster(cluster)
    throw error
  }
  const found = described.services?.find((s) => s.serviceName === name)
  if (!found) {
    const failure = described.failures?.find((f) => f.reason !== 'MISSING')
    if (failure) throw new KitError(`cannot describe ECS service ${name}: ${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}`)
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))
    if (!clusters.clusters?.some((c) => c.status === 'ACTIVE')) throw noCluster(cluster)
  }
  return found
}

/**
 * UpdateService, and the id of the deployment it started, from its answer: the PRIMARY
 * deployment, which must run the task definition asked for (else ECS started none).
 */
export async function startDeployment(ecs: ECSClient, input: UpdateServiceCommandInput): Promise<{ deploymentId: string; service: Service }> {
  const service = (await ecs.send(new UpdateServiceCommand(input))).service as Service
  const primary = service?.deployments?.find((d) => d.status === 'PRIMARY')
  if (!primary?.id) throw new CheckFailed(`ECS answered UpdateService for ${input.service} without a PRIMARY deployment`)
  if (input.taskDefinition && primary.taskDefinition !== input.taskDefinition) {
    throw new CheckFailed(
      `ECS started no deployment of ${revisionName(input.taskDefinition)}: its PRIMARY deployment ${primary.id} runs ${revisionName(primary.taskDefinition)}`,
    )
  }
  return { deploymentId: primary.id, service }
}

export interface Judged {
  result: WaitResult
  verdict: FinalVerdict
}

/** Wait for the deployment's verdict, printing progress; on success remember the revision for rollback. */
export async function judge(
  ecs: ECSClient,
  options: {
    cluster: string
    service: string
    deploymentId: string
    taskDefinition: string
    settings: WaitSettings
    json: boolean
    since?: Date
    tasksSince?: Date
    out?: Printer
    /** To judge the new tasks' health in the service's target groups, when it has any. */
    elbv2?: ElasticLoadBalancingV2Client
    until?: WaitUntil
    followInProgress?: boolean
    /** The service's deployment records just before the deployment started (recordsBefore): not its own. */
    before?: { records: ReadonlySet<string> | undefined }
  },
): Promise<Judged> {
  const out = options.out ?? printer(options.json)
  out.line(
    `  waiting for deployment ${options.deploymentId} (poll every ${options.settings.intervalMs / 1000}s, up to ${elapsed(options.settings.timeoutMs)}; ` +
      'Ctrl-C stops the waiting, not the rollout)',
  )
  const result = await waitForDeployment(ecs, {
    cluster: options.cluster,
    service: options.service,
    expected: { deploymentId: options.deploymentId, taskDefinition: options.taskDefinition },
    intervalMs: options.settings.intervalMs,
    timeoutMs: options.settings.timeoutMs,
    since: options.since,
    tasksSince: options.tasksSince,
    stream: out.stream,
    elbv2: options.elbv2,
    until: options.until,
    followInProgress: options.followInProgress,
    before: options.before,
  })
  if (result.verdict.kind === 'success') await markSucceeded(ecs, options.taskDefinition)
  return { result, verdict: result.verdict }
}

/** Print the document (--json) or the verdict line, and the exit code. */
export function finish(document: DeployDocument, json: boolean): ExitCode {
  if (json) say(JSON.stringify(document, null, 2))
  else {
    const time = `(${document.seconds.toFixed(1)}s)`
    if (document.outcome === 'success') ok(`[OK] ${document.command} ${document.service}: ${document.reason} ${colour.dim(time)}`)
    else if (document.outcome === 'unchanged' || document.outcome === 'not-waited' || document.outcome === 'reached') say(`${document.command} ${document.service}: ${document.reason}`)
    else bad(`[FAILED] ${document.command} ${document.service}: ${document.cause}: ${document.reason} ${colour.dim(time)}`)
    if (document.url) say(`${document.service} is behind ${document.url}`)
  }
  return document.outcome === 'failure' ? EXIT.failed : EXIT.ok
}

/** The document's verdict fields from a final verdict. Pure. */
export function outcomeOf(v: FinalVerdict): Pick<DeployDocument, 'outcome' | 'cause' | 'reason'> {
  if (v.kind === 'failure') return { outcome: 'failure', cause: v.cause, reason: v.reason }
  return { outcome: v.kind === 'reached' ? 'reached' : 'success', reason: v.reason }
}

/** What a wait adds to the document: the path that judged and the stages seen. Pure. */
export const judgedFields = (result: WaitResult): Pick<DeployDocument, 'judgedBy' | 'stages' | 'stopped'> => ({
  judgedBy: result.judgedBy,
  stopped: result.stopped,
  ...(result.stages.length ? { stages: result.stages } : {}),
})

export { verdictLine }
