// Scripted ECS rollouts at the HTTP level, in front of moto. moto does not roll deployments
// (update_service keeps the old task definition on its one PRIMARY deployment and never starts
// a task), so a rollout verdict could never be tested against it. This proxy forwards every
// call to moto, then, once a deployment starts (UpdateService, CreateService, or arm()),
// rewrites what ECS would show while it rolls out: DescribeServices' deployments, counts and
// events, ListTasks(startedBy, STOPPED) and DescribeTasks for the tasks the deployment started
// and that stopped. The answers have the shapes of real ECS JSON (awsJson1_1; timestamps in
// epoch seconds): deployments with rolloutState/rolloutStateReason, events with ids and
// createdAt, tasks with stopCode, stoppedReason and containers[].exitCode/reason. The timeline
// advances one frame per DescribeServices answer (per poll), or by wall-clock time.
// Behind a load balancer (a service with loadBalancers; frames may say how its targets are), it also answers
// ListTasks(startedBy, RUNNING) and DescribeTasks for the new deployment's running tasks (each
// with its ENI's private IP), and ELBv2's DescribeTargetHealth (awsquery: XML) with those IPs as
// targets, the old deployment's tasks healthy beside them; other ELBv2 calls go to moto.
import { randomBytes, randomInt } from 'node:crypto'
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

type Json = Record<string, unknown>

/** What a timeline's frames are written against: filled in when the deployment starts. */
export interface RolloutContext {
  serviceName: string
  clusterArn: string
  region: string
  account: string
  /** The task definition the new deployment runs, and the one that ran before (undefined for a new service). */
  newTd: string
  oldTd: string | undefined
  /** Another revision of the family (a deployment someone else starts). */
  otherTd: string
  newId: string
  oldId: string
  rollbackId: string
  otherId: string
  /** Epoch seconds when the deployment started. */
  t0: number
  desiredCount: number
  /** How the deployment before this one was left (by the previous timeline): its state carries over. */
  oldState?: Partial<DeploymentJson>
  /** Epoch seconds when the circuit breaker tripped (set when a timeline first shows it). */
  rolledBackAt?: number
  /** The service's target group and container port (its loadBalancers), when it has one. */
  targetGroupArn?: string
  targetPort?: number
  /** ECS's service deployment records (ListServiceDeployments): this deployment's, the one before's, and their service revisions. */
  serviceDeploymentArn: string
  serviceRevisionArn: string
  oldServiceDeploymentArn: string
  oldServiceRevisionArn: string
  /** Epoch seconds when a record first showed each state (finishedAt, rollback.startedAt). */
  recordTimes?: Map<string, number>
}

/** A target's health as DescribeTargetHealth shows it (TargetHealth). */
export interface TargetHealthJson {
  State: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable'
  Reason?: string
  Description?: string
}

export interface DeploymentJson extends Json {
  id: string
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE'
  taskDefinition: string
  desiredCount: number
  pendingCount: number
  runningCount: number
  failedTasks: number
  rolloutState?: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS'
  rolloutStateReason?: string
}

export interface Frame {
  deployments(c: RolloutContext): DeploymentJson[]
  /** The service's desired count at this frame (default: the context's). */
  desiredCount?: number
  /** Event messages ECS adds at this frame, oldest first. */
  events?(c: RolloutContext): string[]
  /** Tasks that stopped at this frame. */
  stopped?(c: RolloutContext): TaskJson[]
  /** Answer this many DescribeServices calls with ThrottlingException before showing the frame. */
  throttle?: number
  /** Answer this many DescribeServices calls with a load balancer's HTTP 503 page before showing the frame. */
  unavailable?: number
  /** Hold this many DescribeServices answers for `ms` (longer than the client's request timeout) before showing the frame. */
  stall?: { count: number; ms: number }
  /** Behind a load balancer: the health of the new deployment's running tasks' targets at this frame. */
  targets?: TargetHealthJson
  /** ECS's service deployment record of this deployment at this frame (a timeline with records answers ListServiceDeployments). */
  record?: RecordState | ((c: RolloutContext) => RecordState)
  /** ListServiceDeployments does not list this deployment's record yet (ECS's API is eventually consistent); DescribeServiceDeployments knows it. */
  unlisted?: boolean
}

/** A service deployment record's state at one frame: what DescribeServiceDeployments shows then. */
export interface RecordState {
  status: 'PENDING' | 'IN_PROGRESS' | 'SUCCESSFUL' | 'STOPPED' | 'STOP_REQUESTED' | 'ROLLBACK_REQUESTED' | 'ROLLBACK_IN_PROGRESS' | 'ROLLBACK_SUCCESSFUL' | 'ROLLBACK_FAILED'
  statusReason?: string
  lifecycleStage?: string
  /** The production traffic the new revision is given (blue/green, canary, linear). */
  weight?: number
  running?: number
  pending?: number
  /** The alarms' monitor: MONITORING, or TRIGGERED with the alarms that fired. */
  alarms?: { status: 'DISABLED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'TRIGGERED'; triggered?: string[] }
  circuitBreaker?: { status: 'DISABLED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'TRIGGERED'; failureCount: number }
  rollbackReason?: string
}

export interface Timeline {
  name: string
  frames: Frame[]
  /** With records: the deployment configuration its records show (its strategy, alarms, circuit breaker). */
  deploymentConfiguration?: (c: RolloutContext) => Json
  /** What really happened to the deployment. */
  truth: 'success' | 'failure'
  /** The frame at which ECS first shows the outcome (the failure, or the completed rollout). */
  shows: number
}

export interface TaskJson extends Json {
  taskArn: string
  startedBy: string
}

// ---- realistic pieces -----------------------------------------------------------------------

const hex = (bytes: number) => randomBytes(bytes).toString('hex')
const deploymentId = () => `ecs-svc/${randomInt(1e9, 9e9)}${randomInt(1e9, 9e9)}`

/** A deployment as DescribeServices shows it. */
export function deployment(c: RolloutContext, id: string, td: string, fields: Partial<DeploymentJson>): DeploymentJson {
  return {
    id,
    status: 'ACTIVE',
    taskDefinition: td,
    desiredCount: c.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: c.t0,
    updatedAt: c.t0 + 30,
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc started.',
    ...fields,
  }
}

/** The new deployment (this update's). */
export const ours = (c: RolloutContext, fields: Partial<DeploymentJson> = {}) =>
  deployment(c, c.newId, c.newTd, { status: 'PRIMARY', rolloutStateReason: `ECS deployment ${c.newId} in progress.`, ...fields })

/** The deployment that ran before: ACTIVE and COMPLETED while the new one rolls out; absent for a new service. */
export const before = (c: RolloutContext, fields: Partial<DeploymentJson> = {}): DeploymentJson[] =>
  c.oldTd
    ? [
        deployment(c, c.oldId, c.oldTd, {
          runningCount: c.desiredCount,
          rolloutState: 'COMPLETED',
          rolloutStateReason: `ECS deployment ${c.oldId} completed.`,
          createdAt: c.t0 - 86400,
          updatedAt: c.t0 - 86000,
          ...c.oldState,
          ...fields,
          status: 'ACTIVE',
        }),
      ]
    : []

const taskId = () => hex(16)

/** A task this deployment started that has stopped, as DescribeTasks returns it. */
export function stoppedTask(
  c: RolloutContext,
  how: { stopCode: string; stoppedReason: string; exitCode?: number; reason?: string; health?: 'UNHEALTHY' | 'UNKNOWN'; startedBy?: string },
): TaskJson {
  const id = taskId()
  const taskArn = `arn:aws:ecs:${c.region}:${c.account}:task/${c.clusterArn.split('/').pop()}/${id}`
  const now = Date.now() / 1000
  const started = how.stopCode !== 'TaskFailedToStart'
  return {
    attachments: [{ id: hex(8), type: 'ElasticNetworkInterface', status: 'DELETED', details: [{ name: 'subnetId', value: 'subnet-0abc' }] }],
    availabilityZone: `${c.region}a`,
    clusterArn: c.clusterArn,
    connectivity: 'CONNECTED',
    containers: [
      {
        containerArn: `arn:aws:ecs:${c.region}:${c.account}:container/${id}/${hex(16)}`,
        taskArn,
        name: c.serviceName,
        image: `${c.account}.dkr.ecr.${c.region}.amazonaws.com/${c.serviceName}@sha256:${hex(32)}`,
        lastStatus: 'STOPPED',
        ...(how.exitCode !== undefined ? { exitCode: how.exitCode } : {}),
        ...(how.reason ? { reason: how.reason } : {}),
        healthStatus: how.health ?? 'UNKNOWN',
        cpu: '0',
      },
    ],
    cpu: '256',
    createdAt: now - 60,
    desiredStatus: 'STOPPED',
    enableExecuteCommand: true,
    group: `service:${c.serviceName}`,
    healthStatus: how.health ?? 'UNKNOWN',
    lastStatus: 'STOPPED',
    launchType: 'FARGATE',
    memory: '512',
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    startedBy: how.startedBy ?? c.newId,
    ...(started ? { startedAt: now - 45 } : {}),
    stopCode: how.stopCode,
    stoppedAt: now,
    stoppedReason: how.stoppedReason,
    stoppingAt: now - 2,
    taskArn,
    taskDefinitionArn: c.newTd,
    version: 5,
  }
}

const svc = (c: RolloutContext) => `(service ${c.serviceName})`
const short = (arn: string) => arn.split('/').pop() as string

/** The tasks a deployment runs (the same ones at every frame of one deployment), with their ENI's private IP, as DescribeTasks returns them. */
const runningTasksMade = new WeakMap<RolloutContext, Map<string, TaskJson[]>>()
export function runningTasks(c: RolloutContext, deploymentId: string, td: string, count: number): TaskJson[] {
  let byDeployment = runningTasksMade.get(c)
  if (!byDeployment) runningTasksMade.set(c, (byDeployment = new Map()))
  const made = byDeployment.get(deploymentId) ?? []
  while (made.length < count) {
    const id = taskId()
    const taskArn = `arn:aws:ecs:${c.region}:${c.account}:task/${c.clusterArn.split('/').pop()}/${id}`
    const now = Date.now() / 1000
    const eni = `eni-0${hex(8)}`
    made.push({
      attachments: [
        {
          id: crypto.randomUUID(),
          type: 'ElasticNetworkInterface',
          status: 'ATTACHED',
          details: [
            { name: 'subnetId', value: 'subnet-0abc' },
            { name: 'networkInterfaceId', value: eni },
            { name: 'macAddress', value: '0a:1b:2c:3d:4e:5f' },
            { name: 'privateDnsName', value: `ip-10-0-1-${made.length + 10}.${c.region}.compute.internal` },
            { name: 'privateIPv4Address', value: `10.0.${randomInt(1, 250)}.${randomInt(10, 250)}` },
          ],
        },
      ],
      availabilityZone: `${c.region}a`,
      clusterArn: c.clusterArn,
      connectivity: 'CONNECTED',
      containers: [{ containerArn: `arn:aws:ecs:${c.region}:${c.account}:container/${id}/${hex(16)}`, taskArn, name: c.serviceName, lastStatus: 'RUNNING', healthStatus: 'UNKNOWN', cpu: '0' }],
      cpu: '256',
      createdAt: now - 60,
      desiredStatus: 'RUNNING',
      group: `service:${c.serviceName}`,
      healthStatus: 'UNKNOWN',
      lastStatus: 'RUNNING',
      launchType: 'FARGATE',
      memory: '512',
      platformVersion: '1.4.0',
      startedAt: now - 30,
      startedBy: deploymentId,
      taskArn,
      taskDefinitionArn: td,
      version: 3,
    })
  }
  byDeployment.set(deploymentId, made)
  return made.slice(0, count)
}

const ipOf = (t: TaskJson): string =>
  ((t.attachments as Array<{ details: Array<{ name: string; value: string }> }>)[0].details.find((d) => d.name === 'privateIPv4Address')?.value as string)

/** DescribeTargetHealth's answer (ELBv2 is awsquery: XML), as AWS writes it. */
export function targetHealthXml(targets: Array<{ id: string; port: number; zone: string; health: TargetHealthJson }>): string {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const members = targets
    .map(
      (t) =>
        `<member><HealthCheckPort>${t.port}</HealthCheckPort><Target><Id>${esc(t.id)}</Id><Port>${t.port}</Port><AvailabilityZone>${t.zone}</AvailabilityZone></Target>` +
        `<TargetHealth><State>${t.health.State}</State>${t.health.Reason ? `<Reason>${esc(t.health.Reason)}</Reason>` : ''}${t.health.Description ? `<Description>${esc(t.health.Description)}</Description>` : ''}</TargetHealth></member>`,
    )
    .join('')
  return (
    '<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">' +
    `<DescribeTargetHealthResult><TargetHealthDescriptions>${members}</TargetHealthDescriptions></DescribeTargetHealthResult>` +
    `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></DescribeTargetHealthResponse>`
  )
}

export const events = {
  started: (c: RolloutContext, task = taskId()) => `${svc(c)} has started 1 tasks: (task ${task}).`,
  stopped: (c: RolloutContext, t: TaskJson) => `${svc(c)} has stopped 1 running tasks: (task ${short(t.taskArn)}).`,
  steady: (c: RolloutContext) => `${svc(c)} has reached a steady state.`,
  completed: (c: RolloutContext, id = c.newId) => `${svc(c)} (deployment ${id}) deployment completed.`,
  failed: (c: RolloutContext) => `${svc(c)} (deployment ${c.newId}) deployment failed: tasks failed to start.`,
  rollingBack: (c: RolloutContext) => `${svc(c)} rolling back to deployment ${c.oldId}.`,
  unhealthy: (c: RolloutContext, t: TaskJson) => `${svc(c)} (task ${short(t.taskArn)}) failed container health checks.`,
  elbUnhealthy: (c: RolloutContext, t: TaskJson) => `${svc(c)} (task ${short(t.taskArn)}) failed ELB health checks in (target-group ${c.targetGroupArn}).`,
}

/** Target states ELB shows on the way (State, Reason, Description as AWS writes them). */
export const TARGET = {
  registering: { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' },
  checking: { State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress' },
  healthy: { State: 'healthy' },
  badCode: { State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch', Description: 'Health checks failed with these codes: [502]' },
} satisfies Record<string, TargetHealthJson>


// ---- service deployment records (ListServiceDeployments, DescribeServiceDeployments) ---------

const alnum = (n: number, chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') =>
  Array.from({ length: n }, () => chars[randomInt(chars.length)]).join('')
const serviceBase = (c: { region: string; account: string; clusterArn: string; serviceName: string }, kind: string) =>
  `arn:aws:ecs:${c.region}:${c.account}:${kind}/${c.clusterArn.split('/').pop()}/${c.serviceName}`
/** A service deployment ARN as ECS writes it: service-deployment/CLUSTER/SERVICE/ID. */
export const serviceDeploymentArn = (c: Parameters<typeof serviceBase>[0]) => `${serviceBase(c, 'service-deployment')}/${alnum(8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}-${alnum(12)}`
/** A service revision ARN: service-revision/CLUSTER/SERVICE/NUMBER. */
export const serviceRevisionArn = (c: Parameters<typeof serviceBase>[0]) => `${serviceBase(c, 'service-revision')}/${randomInt(1e9, 9e9)}${randomInt(1e9, 9e9)}`

const TERMINAL = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])
/** When a record first showed a state (epoch seconds), kept per deployment. */
const firstSeen = (c: RolloutContext, key: string) => {
  c.recordTimes ??= new Map()
  if (!c.recordTimes.has(key)) c.recordTimes.set(key, Date.now() / 1000)
  return c.recordTimes.get(key) as number
}

/** This deployment's record as DescribeServiceDeployments returns it (awsJson1_1: timestamps in epoch seconds). */
export function serviceDeploymentJson(c: RolloutContext, state: RecordState, configuration: Json = {}): Json {
  const desired = c.desiredCount
  const rolledBack = state.status.startsWith('ROLLBACK_')
  const alarmNames = (configuration.alarms as { alarmNames?: string[] } | undefined)?.alarmNames ?? []
  return {
    serviceDeploymentArn: c.serviceDeploymentArn,
    serviceArn: serviceBase(c, 'service'),
    clusterArn: c.clusterArn,
    createdAt: c.t0,
    ...(state.status !== 'PENDING' ? { startedAt: c.t0 + 0.4 } : {}),
    ...(TERMINAL.has(state.status) ? { finishedAt: firstSeen(c, 'finished') } : {}),
    ...(state.status === 'STOPPED' ? { stoppedAt: firstSeen(c, 'finished') } : {}),
    updatedAt: Date.now() / 1000,
    sourceServiceRevisions: c.oldTd
      ? [{ arn: c.oldServiceRevisionArn, requestedTaskCount: desired, runningTaskCount: desired, pendingTaskCount: 0, requestedTestTrafficWeight: 0, requestedProductionTrafficWeight: 100 - (state.weight ?? 0) }]
      : [],
    targetServiceRevision: {
      arn: c.serviceRevisionArn,
      requestedTaskCount: rolledBack ? 0 : desired,
      runningTaskCount: state.running ?? 0,
      pendingTaskCount: state.pending ?? 0,
      ...(state.weight !== undefined ? { requestedTestTrafficWeight: 100, requestedProductionTrafficWeight: state.weight } : {}),
    },
    status: state.status,
    ...(state.statusReason ? { statusReason: state.statusReason } : {}),
    ...(state.lifecycleStage ? { lifecycleStage: state.lifecycleStage } : {}),
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, ...configuration },
    ...(rolledBack ? { rollback: { reason: state.rollbackReason ?? state.statusReason ?? 'Service deployment rolled back.', startedAt: firstSeen(c, 'rollback'), serviceRevisionArn: c.oldServiceRevisionArn } } : {}),
    ...(state.circuitBreaker ? { deploymentCircuitBreaker: { status: state.circuitBreaker?.status, failureCount: state.circuitBreaker?.failureCount, threshold: 3 } } : {}),
    ...(state.alarms
      ? { alarms: { status: state.alarms.status, alarmNames, ...(state.alarms.triggered ? { triggeredAlarmNames: state.alarms.triggered } : {}) } }
      : {}),
  }
}

/** The record of the deployment before (SUCCESSFUL, a day ago), as DescribeServiceDeployments returns it. */
function previousDeploymentJson(c: RolloutContext): Json {
  return {
    serviceDeploymentArn: c.oldServiceDeploymentArn,
    serviceArn: serviceBase(c, 'service'),
    clusterArn: c.clusterArn,
    createdAt: c.t0 - 86400,
    startedAt: c.t0 - 86399.6,
    finishedAt: c.t0 - 86000,
    updatedAt: c.t0 - 86000,
    sourceServiceRevisions: [],
    targetServiceRevision: { arn: c.oldServiceRevisionArn, requestedTaskCount: c.desiredCount, runningTaskCount: c.desiredCount, pendingTaskCount: 0 },
    status: 'SUCCESSFUL',
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true }, strategy: 'ROLLING' },
  }
}

/** ListServiceDeployments' brief of a record. */
const brief = (d: Json): Json => {
  const { serviceDeploymentArn, serviceArn, clusterArn, startedAt, createdAt, finishedAt, status, statusReason } = d
  return { serviceDeploymentArn, serviceArn, clusterArn, startedAt, createdAt, finishedAt, targetServiceRevisionArn: (d.targetServiceRevision as Json).arn, status, statusReason }
}

/** A service revision as DescribeServiceRevisions returns it. */
function serviceRevisionJson(c: RolloutContext, arn: string, td: string, createdAt: number): Json {
  return {
    serviceRevisionArn: arn,
    serviceArn: serviceBase(c, 'service'),
    clusterArn: c.clusterArn,
    taskDefinition: td,
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    createdAt,
  }
}

// ---- the timelines --------------------------------------------------------------------------

const crash = (c: RolloutContext, exitCode = 1, reason?: string) =>
  stoppedTask(c, { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', exitCode, ...(reason ? { reason } : {}) })

/**
 * The same task each time a frame is shown, for one deployment: timelines are shared (module
 * constants), so a task made for an earlier deployment must not be shown for a later one.
 */
function oncePerDeployment(make: (c: RolloutContext) => TaskJson): (c: RolloutContext) => TaskJson {
  const made = new WeakMap<RolloutContext, TaskJson>()
  return (c) => {
    let task = made.get(c)
    if (!task) made.set(c, (task = make(c)))
    return task
  }
}

/** Frames where each one stops a task (and starts another), with the given stop. */
function stoppingFrames(stops: Array<(c: RolloutContext) => TaskJson>, fields: (i: number, c: RolloutContext) => Partial<DeploymentJson> = () => ({})): Frame[] {
  return stops.map((stop, i) => {
    const made = oncePerDeployment(stop)
    return {
      deployments: (c) => [ours(c, { pendingCount: 1, failedTasks: i + 1, ...fields(i, c) }), ...before(c)],
      stopped: (c) => [made(c)],
      events: (c) => [events.stopped(c, made(c)), events.started(c)],
    }
  })
}

/** The circuit breaker trips: our deployment FAILED, a rollback deployment of the old task definition PRIMARY. */
function rollbackFrames(failedTasks: number, why = 'ECS deployment circuit breaker: tasks failed to start.'): Frame[] {
  const failed = (c: RolloutContext) => ours(c, { status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: why, failedTasks, pendingCount: 0, desiredCount: 0 })
  // ECS creates the rollback deployment when the breaker trips, with its events.
  const tripped = (c: RolloutContext) => (c.rolledBackAt ??= Date.now() / 1000)
  const back = (c: RolloutContext, fields: Partial<DeploymentJson>) =>
    deployment(c, c.rollbackId, c.oldTd as string, {
      status: 'PRIMARY',
      rolloutStateReason: `${why.startsWith('ECS deployment circuit breaker') ? 'ECS deployment circuit breaker' : 'ECS deployment alarms'}: rolling back to deploymentId ${c.oldId}.`,
      createdAt: tripped(c),
      updatedAt: tripped(c),
      ...fields,
    })
  return [
    { deployments: (c) => [back(c, { pendingCount: 1 }), failed(c), ...before(c)], events: (c) => (tripped(c), [events.failed(c), events.rollingBack(c)]) },
    { deployments: (c) => [back(c, { runningCount: 1 }), ...before(c)] },
    {
      deployments: (c) => [back(c, { runningCount: c.desiredCount, rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${c.rollbackId} completed.` })],
      events: (c) => [events.completed(c, c.rollbackId), events.steady(c)],
    },
  ]
}

const starting: Frame = {
  deployments: (c) => [ours(c, { pendingCount: c.desiredCount }), ...before(c)],
  events: (c) => [events.started(c)],
}

const cleanFrames: Frame[] = [
  starting,
  { deployments: (c) => [ours(c, { runningCount: c.desiredCount }), ...before(c)] },
  { deployments: (c) => [ours(c, { runningCount: c.desiredCount }), ...before(c, { runningCount: 0 })], events: (c) => [`${svc(c)} has stopped 1 running tasks: (task ${taskId()}).`] },
  {
    deployments: (c) => [ours(c, { runningCount: c.desiredCount, rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${c.newId} completed.` })],
    events: (c) => [events.completed(c), events.steady(c)],
  },
]

/** The first running task of the new deployment (the one whose target the frames describe). */
const newTask = (c: RolloutContext) => runningTasks(c, c.newId, c.newTd, 1)[0]

export const TIMELINES = {
  clean: { name: 'a clean rollout', truth: 'success', shows: 3, frames: cleanFrames },

  behindLoadBalancer: {
    name: 'a rollout behind a load balancer: targets initial, then healthy',
    truth: 'success',
    shows: 4,
    frames: [
      starting,
      { ...cleanFrames[1], targets: TARGET.registering },
      { ...cleanFrames[1], targets: TARGET.checking },
      { ...cleanFrames[2], targets: TARGET.healthy },
      { ...cleanFrames[3], targets: TARGET.healthy },
    ],
  },

  elbUnhealthy: {
    name: 'new tasks failing their ELB health checks (Target.ResponseCodeMismatch)',
    truth: 'failure',
    shows: 2,
    frames: [
      starting,
      { ...cleanFrames[1], targets: TARGET.checking },
      { ...cleanFrames[1], targets: TARGET.badCode },
      {
        // ECS then stops the task and starts another.
        deployments: (c) => [ours(c, { pendingCount: 1, failedTasks: 1 }), ...before(c)],
        events: (c) => [events.elbUnhealthy(c, newTask(c)), `${svc(c)} has stopped 1 running tasks: (task ${short(newTask(c).taskArn)}).`, events.started(c)],
        targets: { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' },
      },
      { deployments: (c) => [ours(c, { pendingCount: 1, failedTasks: 1 }), ...before(c)], targets: TARGET.checking },
    ],
  },

  rollback: {
    name: 'a circuit-breaker rollback',
    truth: 'failure',
    shows: 4,
    frames: [
      starting,
      // Three failures, each different (so no fail-fast rule fires): the circuit breaker decides.
      ...stoppingFrames([(c) => crash(c, 1), (c) => crash(c, 137, 'OutOfMemoryError: Container killed due to memory usage'), (c) => crash(c, 2)]),
      ...rollbackFrames(3),
    ],
  },

  crashLoop: {
    name: 'a crash loop (no circuit breaker)',
    truth: 'failure',
    shows: 3,
    frames: [starting, ...stoppingFrames([1, 2, 3, 4, 5, 6].map(() => (c: RolloutContext) => crash(c, 3)))],
  },

  cannotPull: {
    name: 'CannotPullContainerError',
    truth: 'failure',
    shows: 1,
    frames: [
      starting,
      ...stoppingFrames(
        [1, 2, 3].map(() => (c: RolloutContext) =>
          stoppedTask(c, {
            stopCode: 'TaskFailedToStart',
            stoppedReason: `CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref ${c.account}.dkr.ecr.${c.region}.amazonaws.com/${c.serviceName}@sha256:${'0'.repeat(64)}: not found`,
          }),
        ),
      ),
      ...rollbackFrames(3),
    ],
  },

  healthCheck: {
    name: 'a failing health check',
    truth: 'failure',
    shows: 4,
    frames: [
      starting,
      { deployments: (c) => [ours(c, { runningCount: 1 }), ...before(c)] },
      ...[1, 2, 3].flatMap((i): Frame[] => {
        const made = oncePerDeployment((c) =>
          stoppedTask(c, { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks', exitCode: 143, health: 'UNHEALTHY' }),
        )
        return [
          {
            deployments: (c) => [ours(c, { pendingCount: 1, failedTasks: i }), ...before(c)],
            stopped: (c) => [made(c)],
            events: (c) => [events.unhealthy(c, made(c)), events.stopped(c, made(c)), events.started(c)],
          },
          { deployments: (c) => [ours(c, { runningCount: 1, failedTasks: i }), ...before(c)] },
        ]
      }),
    ],
  },

  desiredZero: {
    name: 'desired count 0',
    truth: 'failure',
    shows: 0,
    frames: [
      {
        desiredCount: 0,
        deployments: (c) => [ours(c, { desiredCount: 0, rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${c.newId} completed.` })],
        events: (c) => [events.completed(c), events.steady(c)],
      },
    ],
  },

  superseded: {
    name: 'a second deployment started while waiting',
    truth: 'failure',
    shows: 2,
    frames: [
      starting,
      { deployments: (c) => [ours(c, { runningCount: 1 }), ...before(c)] },
      {
        deployments: (c) => [
          deployment(c, c.otherId, c.otherTd, { status: 'PRIMARY', pendingCount: 1, createdAt: c.t0 + 60 }),
          ours(c, { status: 'ACTIVE', runningCount: 1 }),
          ...before(c),
        ],
        events: (c) => [events.started(c)],
      },
      { deployments: (c) => [deployment(c, c.otherId, c.otherTd, { status: 'PRIMARY', runningCount: 1, createdAt: c.t0 + 60 }), ours(c, { status: 'ACTIVE', runningCount: 0 })] },
      {
        deployments: (c) => [deployment(c, c.otherId, c.otherTd, { status: 'PRIMARY', runningCount: 1, rolloutState: 'COMPLETED', createdAt: c.t0 + 60 })],
        events: (c) => [events.completed(c, c.otherId), events.steady(c)],
      },
    ],
  },

  throttled: {
    name: 'throttling during the wait',
    truth: 'success',
    shows: 3,
    frames: cleanFrames.map((f, i) => (i === 1 || i === 2 ? { ...f, throttle: 2 } : f)),
  },

  neverSettles: {
    name: 'a rollout that never settles (timeout)',
    truth: 'failure',
    shows: Number.POSITIVE_INFINITY,
    frames: [starting],
  },
} satisfies Record<string, Timeline>


// ---- timelines with ECS's service deployment records ----------------------------------------

/** The rollback alarms a service's deployments watch (the names lib/steps' alarms give). */
export const rollbackAlarms = (c: { serviceName: string }) => [`cruddur-${c.serviceName}-5xx`, `cruddur-${c.serviceName}-unhealthy-hosts`, `cruddur-${c.serviceName}-tasks-below-desired`]

const withAlarms = (strategy: string, extra: Json = {}) => (c: RolloutContext): Json => ({
  strategy,
  ...extra,
  deploymentCircuitBreaker: { enable: false, rollback: false },
  alarms: { alarmNames: rollbackAlarms(c), enable: true, rollback: true },
})

const MONITORING = { status: 'MONITORING' } as const
const shifting = (stage: string, weight: number | undefined, fields: Partial<RecordState> = {}): RecordState => ({
  status: 'IN_PROGRESS',
  lifecycleStage: stage,
  weight,
  running: 1,
  alarms: MONITORING,
  ...fields,
})
const rolloutRunning: Frame['deployments'] = (c) => [ours(c, { runningCount: c.desiredCount }), ...before(c)]

/** The stages up to a traffic shift: the new revision scales up, takes the test traffic, then production traffic. */
const upToShift = (weight: number): Frame[] => [
  { ...starting, record: shifting('SCALE_UP', 0, { running: 0, pending: 1 }) },
  { deployments: rolloutRunning, record: shifting('TEST_TRAFFIC_SHIFT', 0) },
  { deployments: rolloutRunning, record: shifting('PRODUCTION_TRAFFIC_SHIFT', weight) },
]

/** An alarm fires during `stage`: ECS rolls back (the record says ROLLBACK_*, naming the alarm), then the old revision runs alone. */
function alarmRollbackFrames(stage: string, weight: number, alarm: (c: { serviceName: string }) => string): Frame[] {
  const back = rollbackFrames(0, 'ECS deployment alarms: a CloudWatch alarm was triggered.')
  const record = (status: RecordState['status']) => (c: RolloutContext): RecordState => ({
    status,
    statusReason: `Service deployment rolled back because the CloudWatch alarm ${alarm(c)} was triggered.`,
    lifecycleStage: stage,
    weight: status === 'ROLLBACK_SUCCESSFUL' ? 0 : weight,
    running: status === 'ROLLBACK_SUCCESSFUL' ? 0 : 1,
    alarms: { status: 'TRIGGERED', triggered: [alarm(c)] },
  })
  return back.map((f, i) => ({ ...f, record: record(i === 0 ? 'ROLLBACK_IN_PROGRESS' : 'ROLLBACK_SUCCESSFUL') }))
}

const completedFrame = (stage: string): Frame => ({
  ...cleanFrames[3],
  record: { status: 'SUCCESSFUL', lifecycleStage: stage, weight: 100, running: 1, alarms: { status: 'MONITORING_COMPLETE' } },
})

export const RECORD_TIMELINES = {
  canary: {
    name: 'a canary (5 %) that completes (ECS records)',
    truth: 'success',
    shows: 7,
    deploymentConfiguration: withAlarms('CANARY', { canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 3 }, bakeTimeInMinutes: 3 }),
    frames: [
      ...upToShift(5),
      { deployments: rolloutRunning, record: shifting('BAKE_TIME', 5) },
      { deployments: rolloutRunning, record: shifting('PRODUCTION_TRAFFIC_SHIFT', 100) },
      { deployments: rolloutRunning, record: shifting('BAKE_TIME', 100) },
      { ...cleanFrames[2], record: shifting('CLEAN_UP', 100) },
      completedFrame('CLEAN_UP'),
    ],
  },

  canaryAlarm: {
    name: 'a canary rolled back by an alarm during its bake (ECS records)',
    truth: 'failure',
    shows: 4,
    deploymentConfiguration: withAlarms('CANARY', { canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 3 }, bakeTimeInMinutes: 3 }),
    frames: [...upToShift(5), { deployments: rolloutRunning, record: shifting('BAKE_TIME', 5) }, ...alarmRollbackFrames('BAKE_TIME', 5, (c) => `cruddur-${c.serviceName}-5xx`)],
  },

  blueGreenBake: {
    name: 'a blue/green rolled back by an alarm in BAKE_TIME, its bake cut short (ECS records)',
    truth: 'failure',
    shows: 5,
    deploymentConfiguration: withAlarms('BLUE_GREEN', { bakeTimeInMinutes: 5 }),
    frames: [
      ...upToShift(100),
      { deployments: rolloutRunning, record: shifting('BAKE_TIME', 100) },
      { deployments: rolloutRunning, record: shifting('BAKE_TIME', 100) },
      ...alarmRollbackFrames('BAKE_TIME', 100, (c) => `cruddur-${c.serviceName}-unhealthy-hosts`),
    ],
  },

  rollingBreaker: {
    name: 'a rolling deployment rolled back by the circuit breaker (ECS records)',
    truth: 'failure',
    shows: 4,
    deploymentConfiguration: () => ({ strategy: 'ROLLING', deploymentCircuitBreaker: { enable: true, rollback: true } }),
    frames: [
      { ...starting, record: { status: 'IN_PROGRESS', pending: 1, circuitBreaker: { status: 'MONITORING', failureCount: 0 } } },
      ...stoppingFrames([(c) => crash(c, 1), (c) => crash(c, 137, 'OutOfMemoryError: Container killed due to memory usage'), (c) => crash(c, 2)]).map(
        (f, i): Frame => ({ ...f, record: { status: 'IN_PROGRESS', pending: 1, circuitBreaker: { status: 'MONITORING', failureCount: i + 1 } } }),
      ),
      ...rollbackFrames(3).map(
        (f, i): Frame => ({
          ...f,
          record: {
            status: i === 0 ? 'ROLLBACK_IN_PROGRESS' : 'ROLLBACK_SUCCESSFUL',
            statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
            circuitBreaker: { status: 'TRIGGERED', failureCount: 3 },
          },
        }),
      ),
    ],
  },
} satisfies Record<string, Timeline>

export type TimelineName = keyof typeof TIMELINES

// ---- the proxy ------------------------------------------------------------------------------

export interface Call {
  action: string
  at: number
  /** Answered from the timeline (not moto). */
  scripted: boolean
}

export interface EcsTimeline {
  url: string
  calls: Call[]
  mutations(): Call[]
  /** The next deployment follows this timeline, the ones after it `then`, in turn (the last one keeps being used). Until then ECS stays as the current one left it. */
  use(timeline: Timeline, options?: { everyMs?: number; then?: Timeline[] }): void
  /** Start the timeline now, as if a deployment of this task definition had started (for `wait`). */
  arm(fields: Partial<RolloutContext> & { newTd: string; serviceName: string }): RolloutContext
  /** Forget every deployment (after moto is reset). */
  forget(): void
  /** The context of the deployment in progress. */
  context(): RolloutContext | undefined
  /** performance.now() when each frame was first shown. */
  shownAt: Map<number, number>
  /** DescribeServices answers given so far for the timeline. */
  polls(): number
  throttled(): number
  stop(): Promise<void>
}

const READ_ONLY = /^(Describe|Get|List)/

export async function startEcsTimeline(target: string, account = '123456789012'): Promise<EcsTimeline> {
  const upstream = new URL(target)
  const calls: Call[] = []
  let timeline: Timeline = TIMELINES.clean
  let queue: Timeline[] = []
  let everyMs: number | undefined
  let ctx: RolloutContext | undefined
  let armedAt = 0
  let polls = 0
  let throttles = 0
  const throttledFrames = new Map<number, number>()
  const unavailableFrames = new Map<number, number>()
  const stalledFrames = new Map<number, number>()
  const shownAt = new Map<number, number>()
  const eventLog: Json[] = []
  const stoppedLog: TaskJson[] = []
  let appliedUpTo = -1
  let lastShown: DeploymentJson[] | undefined
  /** The records of earlier deployments, newest first, as each was left (ECS keeps them), with their service revisions. */
  const recordHistory: Array<{ record: Json; revision: Json }> = []

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }))
      })
      up.on('error', reject)
      up.end(body)
    })

  const reply = (res: ServerResponse, status: number, json: unknown) => {
    const text = JSON.stringify(json)
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': hex(16), 'content-length': Buffer.byteLength(text) }).end(text)
  }

  const currentFrame = (): number => {
    const last = timeline.frames.length - 1
    const index = everyMs !== undefined ? Math.floor((performance.now() - armedAt) / everyMs) : polls - 1
    return Math.max(0, Math.min(last, index))
  }

  /** Apply events and stopped tasks of every frame up to `index` (once each). */
  const applyUpTo = (index: number) => {
    const c = ctx as RolloutContext
    for (let i = appliedUpTo + 1; i <= index; i++) {
      const frame = timeline.frames[i]
      const now = Date.now() / 1000
      for (const message of frame.events?.(c) ?? []) eventLog.unshift({ id: crypto.randomUUID(), createdAt: now, message })
      stoppedLog.push(...(frame.stopped?.(c) ?? []))
      if (!shownAt.has(i)) shownAt.set(i, performance.now())
    }
    appliedUpTo = Math.max(appliedUpTo, index)
  }

  const arm = (fields: Partial<RolloutContext> & { newTd: string; serviceName: string }): RolloutContext => {
    // The deployment before keeps its record, as it was last shown, once it has ended (ECS lists it for 90 days).
    if (ctx && timeline.frames.some((f) => f.record)) {
      const last = currentRecord() as Json
      if (TERMINAL.has(String(last.status))) recordHistory.unshift({ record: last, revision: serviceRevisionJson(ctx, ctx.serviceRevisionArn, ctx.newTd, ctx.t0) })
    }
    if (queue.length > 0) timeline = queue.shift() as Timeline
    const family = fields.newTd.replace(/:\d+$/, '')
    const revision = Number(/:(\d+)$/.exec(fields.newTd)?.[1] ?? 1)
    const region = fields.region ?? 'eu-west-2'
    ctx = {
      clusterArn: `arn:aws:ecs:${region}:${account}:cluster/cruddur`,
      region,
      account,
      oldTd: undefined,
      otherTd: `${family}:${revision + 1}`,
      newId: deploymentId(),
      oldId: deploymentId(),
      rollbackId: deploymentId(),
      otherId: deploymentId(),
      t0: Date.now() / 1000,
      desiredCount: 1,
      serviceDeploymentArn: '',
      serviceRevisionArn: '',
      oldServiceDeploymentArn: '',
      oldServiceRevisionArn: '',
      ...fields,
    }
    const named = { region, account, clusterArn: ctx.clusterArn, serviceName: fields.serviceName }
    ctx.serviceDeploymentArn ||= serviceDeploymentArn(named)
    ctx.serviceRevisionArn ||= serviceRevisionArn(named)
    ctx.oldServiceDeploymentArn ||= serviceDeploymentArn(named)
    ctx.oldServiceRevisionArn ||= serviceRevisionArn(named)
    ctx.recordTimes = new Map()
    armedAt = performance.now()
    polls = 0
    appliedUpTo = -1
    shownAt.clear()
    throttledFrames.clear()
    unavailableFrames.clear()
    stalledFrames.clear()
    // Stopped tasks stay listed (ECS keeps them for about an hour); ListTasks filters by startedBy.
    return ctx
  }

  /** Patch moto's service into what ECS shows at this frame. */
  const patchService = (service: Json, index: number): Json => {
    const c = ctx as RolloutContext
    // A deployment armed by hand (for `wait`) learns the service's target group here.
    if (!c.targetGroupArn) Object.assign(c, loadBalancerOf(service))
    const frame = timeline.frames[index]
    const deployments = frame.deployments(c)
    lastShown = deployments
    const desired = frame.desiredCount ?? c.desiredCount
    const primary = deployments.find((d) => d.status === 'PRIMARY')
    const history = Array.isArray(service.events) ? (service.events as Json[]) : []
    return {
      ...service,
      desiredCount: desired,
      runningCount: deployments.reduce((sum, d) => sum + d.runningCount, 0),
      pendingCount: deployments.reduce((sum, d) => sum + d.pendingCount, 0),
      taskDefinition: primary?.taskDefinition ?? service.taskDefinition,
      deployments: deployments.map((d) => ({ ...d, networkConfiguration: service.networkConfiguration })),
      events: [...eventLog, ...history].slice(0, 100),
    }
  }

  const loadBalancerOf = (service: Json): Partial<RolloutContext> => {
    const lb = (service.loadBalancers as Array<{ targetGroupArn?: string; containerPort?: number }> | undefined)?.[0]
    return lb?.targetGroupArn ? { targetGroupArn: lb.targetGroupArn, targetPort: lb.containerPort } : {}
  }

  /** Behind a load balancer, target health is scripted: ECS registers a service's running tasks in its target group. */
  const scriptsTargets = () => ctx?.targetGroupArn !== undefined

  /** The deployments' running tasks at the frame last shown: ours (listed by ListTasks) and the old one's. */
  const shownTasks = (which: 'ours' | 'all'): TaskJson[] => {
    const c = ctx as RolloutContext
    return (lastShown ?? [])
      .filter((d) => d.runningCount > 0 && (which === 'all' || d.id === c.newId))
      .flatMap((d) => runningTasks(c, d.id, d.taskDefinition, d.runningCount))
  }

  const startDeployment = (service: Json, kind: 'update' | 'create') => {
    eventLog.length = 0
    const motoDeployments = (service.deployments as Array<{ taskDefinition?: string; id?: string }> | undefined) ?? []
    const oldTd = kind === 'update' ? motoDeployments[0]?.taskDefinition : undefined
    const serviceArn = String(service.serviceArn ?? '')
    const c = arm({
      serviceName: String(service.serviceName),
      clusterArn: String(service.clusterArn),
      region: serviceArn.split(':')[3] || 'eu-west-2',
      newTd: String(service.taskDefinition),
      oldTd,
      desiredCount: Number(service.desiredCount ?? 1),
      ...loadBalancerOf(service),
    })
    if (motoDeployments[0]?.id && kind === 'update') c.oldId = motoDeployments[0].id
    // moto never rolls: what ran before is what the previous timeline left PRIMARY.
    const previous = kind === 'update' ? lastShown?.find((d) => d.status === 'PRIMARY') : undefined
    if (previous) {
      c.oldTd = previous.taskDefinition
      c.oldId = previous.id
      const { id: _id, status: _status, taskDefinition: _td, ...state } = previous
      c.oldState = state
    }
    lastShown = undefined
    // UpdateService's answer: the new PRIMARY deployment, just created, the old one ACTIVE.
    return {
      ...service,
      taskDefinition: c.newTd,
      deployments: [ours(c, { updatedAt: c.t0, createdAt: c.t0 }), ...before(c)].map((d) => ({ ...d, networkConfiguration: service.networkConfiguration })),
    }
  }

  /** A timeline with records answers ListServiceDeployments and DescribeServiceDeployments; the others leave them to moto. */
  const keepsRecords = () => (ctx ? timeline : (queue[0] ?? timeline)).frames.some((f) => f.record)

  /** The frame shown: the last DescribeServices answer's, or the wall clock's. */
  const shownIndex = (): number => (everyMs !== undefined ? currentFrame() : Math.max(0, Math.min(polls - 1, timeline.frames.length - 1)))

  /** This deployment's record at the frame shown. */
  const currentRecord = (): Json | undefined => {
    const c = ctx as RolloutContext
    const index = shownIndex()
    // A record shows the frame as much as DescribeServices does: when ECS first showed it counts from either.
    for (let i = 0; i <= index; i++) if (!shownAt.has(i)) shownAt.set(i, performance.now())
    const frame = [...timeline.frames.slice(0, index + 1)].reverse().find((f) => f.record)
    const state = typeof frame?.record === 'function' ? frame.record(c) : frame?.record
    return serviceDeploymentJson(c, state ?? { status: 'PENDING' }, timeline.deploymentConfiguration?.(c))
  }

  const handle = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '')
    const action = target.split('.').pop() || new URLSearchParams(body.toString('utf8')).get('Action') || `${req.method} ${req.url}`
    const isEcs = target.startsWith('AmazonEC2ContainerServiceV20141113.')
    const input = isEcs && body.length ? (JSON.parse(body.toString('utf8')) as Json) : {}
    const call: Call = { action, at: performance.now(), scripted: false }
    if (action) calls.push(call)

    if (isEcs && action === 'DescribeServices' && ctx) {
      const frameIndex = everyMs !== undefined ? currentFrame() : Math.min(polls, timeline.frames.length - 1)
      const wanted = timeline.frames[frameIndex].throttle ?? 0
      const done = throttledFrames.get(frameIndex) ?? 0
      if (done < wanted) {
        throttledFrames.set(frameIndex, done + 1)
        throttles += 1
        call.scripted = true
        reply(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' })
        return
      }
      const down = timeline.frames[frameIndex].unavailable ?? 0
      if ((unavailableFrames.get(frameIndex) ?? 0) < down) {
        unavailableFrames.set(frameIndex, (unavailableFrames.get(frameIndex) ?? 0) + 1)
        call.scripted = true
        // What a load balancer in front of an API answers when no backend is available.
        const page = '<html><body><b>Http/1.1 Service Unavailable</b></body> </html>'
        res.writeHead(503, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) }).end(page)
        return
      }
      const stall = timeline.frames[frameIndex].stall
      if (stall && (stalledFrames.get(frameIndex) ?? 0) < stall.count) {
        stalledFrames.set(frameIndex, (stalledFrames.get(frameIndex) ?? 0) + 1)
        call.scripted = true
        // A slow answer: the client's request timeout ends it first.
        await new Promise((resolve) => setTimeout(resolve, stall.ms))
        if (!res.destroyed) reply(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' })
        return
      }
    }
    // ECS's service deployment records, for a timeline that has them (else moto answers: HTTP 500, as for any operation it lacks).
    if (isEcs && keepsRecords() && ['ListServiceDeployments', 'DescribeServiceDeployments', 'DescribeServiceRevisions'].includes(action)) {
      call.scripted = true
      if (!ctx) {
        // Before the first deployment it scripts: ECS answers, with nothing it knows of.
        reply(res, 200, action === 'ListServiceDeployments' ? { serviceDeployments: [] } : { [action === 'DescribeServiceRevisions' ? 'serviceRevisions' : 'serviceDeployments']: [], failures: [] })
        return
      }
      const c = ctx
      const ourRecord = timeline.frames.some((f) => f.record) ? currentRecord() : undefined
      // The deployment before: its own record where this proxy scripted it, else one from a day ago.
      const earlier = recordHistory.length > 0 ? recordHistory.map((h) => h.record) : c.oldTd ? [previousDeploymentJson(c)] : []
      const records = [...(ourRecord ? [ourRecord] : []), ...earlier]
      if (action === 'ListServiceDeployments') {
        const unlisted = timeline.frames[shownIndex()].unlisted === true
        const serviceName = String(input.service ?? '').split('/').pop()
        const created = (input.createdAt ?? {}) as { after?: number; before?: number }
        const statuses = Array.isArray(input.status) ? (input.status as string[]) : undefined
        const listed = serviceName !== c.serviceName ? [] : records.filter(
          (r) =>
            !(unlisted && r === ourRecord) &&
            (created.after === undefined || (r.createdAt as number) >= created.after) &&
            (created.before === undefined || (r.createdAt as number) <= created.before) &&
            (!statuses || statuses.includes(String(r.status))),
        )
        reply(res, 200, { serviceDeployments: listed.map(brief) })
        return
      }
      if (action === 'DescribeServiceDeployments') {
        const asked = (input.serviceDeploymentArns as string[] | undefined) ?? []
        const found = asked.map((arn) => records.find((r) => r.serviceDeploymentArn === arn))
        reply(res, 200, {
          serviceDeployments: found.filter((r): r is Json => !!r),
          failures: asked.filter((_, i) => !found[i]).map((arn) => ({ arn, reason: 'MISSING' })),
        })
        return
      }
      const asked = (input.serviceRevisionArns as string[] | undefined) ?? []
      const revisions = new Map([
        [c.serviceRevisionArn, serviceRevisionJson(c, c.serviceRevisionArn, c.newTd, c.t0)],
        ...(recordHistory.length > 0
          ? recordHistory.map((h) => [String(h.revision.serviceRevisionArn), h.revision] as const)
          : c.oldTd
            ? ([[c.oldServiceRevisionArn, serviceRevisionJson(c, c.oldServiceRevisionArn, c.oldTd, c.t0 - 86400)]] as const)
            : []),
      ])
      reply(res, 200, {
        serviceRevisions: asked.flatMap((arn) => revisions.get(arn) ?? []),
        failures: asked.filter((arn) => !revisions.has(arn)).map((arn) => ({ arn, reason: 'MISSING' })),
      })
      return
    }
    if (!isEcs && action === 'DescribeTargetHealth' && ctx && scriptsTargets()) {
      const asked = new URLSearchParams(body.toString('utf8')).get('TargetGroupArn')
      if (asked && asked === ctx.targetGroupArn) {
        call.scripted = true
        const c = ctx
        // A timeline that does not say otherwise shows running tasks healthy (as a rollout that completes on AWS does).
        const state = timeline.frames[currentFrame()].targets ?? TARGET.healthy
        const port = c.targetPort ?? 80
        const targets = shownTasks('all').map((t) => ({ id: ipOf(t), port, zone: String(t.availabilityZone), health: t.startedBy === c.newId ? state : TARGET.healthy }))
        const xml = targetHealthXml(targets)
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': crypto.randomUUID(), 'content-length': Buffer.byteLength(xml) }).end(xml)
        return
      }
    }
    if (isEcs && (action === 'ListTasks' || action === 'DescribeTasks') && ctx) {
      const running = scriptsTargets() ? shownTasks('all') : []
      const known = new Map([...stoppedLog, ...running].map((t) => [t.taskArn, t]))
      const startedBy = input.startedBy
      if (action === 'ListTasks' && typeof startedBy === 'string' && ([ctx.newId, ctx.otherId, ctx.rollbackId].includes(startedBy) || stoppedLog.some((t) => t.startedBy === startedBy))) {
        call.scripted = true
        const status = input.desiredStatus ?? 'RUNNING'
        const list = status === 'STOPPED' ? stoppedLog : running
        reply(res, 200, { taskArns: list.filter((t) => t.startedBy === startedBy).map((t) => t.taskArn) })
        return
      }
      const asked = Array.isArray(input.tasks) ? (input.tasks as string[]) : []
      if (action === 'DescribeTasks' && asked.length > 0 && asked.every((a) => known.has(a))) {
        call.scripted = true
        reply(res, 200, { tasks: asked.map((a) => known.get(a)), failures: [] })
        return
      }
    }

    const answer = await forward(req, body)
    if (!isEcs || answer.status !== 200 || !['DescribeServices', 'UpdateService', 'CreateService'].includes(action)) {
      res.writeHead(answer.status, answer.headers).end(answer.body)
      return
    }
    const json = JSON.parse(answer.body.toString('utf8')) as Json
    if (action === 'UpdateService' || action === 'CreateService') {
      call.scripted = true
      reply(res, 200, { ...json, service: startDeployment(json.service as Json, action === 'UpdateService' ? 'update' : 'create') })
      return
    }
    // DescribeServices
    if (ctx) {
      polls += 1
      const index = currentFrame()
      applyUpTo(index)
      call.scripted = true
      const services = (json.services as Json[] | undefined) ?? []
      json.services = services.map((s) => (s.serviceName === ctx?.serviceName && s.status === 'ACTIVE' ? patchService(s, index) : s))
    }
    reply(res, 200, json)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handle(req, Buffer.concat(chunks), res).catch((error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
        res.end(String(error))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    mutations: () => calls.filter((c) => !READ_ONLY.test(c.action)),
    use(next, options = {}) {
      queue = [next, ...(options.then ?? [])]
      everyMs = options.everyMs
    },
    arm,
    forget() {
      ctx = undefined
      recordHistory.length = 0
      lastShown = undefined
      eventLog.length = 0
      stoppedLog.length = 0
    },
    context: () => ctx,
    shownAt,
    polls: () => polls,
    throttled: () => throttles,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
