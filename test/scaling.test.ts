import './helpers/guard.js'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, ECSClient, ListTagsForResourceCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { ROOT } from '../lib/config/paths.js'
import { UsageError } from '../lib/core/errors.js'
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling'
import {
  decodePauseMemory,
  encodePauseMemory,
  missingLine,
  parseCount,
  PAUSE_TAG,
  pausedCount,
  pausePlan,
  resumePlan,
  scaleBounds,
  type ServiceCount,
} from '../lib/ops/scaling.js'
import { startAwsProxy, type AwsProxy } from './helpers/aws-proxy.js'
import { resetMoto } from './helpers/moto.js'
import { waitFor } from './helpers/net.js'
import { runKit } from './helpers/run.js'
import { provisionStack, STACK_ENV } from './helpers/stack.js'

// ---- pure parts ----
const pure = suite('lib/ops/scaling (pure)')
const svc = (desired: number, paused?: number, exists = true): ServiceCount => ({ name: 's', desired, running: 0, ...(exists ? { arn: 'arn:s' } : {}), ...(paused !== undefined ? { paused } : {}) })

const PAUSE: Array<[string, ServiceCount, ReturnType<typeof pausePlan>]> = [
  ['running: remember 2, go to 0', svc(2), { act: true, from: 2 }],
  ['paused by a run stopped before the scale: pause again', svc(2, 2), { act: true, from: 2 }],
  ['already paused', svc(0, 3), { act: false, detail: 'already paused (resume brings back 3)' }],
  ['at 0, never paused', svc(0), { act: false, detail: 'already at 0 tasks, not paused by the kit (resume leaves it at 0)' }],
  ['missing', svc(0, undefined, false), { act: false, detail: 'not running in the cluster (nothing to pause)' }],
]
for (const [name, s, expected] of PAUSE) pure(`pausePlan: ${name}`, () => assert.equal(pausePlan(s), expected))

const RESUME: Array<[string, ServiceCount, ReturnType<typeof resumePlan>]> = [
  ['paused: back to 3, then untag', svc(0, 3), { scaleTo: 3, untag: true, detail: 'back to the 3 before the pause' }],
  ['a run stopped after the scale: untag only', svc(3, 3), { untag: true, detail: 'back to the 3 before the pause' }],
  ['scaled by hand since the pause: keep it, untag', svc(5, 3), { untag: true, detail: 'scaled to 5 since the pause (it was 3): left at 5' }],
  ['not paused, running', svc(2), { untag: false, detail: 'not paused (desired 2)' }],
  ['not paused, at 0', svc(0), { untag: false, detail: 'not paused by the kit (desired 0: use scale)' }],
]
for (const [name, s, expected] of RESUME) pure(`resumePlan: ${name}`, () => assert.equal(resumePlan(s), expected))

// With auto scaling: `bounds` is the scalable target now, `pausedBounds` what the tag remembers.
const scaled = (desired: number, bounds: [number, number], paused?: number, pausedBounds?: [number, number]): ServiceCount => ({
  ...svc(desired, paused),
  bounds: { min: bounds[0], max: bounds[1] },
  ...(pausedBounds ? { pausedBounds: { min: pausedBounds[0], max: pausedBounds[1] } } : {}),
})
const PAUSE_BOUNDS: Array<[string, ServiceCount, ReturnType<typeof pausePlan>]> = [
  ['running 2 within 1-4: remember both', scaled(2, [1, 4]), { act: true, from: 2, bounds: { min: 1, max: 4 } }],
  ['stopped after the bounds went to 0: remember the tag\'s bounds, not 0', scaled(2, [0, 0], 2, [1, 4]), { act: true, from: 2, bounds: { min: 1, max: 4 } }],
  ['at 0 tasks but min 1 (the scaler would start one): pause it', scaled(0, [1, 4]), { act: true, from: 0, bounds: { min: 1, max: 4 } }],
  ['already paused, bounds at 0', scaled(0, [0, 0], 3, [1, 4]), { act: false, detail: 'already paused (resume brings back 3)' }],
]
for (const [name, s, expected] of PAUSE_BOUNDS) pure(`pausePlan with auto scaling: ${name}`, () => assert.equal(pausePlan(s), expected))

const RESUME_BOUNDS: Array<[string, ServiceCount, ReturnType<typeof resumePlan>]> = [
  ['paused: the remembered bounds, then the count', scaled(0, [0, 0], 3, [1, 4]), { scaleTo: 3, bounds: { min: 1, max: 4 }, untag: true, detail: 'back to the 3 before the pause' }],
  ['paused before auto scaling was set up: the declared bounds', scaled(0, [0, 0], 3), { scaleTo: 3, bounds: { min: 1, max: 2 }, untag: true, detail: 'back to the 3 before the pause' }],
  ['a run stopped after the bounds: the count, then untag', scaled(0, [1, 4], 3, [1, 4]), { scaleTo: 3, untag: true, detail: 'back to the 3 before the pause' }],
  ['scaled by hand since the pause (bounds 5-5): both kept', scaled(5, [5, 5], 3, [1, 4]), { untag: true, detail: 'scaled to 5 since the pause (it was 3): left at 5' }],
]
for (const [name, s, expected] of RESUME_BOUNDS) pure(`resumePlan with auto scaling: ${name}`, () => assert.equal(resumePlan(s, { min: 1, max: 2 }), expected))

pure('scaleBounds: min = N so the scaler keeps what was asked, max = the larger of N and the declared max; 0 stops it', () => {
  assert.equal(scaleBounds(1, 4), { min: 1, max: 4 })
  assert.equal(scaleBounds(3, 2), { min: 3, max: 3 })
  assert.equal(scaleBounds(0, 4), { min: 0, max: 0 })
})

pure('the pause tag: one value for the count and the bounds, and the old count-only value still read', () => {
  assert.is(encodePauseMemory({ desired: 3, bounds: { min: 1, max: 4 } }), '3 min=1 max=4')
  assert.is(encodePauseMemory({ desired: 2 }), '2')
  assert.equal(decodePauseMemory([{ key: PAUSE_TAG, value: '3 min=1 max=4' }]), { desired: 3, bounds: { min: 1, max: 4 } })
  assert.equal(decodePauseMemory([{ key: PAUSE_TAG, value: '2' }]), { desired: 2 })
  assert.is(decodePauseMemory([{ key: PAUSE_TAG, value: '3 min=1' }]), undefined)
  assert.is(pausedCount([{ key: PAUSE_TAG, value: '3 min=1 max=4' }]), 3)
})

pure('parseCount and pausedCount', () => {
  assert.is(parseCount('0'), 0)
  assert.is(parseCount('12'), 12)
  for (const bad of [undefined, '-1', '1.5', 'two', '', '9999']) assert.throws(() => parseCount(bad), (e: unknown) => e instanceof UsageError)
  assert.is(pausedCount([{ key: 'other', value: '1' }, { key: PAUSE_TAG, value: '4' }]), 4)
  assert.is(pausedCount([{ key: PAUSE_TAG, value: 'lots' }]), undefined)
  assert.is(pausedCount(undefined), undefined)
})
pure('missingLine: pause and resume end the same way when services are missing', () => {
  const results = [
    { service: 'a', action: 'missing' as const, detail: '' },
    { service: 'b', action: 'paused' as const, detail: '' },
  ]
  assert.is(missingLine(results, 'c', 'paused'), 'a is not in cluster c: a missing service cannot be paused (./scripts/provision creates it)')
  assert.is(missingLine([...results, { service: 'd', action: 'missing', detail: '' }], 'c', 'resumed'), 'a, d are not in cluster c: a missing service cannot be resumed (./scripts/provision creates it)')
  assert.is(missingLine(results.slice(1), 'c', 'paused'), undefined)
})
pure.run()

// ---- against moto ----
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const ecs = sdk.client(ECSClient, 'ECS')
const aas = sdk.client(ApplicationAutoScalingClient, 'APPLICATION_AUTO_SCALING')
const BOTH = 'backend-flask,frontend-react-js'
let proxy: AwsProxy

const kit = (script: string, args: string[] = [], env: Record<string, string> = {}) =>
  runKit(script, args, { env: { AWS_ENDPOINT_URL: proxy.url, ECS_SERVICES: BOTH, ...env } })

async function state(name: string) {
  const s = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: [name] }))).services?.[0]
  const tags = (await ecs.send(new ListTagsForResourceCommand({ resourceArn: s?.serviceArn }))).tags ?? []
  return { desired: s?.desiredCount, paused: tags.find((t) => t.key === PAUSE_TAG)?.value }
}

/** The backend's scalable target (provision registers it; the frontend made here has none): "min-max". */
async function bounds(name = 'backend-flask'): Promise<string | undefined> {
  const t = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [`service/cruddur/${name}`] }))).ScalableTargets?.[0]
  return t ? `${t.MinCapacity}-${t.MaxCapacity}` : undefined
}
const setBoundsByHand = (min: number, max: number) =>
  aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', ResourceId: 'service/cruddur/backend-flask', MinCapacity: min, MaxCapacity: max }))

const live = suite('scale, pause, resume (against moto)')
live.before(async () => {
  proxy = await startAwsProxy(motoUrl)
})
live.before.each(async () => {
  await resetMoto(motoUrl)
  await provisionStack(motoUrl)
  // A second declared service, made here with the backend's task definition (its own templates are the lead's).
  const backend = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'cruddur',
      serviceName: 'frontend-react-js',
      taskDefinition: backend?.taskDefinition,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: backend?.networkConfiguration,
    }),
  )
  proxy.reset()
})
live.after(async () => {
  await proxy.stop()
})

live('scale sets the desired count (and, with auto scaling, the bounds: min N, max the larger of N and the declared max); the same count again changes nothing', async () => {
  const r = await kit('scale', ['backend-flask', '3'])
  assert.is(r.code, 0, r.all)
  assert.is(r.stdout.trim(), 'scaled       backend-flask: desired 1 → 3, bounds 1-2 → 3-3 tasks')
  assert.is((await state('backend-flask')).desired, 3)
  assert.is(await bounds(), '3-3')
  proxy.reset()
  const again = await kit('scale', ['backend-flask', '3', '--json'])
  assert.is(again.code, 0)
  const doc = JSON.parse(again.stdout)
  assert.equal(
    { ...doc, detail: undefined },
    { dryRun: false, service: 'backend-flask', action: 'unchanged', from: 3, to: 3, bounds: { from: { min: 3, max: 3 }, to: { min: 3, max: 3 } }, detail: undefined },
  )
  assert.match(doc.detail, /^already 3 desired, \d+ running, 3-3 tasks$/)
  assert.equal(proxy.mutations(), [])
  const dry = await kit('scale', ['backend-flask', '0', '--dry-run'])
  assert.match(dry.stdout, /would scale\s+backend-flask: desired 3 → 0, bounds 3-3 → 0-0 tasks/)
  assert.equal(proxy.mutations(), [])
  // Back to 1: the declared 1-2 again, so the scaler may add a task under load.
  const one = await kit('scale', ['backend-flask', '1'])
  assert.is(one.stdout.trim(), 'scaled       backend-flask: desired 3 → 1, bounds 3-3 → 1-2 tasks')
  assert.is(await bounds(), '1-2')
  // A service without a scalable target: its desired count alone, as before.
  const frontend = await kit('scale', ['frontend-react-js', '1'])
  assert.is(frontend.stdout.trim(), 'scaled       frontend-react-js: desired 2 → 1')
  assert.is(await bounds('frontend-react-js'), undefined)
})

live('a count alone is not what scale sets: bounds moved by hand are set again for the same count', async () => {
  await setBoundsByHand(2, 5)
  const r = await kit('scale', ['backend-flask', '1'])
  assert.is(r.code, 0, r.all)
  assert.is(r.stdout.trim(), 'scaled       backend-flask: desired 1, bounds 2-5 → 1-2 tasks')
  assert.is(await bounds(), '1-2')
})

live('pause and resume carry the bounds: min = max = 0 while paused, remembered in the pause tag with the count; provision meanwhile keeps it paused', async () => {
  await setBoundsByHand(1, 4)
  const paused = await kit('pause')
  assert.is(paused.code, 0, paused.all)
  assert.match(paused.stdout, /paused\s+backend-flask: desired 1 → 0, bounds 1-4 → 0-0 tasks \(resume brings back 1, 1-4 tasks\)/)
  assert.equal(await state('backend-flask'), { desired: 0, paused: '1 min=1 max=4' })
  assert.is(await bounds(), '0-0')
  proxy.reset()
  assert.is((await kit('pause')).code, 0)
  assert.equal(proxy.mutations(), [])
  // provision while paused: the step leaves the bounds at 0 (raising min would start tasks).
  const provision = await kit('provision', [], STACK_ENV)
  assert.is(provision.code, 0, provision.all)
  assert.match(provision.stdout, /unchanged\s+scalable target backend-flask: service\/cruddur\/backend-flask, 0-0 tasks; paused: resume puts back 1-4 tasks/)
  assert.is(await bounds(), '0-0')
  const resumed = await kit('resume', ['--json'])
  assert.is(resumed.code, 0, resumed.all)
  const backend = JSON.parse(resumed.stdout).services.find((s: { service: string }) => s.service === 'backend-flask')
  assert.equal([backend.action, backend.to, backend.bounds], ['resumed', 1, { from: { min: 0, max: 0 }, to: { min: 1, max: 4 } }])
  assert.equal(await state('backend-flask'), { desired: 1, paused: undefined })
  assert.is(await bounds(), '1-4')
})

for (const [command, held] of [['pause', 'UpdateService'], ['resume', 'UpdateService']] as const) {
  live(`a ${command} killed after the bounds, before the count, run again, completes: the bounds before the pause come back`, async () => {
    const env = { ...process.env, AWS_ENDPOINT_URL: proxy.url, ECS_SERVICES: 'backend-flask' }
    if (command === 'resume') {
      assert.is((await kit('pause', [], { ECS_SERVICES: 'backend-flask' })).code, 0)
      proxy.reset()
    }
    proxy.inject({ match: (c) => c.action === held, times: 1, kind: 'hold' })
    const child = spawn(join(ROOT, `scripts/${command}`), [], { env, stdio: 'ignore' })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    await waitFor(`${command} to reach ${held}`, async () => proxy.calls.some((c) => c.action === held), 30000)
    child.kill('SIGKILL')
    await exited
    proxy.reset()
    // Killed half-way: the bounds moved, the count did not.
    assert.is(await bounds(), command === 'pause' ? '0-0' : '1-2')
    assert.is((await kit(command, [], { ECS_SERVICES: 'backend-flask' })).code, 0)
    if (command === 'pause') {
      assert.equal(await state('backend-flask'), { desired: 0, paused: '1 min=1 max=2' })
      assert.is((await kit('resume', [], { ECS_SERVICES: 'backend-flask' })).code, 0)
    }
    assert.equal(await state('backend-flask'), { desired: 1, paused: undefined })
    assert.is(await bounds(), '1-2')
  })
}

live('pause then resume: every service to 0 and back to the counts before, round trip twice', async () => {
  await kit('scale', ['backend-flask', '3'])
  proxy.reset()
  const paused = await kit('pause')
  assert.is(paused.code, 0, paused.all)
  assert.match(paused.stdout, /paused\s+backend-flask: desired 3 → 0, bounds 3-3 → 0-0 tasks \(resume brings back 3, 3-3 tasks\)/)
  assert.match(paused.stdout, /paused\s+frontend-react-js: desired 2 → 0 \(resume brings back 2\)/)
  assert.match(paused.stdout, /^Paused 2 services: \.\/scripts\/resume brings them back\.$/m)
  assert.not.match(paused.stdout, /save/i, 'no cost hook: nothing said about money')
  assert.equal(await state('backend-flask'), { desired: 0, paused: '3 min=3 max=3' })
  assert.equal(await state('frontend-react-js'), { desired: 0, paused: '2' })

  proxy.reset()
  const again = await kit('pause')
  assert.is(again.code, 0)
  assert.match(again.stdout, /unchanged\s+backend-flask: already paused \(resume brings back 3\)/)
  assert.match(again.stdout, /Nothing to pause\./)
  assert.equal(proxy.mutations(), [])

  const resumed = await kit('resume', ['--json'])
  assert.is(resumed.code, 0, resumed.all)
  const doc = JSON.parse(resumed.stdout)
  assert.equal(doc.services.map((s: { service: string; action: string; to: number }) => [s.service, s.action, s.to]), [
    ['backend-flask', 'resumed', 3],
    ['frontend-react-js', 'resumed', 2],
  ])
  assert.equal(await state('backend-flask'), { desired: 3, paused: undefined })
  assert.equal(await state('frontend-react-js'), { desired: 2, paused: undefined })

  proxy.reset()
  const twice = await kit('resume')
  assert.is(twice.code, 0)
  assert.match(twice.stdout, /unchanged\s+backend-flask: not paused \(desired 3\)/)
  assert.equal(proxy.mutations(), [])
  // And round again.
  assert.is((await kit('pause')).code, 0)
  assert.is((await kit('resume')).code, 0)
  assert.equal(await state('backend-flask'), { desired: 3, paused: undefined })
})

live('a pause killed half-way, run again, completes; resume then restores every count', async () => {
  // Hold the first scale-down unanswered (its tag is on by then) and kill pause while it waits.
  proxy.inject({ match: (c) => c.action === 'UpdateService', times: 1, kind: 'hold' })
  const child = spawn(join(ROOT, 'scripts/pause'), [], { env: { ...process.env, AWS_ENDPOINT_URL: proxy.url, ECS_SERVICES: BOTH }, stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await waitFor('pause to reach UpdateService', async () => proxy.calls.some((c) => c.action === 'UpdateService'), 30000)
  child.kill('SIGKILL')
  await exited
  proxy.reset() // the held call is dropped, never answered
  const r = await kit('pause')
  assert.is(r.code, 0, r.all)
  assert.equal(await state('backend-flask'), { desired: 0, paused: '1 min=1 max=2' })
  assert.equal(await state('frontend-react-js'), { desired: 0, paused: '2' })
  assert.is((await kit('resume')).code, 0)
  assert.equal(await state('backend-flask'), { desired: 1, paused: undefined })
  assert.equal(await state('frontend-react-js'), { desired: 2, paused: undefined })
})

live('resume keeps a count set by hand since the pause', async () => {
  await kit('pause')
  await kit('scale', ['frontend-react-js', '4'])
  const r = await kit('resume')
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /unchanged\s+frontend-react-js: scaled to 4 since the pause \(it was 2\): left at 4/)
  assert.equal(await state('frontend-react-js'), { desired: 4, paused: undefined })
  assert.equal(await state('backend-flask'), { desired: 1, paused: undefined })
})

live('bad usage exits 2; a service that is not there cannot be scaled, paused or resumed: exit 1 and one line saying so, for each', async () => {
  const unknown = await kit('scale', ['no-such-service', '1'])
  assert.is(unknown.code, 2)
  assert.match(unknown.stderr, /service "no-such-service" is not declared/)
  const count = await kit('scale', ['backend-flask', 'two'])
  assert.is(count.code, 2)
  assert.match(count.stderr, /COUNT must be a whole number from 0, e\.g\. 1, got "two"/)
  await resetMoto(motoUrl)
  const gone = await kit('scale', ['backend-flask', '1'])
  assert.is(gone.code, 1)
  assert.match(gone.stderr, /ECS service backend-flask is not in cluster cruddur: run \.\/scripts\/provision first/)
  for (const command of ['pause', 'resume']) {
    const r = await kit(command)
    assert.is(r.code, 1, `${command}: ${r.all}`)
    assert.match(r.stdout, /missing\s+backend-flask: not in cluster cruddur/, command)
    assert.match(r.stderr, new RegExp(`^${command}: backend-flask, frontend-react-js (is|are) not in cluster cruddur: a missing service cannot be ${command}d \\(\\./scripts/provision creates it\\)$`, 'm'), command)
  }
})

live('pause and resume with one service missing: the other is still paused and resumed, and both exit 1 naming the missing one', async () => {
  await ecs.send(new UpdateServiceCommand({ cluster: 'cruddur', service: 'frontend-react-js', desiredCount: 0 }))
  await ecs.send(new DeleteServiceCommand({ cluster: 'cruddur', service: 'frontend-react-js' }))
  const pause = await kit('pause')
  assert.is(pause.code, 1, pause.all)
  assert.match(pause.stdout, /paused\s+backend-flask: desired 1 → 0/)
  assert.match(pause.stderr, /^pause: frontend-react-js is not in cluster cruddur: a missing service cannot be paused/m)
  assert.equal(await state('backend-flask'), { desired: 0, paused: '1 min=1 max=2' })
  const resume = await kit('resume')
  assert.is(resume.code, 1, resume.all)
  assert.match(resume.stderr, /^resume: frontend-react-js is not in cluster cruddur: a missing service cannot be resumed/m)
  assert.equal(await state('backend-flask'), { desired: 1, paused: undefined })
})

live.run()
