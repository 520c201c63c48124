// What exists of the stack, and whether it is what provision would make: scripts/status and
// the demo's closing picture. The resources are checked by the provisioning steps themselves,
// run in dry-run mode (they read everything and report created / updated / unchanged per
// resource), so status and provision can never disagree: "would create" is missing, "would
// update" has drifted. Then, per service, what runs: deployments, tasks, events.
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  DescribeTaskDefinitionCommand,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs'
import { GetParametersCommand, ParameterType, SSMClient } from '@aws-sdk/client-ssm'
import type { RunContext } from '../aws/context.js'
import { awsErrorIs } from '../aws/clients.js'
import { parameterPath, serviceNamed, type ServiceDeclaration } from '../config/services.js'
import { runSteps, type StepReport } from '../steps/engine.js'
import { allSteps } from '../steps/index.js'
import { serviceStep } from '../steps/ecs-service.js'
import { taskDefinitionStep } from '../steps/task-definition.js'
import { ssmParametersStep } from '../steps/ssm-parameters.js'
import { stepContext, type Change, type Step } from '../steps/step.js'
import type { CheckResult } from '../verify/checks.js'
import { verifyService, VerifyReader } from '../verify/verify.js'
import { evaluate, loadAccepted, type AuditReport } from '../audit/engine.js'
import { liveSnapshot } from '../audit/live.js'
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2'
import { elbv2, resolveFrontDoor } from '../front-door/lookup.js'
import { urlPlaceholder } from '../front-door/routes.js'
import { healthText, serviceTargetGroups, targetGroupNameOf } from '../deploy/target-health.js'
import { cloudWatch, readAlarms, rollbackAlarmNames } from '../steps/rollback-alarms.js'

/**
 * ok: as provision would leave it; missing: provision would create it; drifted: provision
 * would update it; error: it could not be read; unchecked: the check needs configuration
 * that is not set (the detail says what); failed: a check of scripts/verify, or a high or critical
 * rule of scripts/audit, fails on it (the detail names the command that explains it).
 */
export type ItemState = 'ok' | 'missing' | 'drifted' | 'error' | 'unchecked' | 'failed'

export interface Item {
  /** The provisioning step that manages it (its script). */
  step: string
  kind: string
  name: string
  state: ItemState
  detail?: string
  /** Something worth a look that provision leaves alone (e.g. a service drifted from its file, an older revision running). */
  notice?: boolean
  /** The step's warning, when it has one. */
  warning?: string
}

/** The run restricted to the given services (the shared resources stay). */
export function runFor(run: RunContext, services?: readonly string[]): RunContext {
  if (!services) return run
  const selected = services.map((name) => serviceNamed(name))
  return { ...run, names: { ...run.names, services: [...services] }, services: selected }
}

// A dry run of provisioning deletes nothing; 'deleted' would mean it is there and should not be.
const STATE_OF: Record<Change['outcome'], ItemState> = { created: 'missing', updated: 'drifted', unchanged: 'ok', deleted: 'drifted' }

/** Items from the steps' dry-run reports. Pure. */
export function itemsFromReports(reports: readonly StepReport[]): Item[] {
  return reports.flatMap((report): Item[] => {
    if (report.error !== undefined) {
      return [{ step: report.id, kind: report.title, name: '', state: report.skipped ? 'unchecked' : 'error', detail: report.error }]
    }
    return report.changes.map((change) => ({
      step: report.id,
      kind: change.resource,
      name: change.name,
      state: change.fault ? 'drifted' : STATE_OF[change.outcome],
      ...(change.detail ? { detail: change.detail } : {}),
      ...(change.warning ? { warning: change.warning } : {}),
      ...(!change.fault && (change.warning || (change.outcome === 'unchanged' && /drifted/.test(change.detail ?? ''))) ? { notice: true } : {}),
    }))
  })
}

/**
 * The SSM step for when the parameters' values are not in this environment: each declared
 * parameter (json/services.json) is checked by name and SecureString type only.
 */
export function parameterNamesStep(reason: string): Step {
  return {
    id: ssmParametersStep.id,
    title: ssmParametersStep.title,
    needs: [],
    async run(ctx) {
      const names = ctx.services.flatMap((s: ServiceDeclaration) => s.parameters.map((p) => parameterPath(ctx.names.ssmPrefix, s.name, p.name)))
      const ssm = ctx.client(SSMClient, 'SSM')
      const found = new Map<string, string | undefined>()
      for (let i = 0; i < names.length; i += 10) {
        const page = await ssm.send(new GetParametersCommand({ Names: names.slice(i, i + 10), WithDecryption: false }))
        for (const p of page.Parameters ?? []) if (p.Name) found.set(p.Name, p.Type)
      }
      return names.map((name): Change => {
        if (!found.has(name)) return { resource: 'ssm parameter', name, outcome: 'created', detail: 'SecureString' }
        const type = found.get(name)
        if (type !== ParameterType.SECURE_STRING) return { resource: 'ssm parameter', name, outcome: 'updated', detail: `SecureString (was ${type})` }
        return { resource: 'ssm parameter', name, outcome: 'unchanged', detail: `SecureString; value not compared (${reason})` }
      })
    },
  }
}

/** Every resource provision manages, each with its state. Reads only: the steps run as a dry run. */
export async function inventory(run: RunContext, options: { services?: readonly string[] } = {}): Promise<Item[]> {
  const scoped = runFor(run, options.services)
  // The shared resources are judged for every service (the security group opens all their
  // ports); only the other services' own task definitions and services are left out.
  const others = run.services.filter((s) => !scoped.services.some((kept) => kept.name === s.name))
  const leftOut = new Set(others.flatMap((s) => [taskDefinitionStep(s).id, serviceStep(s).id]))
  const steps = allSteps(run.services).filter((step) => !leftOut.has(step.id))
  const ctx = await stepContext({ ...run, mode: 'dry-run', dryRun: true }, steps)
  const items: Item[] = []
  const runnable: Step[] = []
  for (const step of steps) {
    const problems = step.validate?.(run) ?? []
    if (problems.length === 0) runnable.push(step)
    else if (step.id === ssmParametersStep.id) runnable.push(parameterNamesStep('its variable is not set here'))
    else items.push({ step: step.id, kind: step.title, name: '', state: 'unchecked', detail: problems.join('; ') })
  }
  const reports = await runSteps(runnable, ctx)
  // In the steps' order, with the unchecked ones where their step would be.
  const order = steps.map((s) => s.id)
  return [...itemsFromReports(reports), ...items].sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step))
}

const MARK: Record<ItemState, string> = { ok: '✓', missing: '✗', drifted: '✗', error: '✗', unchecked: '?', failed: '✗' }

// ---------------------------------------------------------------- what verify and audit say

/** Verify's checks that provision does not make pass (the image is pushed by deploy): worth a look, not a failure. */
const PUSHED_BY_DEPLOY = new Set(['image', 'platform'])

/** Items for scripts/verify's failed checks. Pure. */
export function itemsFromChecks(results: readonly CheckResult[]): Item[] {
  return results
    .filter((r) => r.verdict === 'fail')
    .map((r): Item => {
      const command = `./scripts/verify ${r.service}`
      if (PUSHED_BY_DEPLOY.has(r.check)) return { step: 'verify', kind: `verify ${r.service}`, name: r.check, state: 'ok', notice: true, detail: `${r.detail} (${command}; ./scripts/image/build and ./scripts/image/push ${r.service} put it there)` }
      return { step: 'verify', kind: `verify ${r.service}`, name: r.check, state: 'failed', detail: `${r.detail} (${command})` }
    })
}

/** Items for scripts/audit's open findings at high or critical severity. Pure. */
export function itemsFromAudit(report: Pick<AuditReport, 'findings'>): Item[] {
  return report.findings
    .filter((f) => !f.accepted && (f.severity === 'critical' || f.severity === 'high'))
    .map((f): Item => {
      const detail = `${f.severity}: ${f.message} (./scripts/audit explains the fix)`
      // The account's own settings (CloudTrail, Config) are not the kit's to make: worth a look.
      if (f.ruleId.startsWith('KIT-ACCT-')) return { step: 'audit', kind: `audit ${f.ruleId}`, name: f.resource, state: 'ok', notice: true, detail }
      return { step: 'audit', kind: `audit ${f.ruleId}`, name: f.resource, state: 'failed', detail }
    })
}

/**
 * What scripts/verify and scripts/audit (at --fail-on high) would fail on, as items: their own
 * reads and rules, called, not repeated. Reads only.
 */
export async function checkItems(run: RunContext, options: { services?: readonly string[] } = {}): Promise<Item[]> {
  const scoped = runFor(run, options.services)
  const ctx = await stepContext(scoped)
  const reader = new VerifyReader(ctx)
  // The audit sees what ./scripts/audit sees (ECS_SERVICES): the shared security group opens every service's ports.
  const [checks, snapshot] = await Promise.all([Promise.all(scoped.services.map((s) => verifyService(reader, s))), liveSnapshot(run)])
  return [...itemsFromChecks(checks.flat()), ...itemsFromAudit(evaluate(snapshot, loadAccepted(), 'high'))]
}

/** One line per resource. Pure. */
export function formatInventory(items: readonly Item[]): string[] {
  const width = Math.max(40, ...items.map((i) => `${i.kind} ${i.name}`.trim().length))
  return items.map((item) => {
    const mark = item.state === 'ok' && item.notice ? '!' : MARK[item.state]
    const detail = [item.detail, item.warning].filter(Boolean).join('; ')
    const text = item.state === 'ok' ? detail : `${item.state}${detail ? `: ${detail}` : ''}`
    return `  ${mark} ${`${item.kind} ${item.name}`.trim().padEnd(width)} ${text}`.trimEnd()
  })
}

// ---------------------------------------------------------------- what runs

export interface DeploymentStatus {
  id: string
  status: string
  rolloutState?: string
  rolloutStateReason?: string
  taskDefinition: string
  desired: number
  running: number
  pending: number
  failed: number
  updatedAt?: string
}

export interface TaskStatus {
  id: string
  lastStatus: string
  desiredStatus?: string
  health: string
  taskDefinition: string
  publicIp?: string
  privateIp?: string
  startedAt?: string
  stoppedReason?: string
  containers: Array<{ name: string; lastStatus?: string; health?: string; imageDigest?: string; exitCode?: number; reason?: string }>
}

export interface ServiceStatus {
  name: string
  /** ACTIVE, DRAINING, INACTIVE, or MISSING. */
  status: string
  taskDefinition?: string
  /** The family's latest ACTIVE revision, when the service runs another. */
  latestRevision?: string
  desired: number
  running: number
  pending: number
  deployments: DeploymentStatus[]
  tasks: TaskStatus[]
  /** The last five events, oldest first. */
  events: Array<{ at?: string; message: string }>
  /** The PRIMARY deployment's rollout when it is failing: its state, failed tasks and the latest stopped task's reason. */
  failing?: { rolloutState: string; failed: number; lastStopped?: string }
  /** Its public URL, for a service the front door routes to (once the URL is known). */
  url?: string
  /** The target groups the service is attached to (its loadBalancers), each target's health (DescribeTargetHealth). */
  targetGroups?: TargetGroupStatus[]
  /** Its rollback alarms that exist (lib/steps/rollback-alarms.ts), each with its state. */
  alarms?: AlarmStatus[]
}

export interface AlarmStatus {
  name: string
  /** OK, ALARM or INSUFFICIENT_DATA. */
  state: string
  /** CloudWatch's reason, when the alarm is in ALARM. */
  reason?: string
}

/** A service's alarms in ALARM, as "name: reason". Pure. */
export function alarmsInAlarm(service: Pick<ServiceStatus, 'alarms'>): string[] {
  return (service.alarms ?? []).filter((a) => a.state === 'ALARM').map((a) => `${a.name}${a.reason ? `: ${a.reason}` : ''}`)
}

/** The state of each service's rollback alarms that exist, by service name (one DescribeAlarms per 100 names). Reads only. */
export async function alarmsStatus(run: RunContext, services: readonly string[]): Promise<Map<string, AlarmStatus[]>> {
  const names = new Map(services.map((name) => [name, rollbackAlarmNames(serviceNamed(name))]))
  const all = [...names.values()].flat()
  const found = all.length ? await readAlarms(cloudWatch(run), all) : new Map()
  const states = new Map<string, AlarmStatus[]>()
  for (const [service, alarms] of names) {
    states.set(
      service,
      alarms.flatMap((name) => {
        const alarm = found.get(name)
        if (!alarm) return []
        const state = alarm.StateValue ?? 'INSUFFICIENT_DATA'
        return [{ name, state, ...(state === 'ALARM' && alarm.StateReason ? { reason: alarm.StateReason } : {}) }]
      }),
    )
  }
  return states
}

/** A service's alarm lines: ✓ OK, ✗ ALARM (with its reason: ECS rolls a deployment back on it), ! INSUFFICIENT_DATA. Pure. */
export function alarmLines(s: Pick<ServiceStatus, 'alarms'>): string[] {
  return (s.alarms ?? []).map((a) => {
    const mark = a.state === 'OK' ? '✓' : a.state === 'ALARM' ? '✗' : '!'
    return `  ${mark} alarm ${a.name}: ${a.state}${a.reason ? `: ${a.reason}` : ''}`
  })
}

export interface TargetStatus {
  /** The target's IP (a task's, for awsvpc tasks). */
  id: string
  port?: number
  /** healthy, initial, unhealthy, unused, draining, unavailable. */
  state: string
  reason?: string
  description?: string
}

export interface TargetGroupStatus {
  name: string
  arn: string
  targets: TargetStatus[]
  /** The target group no longer exists (the service still names it). */
  missing?: boolean
}

/** The targets of a service that are unhealthy, as "name target: state: reason (description)". Pure. */
export function unhealthyTargets(service: Pick<ServiceStatus, 'targetGroups'>): string[] {
  return (service.targetGroups ?? []).flatMap((g) =>
    g.missing ? [`${g.name}: the target group does not exist`] : g.targets.filter((t) => t.state === 'unhealthy').map((t) => `${g.name} ${t.id}: ${targetText(t)}`),
  )
}

const targetText = (t: TargetStatus): string => healthText({ TargetHealth: { State: t.state as never, Reason: t.reason as never, Description: t.description } })

/** Whether a PRIMARY deployment is failing: its rollout FAILED, or tasks failed and it has not completed. Pure. */
export function isFailing(d: Pick<DeploymentStatus, 'status' | 'rolloutState' | 'failed'> | undefined): boolean {
  return !!d && d.status === 'PRIMARY' && (d.rolloutState === 'FAILED' || (d.failed > 0 && d.rolloutState !== 'COMPLETED'))
}

/** Why a stopped task stopped: its reason and its essential containers'. Pure. */
export function stopReason(task: Task): string | undefined {
  const containers = (task.containers ?? []).filter((c) => c.reason || c.exitCode !== undefined).map((c) => `${c.name}: ${c.reason ?? `exit ${c.exitCode}`}`)
  const parts = [task.stoppedReason, ...containers].filter(Boolean)
  return parts.length ? parts.join('; ') : undefined
}

/** family:revision of a task definition ARN. Pure. */
export const revisionOf = (arn: string | undefined): string => (arn ?? '').split('/').pop() ?? ''
const iso = (date: Date | undefined): string | undefined => (date ? new Date(date).toISOString() : undefined)

/** A task as status shows it; the public IP comes from its ENI, looked up by the caller. Pure. */
export function taskStatus(task: Task, publicIps: ReadonlyMap<string, string>): TaskStatus {
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface')
  const detail = (name: string) => eni?.details?.find((d) => d.name === name)?.value
  const eniId = detail('networkInterfaceId')
  const publicIp = eniId ? publicIps.get(eniId) : undefined
  const privateIp = detail('privateIPv4Address')
  return {
    id: (task.taskArn ?? '').split('/').pop() ?? '',
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    ...(task.desiredStatus ? { desiredStatus: task.desiredStatus } : {}),
    health: task.healthStatus ?? 'UNKNOWN',
    taskDefinition: revisionOf(task.taskDefinitionArn),
    ...(publicIp ? { publicIp } : {}),
    ...(privateIp ? { privateIp } : {}),
    ...(task.startedAt ? { startedAt: iso(task.startedAt) } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? '?',
      ...(c.lastStatus ? { lastStatus: c.lastStatus } : {}),
      ...(c.healthStatus ? { health: c.healthStatus } : {}),
      ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  }
}

/** A service as status shows it, from DescribeServices' answer and its tasks. Pure. */
export function serviceStatus(name: string, service: Service | undefined, tasks: TaskStatus[], latest?: string, lastStopped?: string): ServiceStatus {
  if (!service) return { name, status: 'MISSING', desired: 0, running: 0, pending: 0, deployments: [], tasks: [], events: [] }
  const current = revisionOf(service.taskDefinition)
  return {
    name,
    status: service.status ?? 'UNKNOWN',
    taskDefinition: current,
    ...(latest && latest !== current ? { latestRevision: latest } : {}),
    desired: service.desiredCount ?? 0,
    running: service.runningCount ?? 0,
    pending: service.pendingCount ?? 0,
    deployments: (service.deployments ?? []).map((d) => ({
      id: d.id ?? '?',
      status: d.status ?? '?',
      ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
      ...(d.rolloutStateReason ? { rolloutStateReason: d.rolloutStateReason } : {}),
      taskDefinition: revisionOf(d.taskDefinition),
      desired: d.desiredCount ?? 0,
      running: d.runningCount ?? 0,
      pending: d.pendingCount ?? 0,
      failed: d.failedTasks ?? 0,
      ...(d.updatedAt ? { updatedAt: iso(d.updatedAt) } : {}),
    })),
    tasks,
    events: (service.events ?? [])
      .slice(0, 5)
      .reverse()
      .map((e) => ({ ...(e.createdAt ? { at: iso(e.createdAt) } : {}), message: e.message ?? '' })),
    ...failingOf(service, lastStopped),
  }
}

function failingOf(service: Service, lastStopped: string | undefined): Pick<ServiceStatus, 'failing'> {
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY')
  const failed = primary?.failedTasks ?? 0
  if (!primary || !isFailing({ status: 'PRIMARY', rolloutState: primary.rolloutState, failed })) return {}
  return { failing: { rolloutState: primary.rolloutState ?? 'IN_PROGRESS', failed, ...(lastStopped ? { lastStopped } : {}) } }
}

/** The latest stopped task's reason, for a service whose rollout is failing. Reads only. */
async function latestStopReason(ecs: ECSClient, cluster: string, service: string): Promise<string | undefined> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED' }))).taskArns ?? []
  if (arns.length === 0) return undefined
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) }))).tasks ?? []
  const latest = [...tasks].sort((a, b) => new Date(b.stoppedAt ?? 0).getTime() - new Date(a.stoppedAt ?? 0).getTime())[0]
  return latest ? stopReason(latest) : undefined
}

/** Deployments, tasks (with public IPs) and events of each service. Reads only. */
export async function servicesStatus(run: RunContext, services: readonly string[]): Promise<ServiceStatus[]> {
  const ecs = run.client(ECSClient, 'ECS')
  const { cluster } = run.names
  const described = new Map<string, Service>()
  try {
    for (let i = 0; i < services.length; i += 10) {
      const page = await ecs.send(new DescribeServicesCommand({ cluster, services: services.slice(i, i + 10) }))
      for (const s of page.services ?? []) if (s.serviceName && s.status !== 'INACTIVE') described.set(s.serviceName, s)
    }
  } catch (error) {
    if (!awsErrorIs(error, 'ClusterNotFoundException')) throw error
  }
  return Promise.all(
    services.map(async (name) => {
      const service = described.get(name)
      if (!service) return serviceStatus(name, undefined, [])
      const [arns, latest] = await Promise.all([
        ecs.send(new ListTasksCommand({ cluster, serviceName: name })).then((r) => r.taskArns ?? []),
        // DescribeTaskDefinition by family answers its latest ACTIVE revision.
        ecs
          .send(new DescribeTaskDefinitionCommand({ taskDefinition: revisionOf(service.taskDefinition).split(':')[0] }))
          .then((r) => revisionOf(r.taskDefinition?.taskDefinitionArn) || undefined)
          .catch(() => undefined),
      ])
      const tasks = arns.length ? ((await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) }))).tasks ?? []) : []
      const eniIds = tasks.flatMap((t) => t.attachments?.find((a) => a.type === 'ElasticNetworkInterface')?.details?.filter((d) => d.name === 'networkInterfaceId').map((d) => d.value as string) ?? [])
      const publicIps = new Map<string, string>()
      if (eniIds.length) {
        const enis = await run.client(EC2Client, 'EC2').send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eniIds })).catch((error: unknown) => {
          // A stopped task's interface is gone: its IP is simply unknown.
          if (awsErrorIs(error, /InvalidNetworkInterfaceID/)) return undefined
          throw error
        })
        for (const eni of enis?.NetworkInterfaces ?? []) if (eni.NetworkInterfaceId && eni.Association?.PublicIp) publicIps.set(eni.NetworkInterfaceId, eni.Association.PublicIp)
      }
      const targetGroups = await targetGroupsStatus(run, service)
      const primary = service.deployments?.find((d) => d.status === 'PRIMARY')
      const lastStopped = isFailing(primary && { status: 'PRIMARY', rolloutState: primary.rolloutState, failed: primary.failedTasks ?? 0 })
        ? await latestStopReason(ecs, cluster, name)
        : undefined
      const status = serviceStatus(name, service, tasks.map((t) => taskStatus(t, publicIps)), latest, lastStopped)
      return targetGroups.length ? { ...status, targetGroups } : status
    }),
  )
}

/** Each target group the service is attached to, with its targets' health. Reads only. */
async function targetGroupsStatus(run: RunContext, service: Service): Promise<TargetGroupStatus[]> {
  const arns = serviceTargetGroups(service)
  if (arns.length === 0) return []
  const client = elbv2(run)
  return Promise.all(
    arns.map(async (arn): Promise<TargetGroupStatus> => {
      const name = targetGroupNameOf(arn)
      try {
        const answer = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))
        const targets = (answer.TargetHealthDescriptions ?? []).map(
          (t): TargetStatus => ({
            id: t.Target?.Id ?? '?',
            ...(t.Target?.Port !== undefined ? { port: t.Target.Port } : {}),
            state: t.TargetHealth?.State ?? 'unknown',
            ...(t.TargetHealth?.Reason ? { reason: t.TargetHealth.Reason } : {}),
            ...(t.TargetHealth?.Description ? { description: t.TargetHealth.Description } : {}),
          }),
        )
        return { name, arn, targets }
      } catch (error) {
        if (awsErrorIs(error, /TargetGroupNotFound/)) return { name, arn, targets: [], missing: true }
        throw error
      }
    }),
  )
}

/** Each routed service's URL, by service name: the front door as it exists (read-only). */
export async function serviceUrlsOf(run: RunContext, services: readonly string[]): Promise<Record<string, string>> {
  const declared = services.map((name) => serviceNamed(name)).filter((s) => s.frontDoor)
  if (declared.length === 0) return {}
  const found = await resolveFrontDoor({ ...run, discovered: {} })
  const urls: Record<string, string> = {}
  for (const service of declared) {
    const url = found.serviceUrls?.[urlPlaceholder(service.name)]
    if (url) urls[service.name] = url
  }
  return urls
}

const short = (digest: string | undefined): string => (digest ? `${digest.slice(0, 19)}…` : 'no digest yet')
const clock = (at: string | undefined): string => (at ? at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '')

/**
 * A service's target lines: ✓ healthy; ✗ unhealthy (the load balancer sends the task no
 * traffic: users see 502/503, so status fails, as for a failing rollout) or a target group that
 * is gone; ! anything on its way (initial, draining) or no target registered (worth a look: a
 * service with running tasks registers them). Pure.
 */
export function targetLines(s: Pick<ServiceStatus, 'targetGroups'>): string[] {
  const lines: string[] = []
  for (const g of s.targetGroups ?? []) {
    if (g.missing) {
      lines.push(`  ✗ target group ${g.name}: does not exist (./scripts/provision creates it)`)
      continue
    }
    if (g.targets.length === 0) lines.push(`  ! target group ${g.name}: no targets registered`)
    for (const t of g.targets) {
      const mark = t.state === 'healthy' ? '✓' : t.state === 'unhealthy' ? '✗' : '!'
      lines.push(`  ${mark} target ${t.id}${t.port !== undefined ? `:${t.port}` : ''} in ${g.name}: ${targetText(t)}`)
    }
  }
  return lines
}

/** The per-service lines. Pure. */
export function formatServices(services: readonly ServiceStatus[]): string[] {
  const lines: string[] = []
  for (const s of services) {
    if (s.status === 'MISSING') {
      lines.push(`${s.name}: not created (./scripts/provision creates it)`)
      if (s.url) lines.push(`  url ${s.url} (nothing behind it yet)`)
      continue
    }
    const behind = s.latestRevision ? ` (latest is ${s.latestRevision}: not rolled out yet)` : ''
    const failing = s.failing
      ? `; rollout ${s.failing.rolloutState} and failing: ${s.failing.failed} task${s.failing.failed === 1 ? '' : 's'} failed${s.failing.lastStopped ? `, the latest stopped: ${s.failing.lastStopped}` : ''}`
      : ''
    lines.push(`${s.name}: ${s.status}, ${s.taskDefinition}${behind}, running ${s.running} / pending ${s.pending} / desired ${s.desired}${failing}`)
    if (s.url) lines.push(`  url ${s.url}`)
    lines.push(...targetLines(s))
    lines.push(...alarmLines(s))
    for (const d of s.deployments) {
      const rollout = d.rolloutState ? ` ${d.rolloutState}${d.rolloutStateReason ? ` (${d.rolloutStateReason})` : ''}` : ''
      lines.push(`  deployment ${d.status}${rollout}, ${d.taskDefinition}: running ${d.running} / pending ${d.pending} / desired ${d.desired}${d.failed ? `, ${d.failed} failed` : ''}`)
    }
    if (s.tasks.length === 0) lines.push('  tasks: none running')
    for (const t of s.tasks) {
      const ip = t.publicIp ? `public ${t.publicIp}` : t.privateIp ? `private ${t.privateIp} (no public IP)` : 'no IP yet'
      const digests = t.containers.map((c) => `${c.name} ${short(c.imageDigest)}${c.exitCode !== undefined ? ` exit ${c.exitCode}` : ''}`).join(', ')
      lines.push(`  task ${t.id.slice(0, 12)} ${t.lastStatus} ${t.health}, ${t.taskDefinition}, ${ip}, ${digests}${t.stoppedReason ? `; ${t.stoppedReason}` : ''}`)
    }
    if (s.events.length) {
      lines.push('  last events:')
      for (const e of s.events) lines.push(`    ${clock(e.at)} ${e.message}`)
    }
  }
  return lines
}

/**
 * The monthly cost line's hook: the cost module (scripts/cost) provides one; status prints
 * its answer, or a pointer to scripts/cost when there is none.
 */
export type CostLine = (run: RunContext) => Promise<string | undefined>
export const COST_PLACEHOLDER = 'monthly cost: (see scripts/cost)'

export interface StatusDocument {
  /** True when every resource is ok. */
  ok: boolean
  region: string
  account: string
  resources: Item[]
  summary: Record<ItemState, number>
  services: ServiceStatus[]
  /** The cost module's line, or null when there is none. */
  monthlyCost: string | null
  /** What scripts/verify and scripts/audit (high and critical) fail on: state failed, or ok with a notice when worth a look. */
  checks: Item[]
  /** Whether verify's checks and audit's rules ran (only when every resource exists). */
  checked: boolean
  /** Each routed service's public URL, by service name (also on each service). */
  urls: Record<string, string>
}

/** Counts per state. Pure. */
export function countStates(items: readonly Item[]): Record<ItemState, number> {
  const counts: Record<ItemState, number> = { ok: 0, missing: 0, drifted: 0, error: 0, unchecked: 0, failed: 0 }
  for (const item of items) counts[item.state] += 1
  return counts
}

/** Everything status reports. Reads only. */
export async function statusReport(run: RunContext, options: { services?: readonly string[]; costLine?: CostLine } = {}): Promise<StatusDocument> {
  const services = options.services ?? run.services.map((s) => s.name)
  const [resources, running, account, urls, alarms] = await Promise.all([
    inventory(run, { services: options.services }),
    servicesStatus(run, services),
    run.account(),
    serviceUrlsOf(run, services),
    alarmsStatus(run, services),
  ])
  const live = running.map((s) => {
    const withUrl = urls[s.name] ? { ...s, url: urls[s.name] } : s
    return alarms.get(s.name)?.length ? { ...withUrl, alarms: alarms.get(s.name) } : withUrl
  })
  // What verify and audit would fail on, once every resource is there to check (until then, provision comes first).
  const complete = resources.every((r) => r.state !== 'missing' && r.state !== 'error')
  const checks = complete ? await checkItems(run, { services: options.services }) : []
  const monthlyCost = options.costLine ? ((await options.costLine(run)) ?? null) : null
  const summary = countStates(resources)
  const ok = resources.every((r) => r.state === 'ok') && checks.every((c) => c.state === 'ok') && live.every((s) => !s.failing && unhealthyTargets(s).length === 0 && alarmsInAlarm(s).length === 0)
  return { ok, region: run.region, account, resources, summary, checks, checked: complete, services: live, monthlyCost, urls }
}
