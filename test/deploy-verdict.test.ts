import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Deployment, Service, Task } from '@aws-sdk/client-ecs'
import {
  alreadyRunning,
  deploymentToJudge,
  rollbackSeen,
  failFast,
  groupStopped,
  stopSignature,
  verdict,
  type Expected,
  type Verdict,
} from '../lib/deploy/verdict.js'
import { checkRevision, lastSucceeded, liveSettings, parseImage, pinImage, settingsDrift } from '../lib/deploy/deploy.js'
import { waitSettings } from '../lib/deploy/command.js'

// Shapes as DescribeServices / DescribeTasks return them (after the SDK's deserialisation).
const ACCOUNT = '123456789012'
const td = (rev: number) => `arn:aws:ecs:eu-west-2:${ACCOUNT}:task-definition/backend-flask:${rev}`
const NEW = td(5)
const OLD = td(4)
const T0 = new Date('2026-11-27T10:00:00Z')
const EXPECTED: Expected = { deploymentId: 'ecs-svc/1111111111111111111', taskDefinition: NEW }

function dep(fields: Partial<Deployment>): Deployment {
  return {
    id: EXPECTED.deploymentId,
    status: 'PRIMARY',
    taskDefinition: NEW,
    desiredCount: 1,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: T0,
    updatedAt: T0,
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc/1111111111111111111 in progress.',
    ...fields,
  }
}
const old = (fields: Partial<Deployment> = {}) =>
  dep({ id: 'ecs-svc/2222222222222222222', status: 'ACTIVE', taskDefinition: OLD, runningCount: 1, rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment ecs-svc/2222222222222222222 completed.', ...fields })

function service(deployments: Deployment[], fields: Partial<Service> = {}): Service {
  return {
    serviceArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:service/cruddur/backend-flask`,
    serviceName: 'backend-flask',
    clusterArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:cluster/cruddur`,
    status: 'ACTIVE',
    desiredCount: 1,
    runningCount: deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0),
    pendingCount: 0,
    launchType: 'FARGATE',
    taskDefinition: deployments.find((d) => d.status === 'PRIMARY')?.taskDefinition,
    deployments,
    events: [{ id: 'e1', createdAt: T0, message: '(service backend-flask) has started 1 tasks: (task 0123).' }],
    ...fields,
  }
}

let n = 0
function task(fields: Partial<Task> & { exitCode?: number; reason?: string }): Task {
  const { exitCode, reason, ...rest } = fields
  n += 1
  return {
    taskArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:task/cruddur/${String(n).padStart(32, '0')}`,
    startedBy: EXPECTED.deploymentId,
    taskDefinitionArn: NEW,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    group: 'service:backend-flask',
    containers: [{ name: 'backend-flask', lastStatus: 'STOPPED', ...(exitCode !== undefined ? { exitCode } : {}), ...(reason ? { reason } : {}) }],
    stoppedAt: T0,
    ...rest,
  }
}
const exited = (code: number, reason?: string) =>
  task({ stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited', exitCode: code, ...(reason ? { reason } : {}) })
const pullFailed = () =>
  task({
    stopCode: 'TaskFailedToStart',
    stoppedReason: `CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref ${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/backend-flask@sha256:00: not found`,
  })
const unhealthy = () => task({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks', exitCode: 143 })

const v = suite('deploy verdict (pure)')

const cases: Array<{ name: string; service: Service | undefined; stopped?: Task[]; kind: Verdict['kind']; cause?: string; phase?: string }> = [
  { name: 'just started: starting', service: service([dep({ pendingCount: 1 }), old()]), kind: 'in-progress', phase: 'starting' },
  { name: 'new task running, old still running: draining', service: service([dep({ runningCount: 1 }), old()]), kind: 'in-progress', phase: 'draining old tasks' },
  { name: 'all running, rollout not completed: settling', service: service([dep({ runningCount: 1 })]), kind: 'in-progress', phase: 'settling' },
  { name: '1 of 2 running: rolling out', service: service([dep({ runningCount: 1, desiredCount: 2 }), old()], { desiredCount: 2 }), kind: 'in-progress', phase: 'rolling out' },
  { name: 'COMPLETED, PRIMARY, new task definition, 1/1: success', service: service([dep({ runningCount: 1, rolloutState: 'COMPLETED' })]), kind: 'success' },
  {
    name: 'COMPLETED but 1/2 running: not yet',
    service: service([dep({ runningCount: 1, desiredCount: 2, rolloutState: 'COMPLETED' })], { desiredCount: 2 }),
    kind: 'in-progress',
  },
  {
    name: 'circuit breaker rolled back (ours FAILED, PRIMARY on the old revision): failure',
    service: service([
      dep({ id: 'ecs-svc/3333', taskDefinition: OLD, rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2222222222222222222.' }),
      dep({ status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', failedTasks: 3 }),
      old(),
    ]),
    kind: 'failure',
    cause: 'rollback',
  },
  {
    name: 'rollback finished: service stable on the old revision, ours gone: failure',
    service: service([dep({ id: 'ecs-svc/3333', taskDefinition: OLD, runningCount: 1, rolloutState: 'COMPLETED' })]),
    kind: 'failure',
    cause: 'gone',
  },
  {
    name: 'rolling back, ours no longer listed: rollback',
    service: service([dep({ id: 'ecs-svc/3333', taskDefinition: OLD, runningCount: 1, rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2222.' })]),
    kind: 'failure',
    cause: 'rollback',
  },
  {
    name: 'circuit breaker without rollback: FAILED, still PRIMARY: failure',
    service: service([dep({ rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' }), old()]),
    kind: 'failure',
    cause: 'failed',
  },
  { name: 'ours INACTIVE: stopped', service: service([old({ status: 'PRIMARY' }), dep({ status: 'INACTIVE' })]), kind: 'failure', cause: 'stopped' },
  {
    name: 'a second deployment became PRIMARY: superseded',
    service: service([dep({ id: 'ecs-svc/4444', taskDefinition: td(6), pendingCount: 1 }), dep({ status: 'ACTIVE', runningCount: 1 })]),
    kind: 'failure',
    cause: 'superseded',
  },
  { name: 'desired count 0 (trivially "stable"): failure', service: service([dep({ desiredCount: 0, rolloutState: 'COMPLETED' })], { desiredCount: 0 }), kind: 'failure', cause: 'desired-zero' },
  { name: 'service MISSING', service: undefined, kind: 'failure', cause: 'service-missing' },
  { name: 'service DRAINING', service: service([dep({})], { status: 'DRAINING' }), kind: 'failure', cause: 'service-missing' },
  { name: 'our deployment runs another revision', service: service([dep({ taskDefinition: OLD })]), kind: 'failure', cause: 'wrong-task-definition' },
  { name: 'CannotPullContainerError once: failure at once', service: service([dep({ pendingCount: 1, failedTasks: 1 }), old()]), stopped: [pullFailed()], kind: 'failure', cause: 'cannot-pull' },
  {
    name: 'exec format error: failure at once',
    service: service([dep({ failedTasks: 1 }), old()]),
    stopped: [
      task({
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: OCI runtime create failed: exec: "/docker-entrypoint.sh": exec format error',
      }),
    ],
    kind: 'failure',
    cause: 'exec-format',
  },
  {
    name: 'missing secret (ResourceInitializationError ... ssm): failure at once',
    service: service([dep({ failedTasks: 1 }), old()]),
    stopped: [
      task({
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: /cruddur/backend-flask/CONNECTION_URL',
      }),
    ],
    kind: 'failure',
    cause: 'missing-secret',
  },
  {
    name: 'log group missing (ResourceInitializationError, no secret): task-init',
    service: service([dep({ failedTasks: 1 }), old()]),
    stopped: [task({ stopCode: 'TaskFailedToStart', stoppedReason: 'ResourceInitializationError: failed to validate logger args: The specified log group does not exist.' })],
    kind: 'failure',
    cause: 'task-init',
  },
  { name: 'the same exit twice: not yet a crash loop', service: service([dep({ failedTasks: 2 }), old()]), stopped: [exited(1), exited(1)], kind: 'in-progress' },
  { name: 'the same exit three times: crash loop', service: service([dep({ failedTasks: 3 }), old()]), stopped: [exited(1), exited(1), exited(1)], kind: 'failure', cause: 'crash-loop' },
  {
    name: 'three different exits: left to the circuit breaker',
    service: service([dep({ failedTasks: 3 }), old()]),
    stopped: [exited(1), exited(137, 'OutOfMemoryError: Container killed due to memory usage'), exited(2)],
    kind: 'in-progress',
  },
  { name: 'one failed health check: not yet', service: service([dep({ failedTasks: 1 }), old()]), stopped: [unhealthy()], kind: 'in-progress' },
  { name: 'two failed health checks: failure', service: service([dep({ failedTasks: 2 }), old()]), stopped: [unhealthy(), unhealthy()], kind: 'failure', cause: 'health-check' },
  {
    name: 'tasks stopped by scaling activity are routine',
    service: service([dep({ runningCount: 1 }), old()]),
    stopped: [1, 2, 3].map(() => task({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1111111111111111111)', exitCode: 0 })),
    kind: 'in-progress',
  },
  { name: 'no rolloutState (older API): one deployment, all running is success', service: service([dep({ runningCount: 1, rolloutState: undefined })]), kind: 'success' },
]

for (const c of cases) {
  v(c.name, () => {
    const got = verdict({ service: c.service, stoppedTasks: c.stopped ?? [] }, EXPECTED)
    assert.is(got.kind, c.kind, JSON.stringify(got))
    if (c.cause) assert.is((got as { cause?: string }).cause, c.cause, JSON.stringify(got))
    if (c.phase) assert.is((got as { phase?: string }).phase, c.phase)
    if (got.kind !== 'in-progress') assert.ok(got.reason.length > 10)
  })
}

v('the rollback reason says what the service now runs, and why the deployment failed', () => {
  const got = verdict(
    {
      service: service([
        dep({ id: 'ecs-svc/3333', taskDefinition: OLD, rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2222.' }),
        dep({ status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' }),
      ]),
      stoppedTasks: [],
    },
    EXPECTED,
  )
  assert.match((got as { reason: string }).reason, /^ECS rolled back: the service now runs backend-flask:4 \(the rollback is still rolling out\); deployment ecs-svc\/1+ of backend-flask:5 failed \(ECS deployment circuit breaker: tasks failed to start\.\)$/)
})

v('fail-fast thresholds are configurable', () => {
  assert.is(failFast([unhealthy()], { crashRepeats: 3, healthRepeats: 1 })?.cause, 'health-check')
  assert.is(failFast([exited(1), exited(1)], { crashRepeats: 2, healthRepeats: 2 })?.cause, 'crash-loop')
  assert.is(failFast([exited(1), exited(1)]), undefined)
})

v('stopped tasks group by stop code, reason and container exits', () => {
  const groups = groupStopped([exited(1), exited(1), exited(2), pullFailed()])
  assert.equal(groups.map((g) => g.count), [2, 1, 1])
  assert.is(groups[0].signature, 'EssentialContainerExited | Essential container in task exited | backend-flask exit 1')
  assert.match(stopSignature(exited(137, 'OutOfMemoryError: Container killed due to memory usage')), /backend-flask exit 137 \(OutOfMemoryError/)
})

v('wait judges the failed deployment while ECS rolls it back, else the PRIMARY', () => {
  const rolling = service([
    dep({ id: 'ecs-svc/3333', taskDefinition: OLD, rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2222.' }),
    dep({ status: 'ACTIVE', rolloutState: 'FAILED' }),
  ])
  assert.is(deploymentToJudge(rolling)?.id, EXPECTED.deploymentId)
  assert.is(deploymentToJudge(service([dep({}), old()]))?.id, EXPECTED.deploymentId)
})

v('ECS rolled back, whatever the reason strings say: a FAILED deployment beside the PRIMARY one, the records, the events', () => {
  // The PRIMARY's reason says nothing of a rollback: the FAILED deployment beside it does.
  const failedBeside = service([dep({ id: 'ecs-svc/3333', taskDefinition: OLD, rolloutStateReason: 'ECS deployment ecs-svc/3333 in progress.' }), dep({ status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'tasks failed' })])
  assert.is(deploymentToJudge(failedBeside)?.id, EXPECTED.deploymentId)
  assert.is(rollbackSeen(failedBeside)?.seenIn, 'deployments')

  // The rollback completed, the failed deployment gone, its reason "completed": ECS's records tell.
  const after = service([dep({ id: 'ecs-svc/3333', taskDefinition: OLD, runningCount: 1, rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment ecs-svc/3333 completed.' })], { events: [] })
  const record = (status: 'ROLLBACK_SUCCESSFUL' | 'ROLLBACK_IN_PROGRESS' | 'SUCCESSFUL', at: Date) => ({
    serviceDeploymentArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:service-deployment/cruddur/backend-flask/${at.getTime()}`,
    serviceArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:service/cruddur/backend-flask`,
    clusterArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:cluster/cruddur`,
    createdAt: at,
    startedAt: at,
    targetServiceRevisionArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:service-revision/cruddur/backend-flask/${at.getTime()}`,
    status,
  })
  assert.is(rollbackSeen(after), undefined, 'nothing shows a rollback')
  const seen = rollbackSeen(after, [record('SUCCESSFUL', new Date(T0.getTime() - 3600_000)), record('ROLLBACK_SUCCESSFUL', T0)])
  assert.equal([seen?.seenIn, seen?.done, seen?.nowRuns], ['records', true, OLD])
  assert.is(rollbackSeen(after, [record('ROLLBACK_SUCCESSFUL', new Date(T0.getTime() - 3600_000)), record('SUCCESSFUL', T0)]), undefined, 'a deployment since the rollback')
  assert.is(rollbackSeen(after, [record('ROLLBACK_IN_PROGRESS', T0)])?.done, false)

  // No records (the API absent): the events of when the PRIMARY deployment was created.
  const events = [
    { id: 'e2', createdAt: new Date(T0.getTime() + 1000), message: '(service backend-flask) rolling back to deployment ecs-svc/2222.' },
    { id: 'e1', createdAt: T0, message: '(service backend-flask) (deployment ecs-svc/1111111111111111111) deployment failed: tasks failed to start.' },
  ]
  const byEvents = rollbackSeen({ ...after, deployments: [{ ...after.deployments![0], createdAt: T0 }], events })
  assert.equal([byEvents?.seenIn, byEvents?.failedId], ['events', EXPECTED.deploymentId])
  assert.is(rollbackSeen({ ...after, deployments: [{ ...after.deployments![0], createdAt: new Date(T0.getTime() + 86400_000) }], events }), undefined, 'a later deployment is not the rollback')
})

v('alreadyRunning: only one completed deployment of that revision, all tasks up', () => {
  assert.ok(alreadyRunning(service([dep({ runningCount: 1, rolloutState: 'COMPLETED' })]), NEW))
  assert.not.ok(alreadyRunning(service([dep({ runningCount: 1, rolloutState: 'COMPLETED' })]), OLD))
  assert.not.ok(alreadyRunning(service([dep({ runningCount: 0, rolloutState: 'COMPLETED' })]), NEW))
  assert.not.ok(alreadyRunning(service([dep({ runningCount: 1 }), old()]), NEW))
})

const d = suite('deploy parts (pure)')

d('parseImage: registry/repo:tag, @digest, bare names', () => {
  assert.equal(parseImage(`${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:latest`), {
    name: `${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/backend-flask`,
    repository: 'backend-flask',
    tag: 'latest',
  })
  assert.equal(parseImage('127.0.0.1:5000/team/app@sha256:abc'), { name: '127.0.0.1:5000/team/app', repository: 'team/app', digest: 'sha256:abc' })
  assert.equal(parseImage('nginx'), { name: 'nginx', repository: 'nginx' })
})

d('pinImage pins only the repository’s containers', () => {
  const pinned = pinImage(
    {
      family: 'backend-flask',
      containerDefinitions: [
        { name: 'backend-flask', image: `${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:latest` },
        { name: 'xray', image: 'public.ecr.aws/xray/aws-xray-daemon:3' },
      ],
    },
    'backend-flask',
    'sha256:feed',
  )
  assert.is(pinned.containerDefinitions?.[0].image, `${ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/backend-flask@sha256:feed`)
  assert.is(pinned.containerDefinitions?.[1].image, 'public.ecr.aws/xray/aws-xray-daemon:3')
})

d('liveSettings and settingsDrift: only what the answer carries counts', () => {
  const wanted = {
    serviceName: 'backend-flask',
    desiredCount: 1,
    enableExecuteCommand: true,
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' as const } },
  }
  assert.equal(Object.keys(liveSettings(wanted)).sort(), ['deploymentConfiguration', 'enableExecuteCommand', 'networkConfiguration'])
  const same = service([dep({})], {
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } },
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } },
  })
  assert.equal(settingsDrift(wanted, same), [])
  const off = { ...same, deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 }, enableExecuteCommand: false }
  assert.equal(settingsDrift(wanted, off).sort(), ['deploymentConfiguration.deploymentCircuitBreaker', 'enableExecuteCommand'])
})

d('lastSucceeded: the newest success that is not what runs now, not merely the previous revision', () => {
  const tagged = [
    { taskDefinition: td(2), at: new Date('2026-11-20T00:00:00Z'), how: 'tag' },
    { taskDefinition: td(5), at: new Date('2026-11-26T00:00:00Z'), how: 'tag' },
  ]
  assert.is(lastSucceeded(service([dep({ taskDefinition: td(4) })]), tagged, td(4))?.taskDefinition, td(5))
  assert.is(lastSucceeded(service([dep({})]), tagged, td(5))?.taskDefinition, td(2))
  // An older deployment still listed as COMPLETED counts, and is newer than the tags here.
  const listed = service([dep({ taskDefinition: td(6) }), old({ taskDefinition: td(3), updatedAt: new Date('2026-11-27T00:00:00Z') })])
  assert.is(lastSucceeded(listed, tagged, td(6))?.taskDefinition, td(3))
  assert.is(lastSucceeded(service([dep({})]), [], NEW), undefined)
})

d('checkRevision and waitSettings reject bad values', () => {
  assert.is(checkRevision('backend-flask:3', 'backend-flask'), 'backend-flask:3')
  assert.throws(() => checkRevision('frontend-react-js:3', 'backend-flask'), /--to must be a revision of backend-flask/)
  assert.throws(() => checkRevision('backend-flask', 'backend-flask'), /--to must/)
  assert.throws(() => checkRevision('backend-flask:0', 'backend-flask'), /--to must be a revision of backend-flask, e\.g\. backend-flask:3, got "backend-flask:0"/)
  assert.equal(waitSettings({}), { intervalMs: 5000, timeoutMs: 900000 })
  assert.equal(waitSettings({ interval: '0.05', timeout: '2' }), { intervalMs: 50, timeoutMs: 2000 })
  assert.throws(() => waitSettings({ timeout: 'soon' }), /--timeout must be a positive number/)
})

v.run()
d.run()
