// lib/core/lock.ts: one run at a time changes a stack; the next waits, a dead owner's lock is taken over.
import './helpers/guard.js'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { holdStackLock, lockPath } from '../lib/core/lock.js'

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
