// The kit's API and its scripts are one thing: each method's document is what its script
// prints with --json for the same state, and each rejection carries the line the script
// prints after "COMMAND: " and the code it exits with.
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { openContext } from '../lib/aws/context.js'
import { startEcsTimeline, TIMELINES } from '../lib/aws/rollout-emulator.js'
import { CommandFailed } from '../lib/core/errors.js'
import { openKit, type Kit } from '../lib/index.js'
import { deployFixture, FIXTURE_ENV, pushImage } from './helpers/deploy-fixture.js'
import { resetMoto } from './helpers/moto.js'
import { emptyDir, runKit, type RunResult } from './helpers/run.js'
import { provisionStack, STACK_ENV } from './helpers/stack.js'

const MOTO = process.env.AWS_ENDPOINT_URL as string
const timeline = await startEcsTimeline(MOTO, '123456789012')

/** A document without its timings (the only thing two runs over the same state may differ in). */
function untimed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untimed)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => k !== 'seconds' && v !== undefined).map(([k, v]) => [k, untimed(v)]))
  }
  return value
}

const kitWith = (env: Record<string, string | undefined>): Promise<Kit> => openKit({ env: { ...process.env, ...env }, cwd: emptyDir() })

const documentOf = (r: RunResult): unknown => {
  try {
    return JSON.parse(r.stdout)
  } catch {
    throw new Error(`not a JSON document (exit ${r.code}):\n${r.all}`)
  }
}

/** The method's outcome as a script's: its document and exit code (a rejection with a document is exit 1 or 2). */
async function settled(promise: Promise<unknown>): Promise<{ document: unknown; code: number }> {
  try {
    return { document: await promise, code: 0 }
  } catch (error) {
    if (error instanceof CommandFailed && error.document !== undefined) return { document: error.document, code: error.exitCode }
    throw error
  }
}

async function same(method: () => Promise<unknown>, script: string, args: string[], env: Record<string, string | undefined>): Promise<void> {
  const r = await runKit(script, [...args, '--json'], { env })
  const api = await settled(method())
  assert.is(api.code, r.code, `${script}: the API's exit code ${api.code}, the script's ${r.code}:\n${r.stderr}`)
  assert.equal(untimed(JSON.parse(JSON.stringify(api.document))), untimed(documentOf(r)), script)
}

async function sameError(method: () => Promise<unknown>, script: string, args: string[], env: Record<string, string | undefined>): Promise<CommandFailed> {
  const r = await runKit(script, args, { env })
  // The method runs after the script: a rejection is awaited at once.
  const error = await method().then(
    () => assert.unreachable(`${script} ${args.join(' ')}: the API resolved; the script exited ${r.code}`),
    (e: unknown) => e,
  )
  assert.instance(error, CommandFailed)
  const failed = error as CommandFailed
  assert.is(failed.exitCode, r.code, `${script}: ${r.stderr}`)
  assert.is(`${failed.command}: ${failed.message}`, r.stderr.trim())
  return failed
}

// ---- the provisioned backend stack ----
const stack = suite('openKit: documents equal the scripts\' --json (provisioned stack)')
const ENV = { ...STACK_ENV, AWS_ENDPOINT_URL: MOTO }

stack.before(async () => {
  await resetMoto()
  await provisionStack(MOTO)
  // Two lines the task would have written.
  const run = await openContext({ ...process.env, ...ENV }, { mode: 'apply' })
  const logs = run.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
  const stream = `backend-flask/backend-flask/${'a1b2c3d4e5f60718293a4b5c6d7e8f90'}`
  await logs.send(new CreateLogStreamCommand({ logGroupName: run.names.logGroup, logStreamName: stream }))
  const now = Date.now()
  await logs.send(new PutLogEventsCommand({ logGroupName: run.names.logGroup, logStreamName: stream, logEvents: [{ timestamp: now - 2000, message: 'first' }, { timestamp: now - 1000, message: 'second' }] }))
})

stack('provision({ dryRun }), status(), verify() (a failing check: exit 1 with the document), diff() (a service not deployed: exit 1 with it)', async () => {
  const kit = await kitWith(ENV)
  await same(() => kit.provision({ dryRun: true }), 'provision', ['--dry-run'], ENV)
  await same(() => kit.status(), 'status', [], ENV)
  await same(() => kit.verify('backend-flask'), 'verify', ['backend-flask'], ENV)
  await same(() => kit.diff(), 'diff', [], ENV)
  await same(() => kit.diff('frontend-react-js'), 'diff', ['frontend-react-js'], ENV)
})

stack('scale, pause, resume (dry runs), teardown({ dryRun }), logs(), audit({ local }), cost()', async () => {
  const kit = await kitWith(ENV)
  await same(() => kit.scale('backend-flask', 2, { dryRun: true }), 'scale', ['backend-flask', '2', '--dry-run'], ENV)
  await same(() => kit.pause({ dryRun: true }), 'pause', ['--dry-run'], ENV)
  await same(() => kit.resume({ dryRun: true }), 'resume', ['--dry-run'], ENV)
  await same(() => kit.teardown({ dryRun: true }), 'teardown', ['--dry-run'], ENV)
  await same(() => kit.audit({ local: true }), 'audit', ['--local'], ENV)
  await same(() => kit.cost(), 'cost', [], ENV)
  // logs/tail --json prints one document per line.
  const r = await runKit('logs/tail', ['backend-flask', '--since', '1h', '--json'], { env: ENV })
  const lines = await kit.logs('backend-flask', { since: '1h' })
  assert.equal(lines.map((l) => l.message), ['first', 'second'])
  assert.equal(lines, r.stdout.trim().split('\n').map((l) => JSON.parse(l)))
  // Following: an async iterator of the same lines; leaving the loop stops the polling.
  const followed: string[] = []
  for await (const line of kit.logs('backend-flask', { since: '1h', follow: true, poll: 0.1 })) {
    followed.push(line.message)
    if (followed.length === 2) break
  }
  assert.equal(followed, ['first', 'second'])
})

stack('errors: the same line and exit code as the script (bad usage 2, missing configuration 2, a failed check 1)', async () => {
  const kit = await kitWith(ENV)
  await sameError(() => kit.scale('backend-flask', 'many'), 'scale', ['backend-flask', 'many'], ENV)
  await sameError(() => kit.deploy('no-such-service'), 'deploy', ['no-such-service'], ENV)
  await sameError(() => kit.teardown({}), 'teardown', [], ENV)
  await sameError(() => kit.wait('backend-flask', { timeout: 'soon' }), 'wait', ['backend-flask', '--timeout', 'soon'], ENV)
  // A missing service is the checked thing failing: exit 1.
  const deleted = { ...ENV, ECS_CLUSTER: 'no-such-cluster' }
  const failed = await sameError(async () => (await kitWith(deleted)).wait('backend-flask'), 'wait', ['backend-flask'], deleted)
  assert.is(failed.exitCode, 1)
  // No region anywhere: configuration, exit 2, nothing changed.
  const noRegion = { ...ENV, AWS_DEFAULT_REGION: undefined, AWS_REGION: undefined, AWS_CONFIG_FILE: '/dev/null', AWS_PROFILE: undefined }
  const config = await sameError(async () => (await kitWith(noRegion)).provision(), 'provision', [], noRegion)
  assert.is(config.exitCode, 2)
  assert.match(config.message, /^nothing was changed: AWS_DEFAULT_REGION is not set/)
})

stack.run()

// ---- deploy and wait, on ECS rollouts scripted in front of moto ----
const rollout = suite('openKit: deploy and wait documents equal the scripts\' --json (scripted ECS rollout)')
const DEPLOY_ENV = { AWS_ENDPOINT_URL: timeline.url, ...FIXTURE_ENV }
const FAST = ['--interval', '0.05', '--timeout', '20']

rollout('deploy of what already runs, and wait: the same documents (scripted ECS rollout)', async () => {
  await resetMoto()
  timeline.forget()
  const direct = await openContext(process.env, { mode: 'read-only' })
  await deployFixture(direct)
  timeline.use(TIMELINES.clean)
  await pushImage(direct, 'v2')
  const first = await runKit('deploy', ['backend-flask', ...FAST], { env: DEPLOY_ENV })
  assert.is(first.code, 0, first.all)
  const kit = await kitWith(DEPLOY_ENV)
  const lines: string[] = []
  const quiet = await openKit({ env: { ...process.env, ...DEPLOY_ENV }, cwd: emptyDir(), progress: (line) => lines.push(line) })
  await same(() => quiet.deploy('backend-flask', { interval: 0.05, timeout: 20 }), 'deploy', ['backend-flask', ...FAST], DEPLOY_ENV)
  assert.match(lines.join('\n'), /deploy backend-flask: backend-flask:latest is sha256:/)
  await same(() => kit.wait('backend-flask', { interval: 0.05, timeout: 20 }), 'wait', ['backend-flask', ...FAST], DEPLOY_ENV)
})

rollout.after(() => timeline.stop())
rollout.run()
