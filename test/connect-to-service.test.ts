import './helpers/guard.js'
import { chmodSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock'
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  ExecuteCommandCommand,
  ListTasksCommand,
  type Container,
  type Task,
} from '@aws-sdk/client-ecs'
import { ENDPOINT } from './helpers/guard.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { tempDir } from './helpers/temp.js'
import { SESSION_ENV, connectToService, defaultPluginRunner, type ConnectOptions } from '../lib/ops/ecs-exec.js'
import { redact } from '../lib/core/redact.js'

const ACCOUNT = '123456789012'
const CLUSTER_ARN = `arn:aws:ecs:eu-west-2:${ACCOUNT}:cluster/cruddur`
const TASK_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
const TASK_ARN = `arn:aws:ecs:eu-west-2:${ACCOUNT}:task/cruddur/${TASK_ID}`
const RUNTIME_ID = `${TASK_ID}-2531612879`
const TOKEN = 'AAEAAfK2secretSessionTokenValue0123456789abcdefXYZ'
const SESSION = {
  sessionId: 'ecs-execute-command-0a1b2c3d4e5f67890',
  streamUrl: 'wss://ssmmessages.eu-west-2.amazonaws.com/v1/data-channel/ecs-execute-command-0a1b2c3d4e5f67890?role=publish_subscribe',
  tokenValue: TOKEN,
}

function container(name: string, agentStatus: string | undefined = 'RUNNING', extra: Partial<Container> = {}): Container {
  return {
    name,
    runtimeId: `${TASK_ID}-${name.length}${RUNTIME_ID.slice(-9)}`,
    lastStatus: 'RUNNING',
    ...(agentStatus ? { managedAgents: [{ name: 'ExecuteCommandAgent', lastStatus: agentStatus }] } : {}),
    ...extra,
  }
}

function task(overrides: Partial<Task> = {}): Task {
  return {
    taskArn: TASK_ARN,
    clusterArn: CLUSTER_ARN,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    enableExecuteCommand: true,
    startedAt: new Date('2024-05-01T10:00:00Z'),
    containers: [{ ...container('backend-flask'), runtimeId: RUNTIME_ID }],
    ...overrides,
  }
}

/** A directory holding only `node`, so nothing else (no session-manager-plugin) is on PATH. */
const node = tempDir('kit-node-')
symlinkSync(process.execPath, join(node, 'node'))

/**
 * A recording session-manager-plugin: `--version` prints REC_PLUGIN_VERSION (default a current
 * one); otherwise it writes its argv (program name included) and AWS_SSM_START_SESSION_RESPONSE to
 * record.json, optionally sends Ctrl-C's SIGINT to its parent, and exits with REC_EXIT.
 */
const pluginDir = tempDir('kit-ssm-plugin-')
const recordPath = join(pluginDir, 'record.json')
writeFileSync(
  join(pluginDir, 'session-manager-plugin'),
  `#!${process.execPath}
const fs = require('fs')
if (process.argv[2] === '--version') { process.stdout.write((process.env.REC_PLUGIN_VERSION || '1.2.707.0') + '\\n'); process.exit(0) }
fs.writeFileSync(${JSON.stringify(recordPath)}, JSON.stringify({ argv: process.argv.slice(1), session: process.env.${SESSION_ENV} ?? null }))
if (process.env.REC_SIGINT_PARENT === '1') { process.kill(process.ppid, 'SIGINT'); setTimeout(() => process.exit(Number(process.env.REC_EXIT || 0)), 400) }
else process.exit(Number(process.env.REC_EXIT || 0))
`,
)
chmodSync(join(pluginDir, 'session-manager-plugin'), 0o755)
const record = (): { argv: string[]; session: string | null } | undefined =>
  existsSync(recordPath) ? JSON.parse(readFileSync(recordPath, 'utf8')) : undefined

const OPTIONS: ConnectOptions = { cluster: 'cruddur', service: 'backend-flask', command: '/bin/bash' }

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ...process.env,
    PATH: `${pluginDir}:${node}`,
    AWS_DEFAULT_REGION: 'eu-west-2',
    AWS_REGION: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_PROFILE: undefined,
    ...extra,
  }
}

let ecsMock: AwsClientStub<ECSClient>
let logs: string[] = []

async function connect(options: Partial<ConnectOptions> = {}, extraEnv: Record<string, string | undefined> = {}): Promise<number> {
  const ecs = new ECSClient({ region: 'eu-west-2', endpoint: ENDPOINT })
  return connectToService({ ...OPTIONS, ...options }, { ecs, region: 'eu-west-2', plugin: defaultPluginRunner, env: env(extraEnv), log: (l) => logs.push(l) })
}

async function failure(promise: Promise<unknown>): Promise<Error & { exitCode?: number }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { exitCode?: number }
  }
  assert.unreachable('expected a failure, but it succeeded')
  throw new Error('unreachable')
}

const scripted = suite('ecs/connect-to-service in-process (scripted ECS responses)')
scripted.before(() => {
  // Mocked here, not at import: uvu imports every test file before running any suite.
  ecsMock = mockClient(ECSClient)
})
scripted.before.each(() => {
  ecsMock.reset()
  logs = []
  rmSync(recordPath, { force: true })
})
scripted.after(() => {
  ecsMock.restore()
})

const scriptTask = (t: Task) => {
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [t], failures: [] })
  ecsMock.on(ExecuteCommandCommand).resolves({ clusterArn: CLUSTER_ARN, taskArn: t.taskArn, containerName: 'backend-flask', interactive: true, session: SESSION })
}

scripted('TASK_ID given (scripted ECS responses): the plugin gets the seven-argument form, the session only in its environment', async () => {
  scriptTask(task())
  const code = await connect({ taskId: TASK_ID })
  assert.is(code, 0)
  const rec = record()
  assert.ok(rec, 'the plugin was not run')
  assert.is(rec.argv.length, 7, JSON.stringify(rec.argv))
  assert.is(basename(rec.argv[0] as string), 'session-manager-plugin')
  assert.equal(rec.argv.slice(1), [
    'AWS_SSM_START_SESSION_RESPONSE',
    'eu-west-2',
    'StartSession',
    '',
    JSON.stringify({ Target: `ecs:cruddur_${TASK_ID}_${RUNTIME_ID}` }),
    'https://ecs.eu-west-2.amazonaws.com',
  ])
  assert.not.ok(rec.argv.some((a) => a.includes(TOKEN)), 'the token is in argv')
  assert.ok(rec.session?.includes(TOKEN), 'the token is not in AWS_SSM_START_SESSION_RESPONSE')
  assert.equal(JSON.parse(rec.session as string), SESSION)
  // DescribeTasks for the given id, then ExecuteCommand with what the user asked for.
  assert.equal(ecsMock.commandCalls(DescribeTasksCommand)[0]?.args[0].input, { cluster: 'cruddur', tasks: [TASK_ID] })
  assert.equal(ecsMock.commandCalls(ExecuteCommandCommand)[0]?.args[0].input, {
    cluster: 'cruddur',
    task: TASK_ARN,
    container: 'backend-flask',
    command: '/bin/bash',
    interactive: true,
  })
  assert.is(ecsMock.commandCalls(ListTasksCommand).length, 0)
  assert.not.ok(logs.join('\n').includes(TOKEN))
  assert.is(redact(`token ${TOKEN}`), 'token ****', 'the session token was not registered as a secret')
})

scripted('--command and --cluster reach ExecuteCommand and the Target (scripted ECS responses)', async () => {
  const arn = `arn:aws:ecs:eu-west-2:${ACCOUNT}:task/staging/${TASK_ID}`
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task({ taskArn: arn, clusterArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:cluster/staging` })] })
  ecsMock.on(ExecuteCommandCommand).resolves({ clusterArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:cluster/staging`, taskArn: arn, session: SESSION })
  assert.is(await connect({ taskId: TASK_ID, cluster: 'staging', command: '/bin/sh' }), 0)
  const input = ecsMock.commandCalls(ExecuteCommandCommand)[0]?.args[0].input
  assert.is(input?.command, '/bin/sh')
  assert.is(input?.cluster, 'staging')
  assert.is(record()?.argv[5], JSON.stringify({ Target: `ecs:staging_${TASK_ID}_${RUNTIME_ID}` }))
})

scripted('no TASK_ID (scripted ECS responses): lists RUNNING tasks of the service, picks a running one ready for exec, says which', async () => {
  const pendingId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
  const oldId = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
  const pending = task({ taskArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:task/cruddur/${pendingId}`, lastStatus: 'PENDING', startedAt: undefined })
  // Started later, but from the deployment before exec was enabled.
  const old = task({ taskArn: `arn:aws:ecs:eu-west-2:${ACCOUNT}:task/cruddur/${oldId}`, enableExecuteCommand: false, startedAt: new Date('2024-05-02T00:00:00Z') })
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [pending.taskArn!, old.taskArn!, TASK_ARN] })
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [pending, old, task()] })
  ecsMock.on(ExecuteCommandCommand).resolves({ clusterArn: CLUSTER_ARN, taskArn: TASK_ARN, session: SESSION })
  assert.is(await connect(), 0)
  assert.equal(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input, { cluster: 'cruddur', serviceName: 'backend-flask', desiredStatus: 'RUNNING' })
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand)[0]?.args[0].input.task, TASK_ARN)
  assert.match(logs.join('\n'), `Using task ${TASK_ID} of service backend-flask (2 running in cluster cruddur)`)
  assert.match(record()?.argv[5] ?? '', TASK_ID)
})

scripted('no running task (scripted ECS responses): one clear line, exit 1, plugin never run', async () => {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] })
  const error = await failure(connect())
  assert.is(error.exitCode, 1)
  assert.match(error.message, 'no running task for service backend-flask in cluster cruddur')
  assert.not.match(error.message, '\n')
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand).length, 0)
  assert.is(record(), undefined)
})

scripted('only PROVISIONING tasks (scripted ECS responses): says none is RUNNING yet', async () => {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [TASK_ARN] })
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task({ lastStatus: 'PROVISIONING' })] })
  const error = await failure(connect())
  assert.match(error.message, `is RUNNING yet (${TASK_ID} PROVISIONING)`)
})

scripted('container default (scripted ECS responses): the only container, else the one named like the service', async () => {
  scriptTask(task({ containers: [{ ...container('app'), runtimeId: RUNTIME_ID }] }))
  assert.is(await connect({ taskId: TASK_ID }), 0)
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand)[0]?.args[0].input.container, 'app')

  ecsMock.reset()
  // A Service Connect task carries the proxy container too.
  scriptTask(task({ containers: [container('ecs-service-connect-7Fq2', undefined), { ...container('backend-flask'), runtimeId: RUNTIME_ID }] }))
  assert.is(await connect({ taskId: TASK_ID }), 0)
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand)[0]?.args[0].input.container, 'backend-flask')
  assert.match(record()?.argv[5] ?? '', RUNTIME_ID)
})

scripted('container not named like the service (scripted ECS responses): error lists the names', async () => {
  scriptTask(task({ containers: [container('web'), container('worker')] }))
  const error = await failure(connect({ taskId: TASK_ID }))
  assert.match(error.message, 'no container named like the service backend-flask')
  assert.match(error.message, 'web, worker')
  const named = await failure(connect({ taskId: TASK_ID, container: 'nope' }))
  assert.match(named.message, 'no container named nope; its containers: web, worker')
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand).length, 0)
})

scripted('pre-check: session-manager-plugin missing (scripted ECS responses): how to install, before any ECS call', async () => {
  scriptTask(task())
  const error = await failure(connect({ taskId: TASK_ID }, { PATH: node }))
  assert.is(error.exitCode, 1)
  assert.match(error.message, 'session-manager-plugin is not installed')
  assert.match(error.message, 'curl "https://s3.amazonaws.com/session-manager-downloads/plugin/latest/ubuntu_64bit/session-manager-plugin.deb"')
  assert.match(error.message, 'sudo dpkg -i session-manager-plugin.deb')
  assert.match(error.message, '.gitpod.yml')
  assert.is(ecsMock.calls().length, 0)
})

scripted('pre-check: a plugin too old for the environment hand-over (scripted ECS responses)', async () => {
  scriptTask(task())
  const error = await failure(connect({ taskId: TASK_ID }, { REC_PLUGIN_VERSION: '1.2.497.0' }))
  assert.match(error.message, 'session-manager-plugin 1.2.497.0 is too old')
  assert.match(error.message, 'dpkg -i')
  assert.is(ecsMock.calls().length, 0)
})

scripted('pre-check: task not RUNNING (scripted ECS responses): status and reason, no ExecuteCommand', async () => {
  scriptTask(task({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedReason: 'Essential container in task exited' }))
  const error = await failure(connect({ taskId: TASK_ID }))
  assert.is(error.exitCode, 1)
  assert.match(error.message, `task ${TASK_ID} is STOPPED, not RUNNING (stopped: Essential container in task exited)`)
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand).length, 0)
  assert.is(record(), undefined)
})

scripted('pre-check: exec not enabled on the task (scripted ECS responses): explains enableExecuteCommand and a new deployment', async () => {
  scriptTask(task({ enableExecuteCommand: false }))
  const error = await failure(connect({ taskId: TASK_ID }))
  assert.match(error.message, `ECS Exec was not enabled when task ${TASK_ID} was started`)
  assert.match(error.message, 'enableExecuteCommand')
  assert.match(error.message, 'aws ecs update-service --cluster cruddur --service backend-flask --enable-execute-command --force-new-deployment')
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand).length, 0)
})

scripted('pre-check: ExecuteCommandAgent not RUNNING (scripted ECS responses): STOPPED names the permissions, PENDING says wait', async () => {
  scriptTask(task({ containers: [container('backend-flask', 'STOPPED')] }))
  const stopped = await failure(connect({ taskId: TASK_ID }))
  assert.match(stopped.message, 'the ExecuteCommandAgent in container backend-flask')
  assert.match(stopped.message, 'is STOPPED, not RUNNING')
  assert.match(stopped.message, 'ssmmessages:CreateControlChannel')

  ecsMock.reset()
  scriptTask(task({ containers: [container('backend-flask', 'PENDING')] }))
  const pending = await failure(connect({ taskId: TASK_ID }))
  assert.match(pending.message, 'is PENDING, not RUNNING: it is still starting')
  assert.is(ecsMock.commandCalls(ExecuteCommandCommand).length, 0)
})

scripted('unknown TASK_ID (scripted ECS responses): not found, with the way out', async () => {
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ID, reason: 'MISSING' }] })
  const error = await failure(connect({ taskId: TASK_ID }))
  assert.match(error.message, `task ${TASK_ID} not found in cluster cruddur (MISSING)`)
})

scripted('endpoint override and profile reach the plugin (scripted ECS responses)', async () => {
  scriptTask(task())
  assert.is(await connect({ taskId: TASK_ID }, { AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:4566', AWS_PROFILE: 'cruddur-dev' }), 0)
  const argv = record()?.argv ?? []
  assert.is(argv[4], 'cruddur-dev')
  assert.is(argv[6], 'http://127.0.0.1:4566')
})

scripted("the plugin's exit code is the result (scripted ECS responses)", async () => {
  scriptTask(task())
  assert.is(await connect({ taskId: TASK_ID }, { REC_EXIT: '130' }), 130)
})

scripted('Ctrl-C while the plugin runs does not end this process (scripted ECS responses)', async () => {
  scriptTask(task())
  const before = process.listenerCount('SIGINT')
  // The recording plugin sends SIGINT to its parent, this test process: with the default
  // action still in place, the whole test run would die here.
  assert.is(await connect({ taskId: TASK_ID }, { REC_SIGINT_PARENT: '1', REC_EXIT: '0' }), 0)
  assert.is(process.listenerCount('SIGINT'), before, 'the SIGINT handler was left installed')
})

scripted('TargetNotConnectedException from ExecuteCommand (scripted ECS responses): the usual causes', async () => {
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task()] })
  const refused = Object.assign(new Error('The execute command failed due to an internal error.'), { name: 'TargetNotConnectedException' })
  ecsMock.on(ExecuteCommandCommand).rejects(refused)
  const error = await failure(connect({ taskId: TASK_ID }))
  assert.match(error.message, 'TargetNotConnectedException')
  assert.match(error.message, 'AWS_ACCESS_KEY_ID')
  assert.is(record(), undefined)
})
scripted.run()

const cli = suite('ecs/connect-to-service as a command')
cli('--help: arguments, flags and defaults; exit 0', async () => {
  const r = await runKit('ecs/connect-to-service', ['--help'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '[TASK_ID] [CONTAINER]')
  assert.match(r.stdout, '--cluster NAME')
  assert.match(r.stdout, '--service NAME')
  assert.match(r.stdout, '--command CMD')
  assert.match(r.stdout, 'cruddur')
})

cli('too many arguments: exit 2, one line', async () => {
  const r = await runKit('ecs/connect-to-service', ['task', 'container', 'extra'])
  assert.is(r.code, 2, r.all)
  assert.match(r.stderr, 'unexpected argument extra')
  assert.is(r.stderr.trim().split('\n').length, 1)
})

cli('no session-manager-plugin on PATH: exit 1 with the install lines', async () => {
  const r = await runKit('ecs/connect-to-service', [], { env: { PATH: node } })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, 'session-manager-plugin is not installed')
  assert.match(r.stderr, 'dpkg -i session-manager-plugin.deb')
  assert.is(r.stderr.trim().split('\n').length, 1)
})

cli('against moto: an empty service has no running task (exit 1); a missing cluster is named', async () => {
  await resetMoto()
  const ecs = new ECSClient({ region: 'eu-west-2', endpoint: ENDPOINT })
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur' }))
  ecs.destroy()
  const r = await runKit('ecs/connect-to-service', [], { env: { PATH: `${pluginDir}:${node}`, ECS_CLUSTER: undefined } })
  assert.is(r.code, 1, r.all)
  assert.match(r.stderr, 'no running task for service backend-flask in cluster cruddur')
  const missing = await runKit('ecs/connect-to-service', ['--cluster', 'nope'], { env: { PATH: `${pluginDir}:${node}`, ECS_CLUSTER: undefined } })
  assert.is(missing.code, 1, missing.all)
  assert.match(missing.stderr, 'cluster nope not found in eu-west-2')
})
cli.run()
