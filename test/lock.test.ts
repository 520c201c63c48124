// lib/core/lock.ts: one run at a time changes a stack; the next waits, a dead owner's lock is taken over.
import './helpers/guard.js'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { holdStackLock, lockPath } from '../lib/core/lock.js'
import { startAwsProxy, type AwsProxy, type Call } from './helpers/aws-proxy.js'
import { resetMoto } from './helpers/moto.js'
import { waitFor } from './helpers/net.js'
import { runKit, type RunResult } from './helpers/run.js'
import { provisionStack, STACK_ENV } from './helpers/stack.js'

const test = suite('lib/core/lock')
let dir: string
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'kit-lock-'))
})
test.after.each(() => rmSync(dir, { recursive: true, force: true }))

test('a second holder waits, says for whom, and gets the lock once the first releases it', async () => {
  const said: string[] = []
  const first = await holdStackLock('stack-a', 'the stack', 'provision', { onWait: (l) => said.push(l), timeoutMs: 5000, dir })
  let secondHeld = false
  const second = holdStackLock('stack-a', 'the stack', 'provision', { onWait: (l) => said.push(l), timeoutMs: 5000, dir }).then((release) => {
    secondHeld = true
    return release
  })
  await new Promise((r) => setTimeout(r, 400))
  assert.is(secondHeld, false)
  assert.equal(said.length, 1)
  assert.match(said[0], `waiting for another provision (pid ${process.pid}`)
  first()
  const release = await second
  assert.is(secondHeld, true)
  release()
  assert.is(existsSync(lockPath('stack-a', dir)), false, 'released locks leave no file behind')
})

test('different stacks do not wait for each other', async () => {
  const a = await holdStackLock('stack-a', 'a', 'provision', { onWait: () => assert.unreachable('waited'), timeoutMs: 1000, dir })
  const b = await holdStackLock('stack-b', 'b', 'provision', { onWait: () => assert.unreachable('waited'), timeoutMs: 1000, dir })
  a()
  b()
})

test("a killed run's lock (its pid is gone) is taken over at once", async () => {
  writeFileSync(lockPath('stack-a', dir), JSON.stringify({ pid: 2 ** 22 + 12345, command: 'provision', started: 'earlier' }))
  const release = await holdStackLock('stack-a', 'the stack', 'provision', { onWait: () => assert.unreachable('waited'), timeoutMs: 1000, dir })
  release()
})

test('a holder that does not finish in time: one line naming it', async () => {
  const first = await holdStackLock('stack-a', 'the stack (cluster c)', 'provision', { onWait: () => {}, timeoutMs: 1000, dir })
  try {
    await holdStackLock('stack-a', 'the stack (cluster c)', 'teardown', { onWait: () => {}, timeoutMs: 300, dir }).then(
      () => assert.unreachable('took a held lock'),
      (error: Error) => assert.match(error.message, /another provision \(pid \d+, started .*\) is still changing the stack \(cluster c\): wait for it to finish/),
    )
  } finally {
    first()
  }
})

test.run()

// ---- the commands that change a stack take provision's lock (against moto) ----
const motoUrl = process.env.AWS_ENDPOINT_URL as string
const sdk = await openContext(process.env, { mode: 'read-only' })
const ecs = sdk.client(ECSClient, 'ECS')
let proxy: AwsProxy

const live = suite('teardown, scale, pause and resume wait for a provision in progress (against moto, through a recording proxy)')
live.before(async () => {
  proxy = await startAwsProxy(motoUrl)
})
live.before.each(async () => {
  await resetMoto(motoUrl)
  proxy.reset()
})
live.after(async () => {
  await proxy.stop()
})

/**
 * A provision held in the middle (one call of `action` unanswered, so it holds the stack's
 * lock), and `command` started meanwhile: what the command did while the provision was held,
 * then both results once it is let go.
 */
async function whileProvisionHeld(action: string, command: string, args: string[]) {
  const env = { ...STACK_ENV, AWS_ENDPOINT_URL: proxy.url }
  proxy.inject({ match: (c) => c.action === action, times: 1, kind: 'hold' })
  const provision = runKit('provision', [], { env, timeoutMs: 180000 })
  const reached = async () => proxy.calls.some((c) => c.action === action)
  await Promise.race([
    waitFor(`provision to reach ${action}`, reached, 120000),
    provision.then(async (r) => {
      if (!(await reached())) throw new Error(`provision ended (exit ${r.code}) before ${action}:\n${r.all}`)
    }),
  ])
  const before = proxy.calls.length
  const second = runKit(command, args, { env, timeoutMs: 180000 })
  // Long enough for the command to have read and changed what it would have (it takes well under this unlocked).
  await new Promise((resolve) => setTimeout(resolve, 4000))
  const meanwhile: Call[] = proxy.calls.slice(before)
  proxy.release()
  const [first, other]: RunResult[] = await Promise.all([provision, second])
  assert.is(first.code, 0, first.all)
  return { meanwhile, result: other }
}

live('a teardown started during a provision waits for it, then tears down all it made', async () => {
  const { meanwhile, result } = await whileProvisionHeld('CreateService', 'teardown', ['--yes'])
  assert.equal(meanwhile.filter((c) => c.service === 'ecs' || c.action.startsWith('Delete')), [], 'teardown read or changed nothing while provision ran')
  assert.is(result.code, 0, result.all)
  assert.match(result.stderr, /waiting for another provision \(pid \d+, started [^)]+\), which is changing the stack \(cluster cruddur in /)
  assert.match(result.stdout, /deleted\s+ecs service backend-flask/)
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] })).catch(() => undefined))?.services?.[0]
  assert.ok(service === undefined || service.status === 'INACTIVE', `the service provision made is gone (${service?.status})`)
  const cluster = (await ecs.send(new DescribeClustersCommand({ clusters: ['cruddur'] }))).clusters?.[0]
  assert.ok(cluster === undefined || cluster.status === 'INACTIVE', `the cluster is gone (${cluster?.status})`)
})

for (const [command, args] of [['scale', ['backend-flask', '3']], ['pause', []], ['resume', []]] as const) {
  live(`${command} started during a provision waits for it before it reads or changes a service`, async () => {
    await provisionStack(motoUrl)
    if (command === 'resume') assert.is((await runKit('pause', [], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: motoUrl } })).code, 0)
    proxy.reset()
    const { meanwhile, result } = await whileProvisionHeld('DescribeClusters', command, [...args])
    assert.equal(meanwhile.filter((c) => /^(DescribeServices|UpdateService|TagResource|UntagResource)$/.test(c.action)), [], `${command} read or changed nothing while provision ran`)
    assert.is(result.code, 0, result.all)
    assert.match(result.stderr, /waiting for another provision \(pid \d+/)
    const desired = (await ecs.send(new DescribeServicesCommand({ cluster: 'cruddur', services: ['backend-flask'] }))).services?.[0]?.desiredCount
    assert.is(desired, { scale: 3, pause: 0, resume: 1 }[command])
  })
}

live('--dry-run takes no lock: it reads at once', async () => {
  await provisionStack(motoUrl)
  proxy.reset()
  const { meanwhile, result } = await whileProvisionHeld('DescribeClusters', 'pause', ['--dry-run'])
  assert.ok(meanwhile.some((c) => c.action === 'DescribeServices'))
  assert.is(result.code, 0, result.all)
  assert.not.match(result.all, /waiting for another/)
})

live.run()
