// One run at a time may change a stack. Two provisions at once would both read "no such
// revision" and both register one, and a deploy during a teardown would make again a service
// the teardown is removing; the second run instead waits, saying for whom, until the first
// ends, then reads what the first made. Every command that changes a stack (provision and its
// steps, deploy, rollback, scale, pause, resume, teardown) takes the same lock: holdRunLock. The lock is a file in the temporary folder
// holding the owner's pid: a run that was killed leaves a lock whose pid is gone, and the
// next run takes it over.
import { createHash } from 'node:crypto'
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { get, type Env } from '../config/env.js'
import { KitError } from './errors.js'

interface Owner {
  pid: number
  command: string
  started: string
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The lock file for a stack, named from what identifies it (endpoint, region, cluster). Pure. */
export const lockPath = (stack: string, dir = tmpdir()): string =>
  join(dir, `cruddur-kit-${createHash('sha256').update(stack).digest('hex').slice(0, 16)}.lock`)

export interface LockOptions {
  /** Said once when another run holds the lock. */
  onWait(line: string): void
  /** How long to wait for it before giving up. */
  timeoutMs: number
  dir?: string
}

/**
 * Hold the stack's lock until the returned release is called (or the process exits), waiting
 * while another live run holds it. Throws a KitError naming that run after the timeout.
 */
export async function holdStackLock(stack: string, what: string, command: string, options: LockOptions): Promise<() => void> {
  const path = lockPath(stack, options.dir)
  const deadline = Date.now() + options.timeoutMs
  let said = false
  let unreadable = 0
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, JSON.stringify({ pid: process.pid, command, started: new Date().toISOString() } satisfies Owner))
      closeSync(fd)
      const release = () => rmSync(path, { force: true })
      process.once('exit', release)
      return () => {
        process.removeListener('exit', release)
        release()
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      let owner: Owner | undefined
      try {
        owner = JSON.parse(readFileSync(path, 'utf8')) as Owner
      } catch {
        owner = undefined // being written this instant, or garbage: judged below
      }
      if (owner && alive(owner.pid)) {
        const holder = `${owner.command} (pid ${owner.pid}, started ${owner.started})`
        if (Date.now() > deadline) throw new KitError(`another ${holder} is still changing ${what}: wait for it to finish, then run this again`)
        if (!said) options.onWait(`waiting for another ${holder}, which is changing ${what}...`)
        said = true
        await new Promise((resolve) => setTimeout(resolve, 200))
        continue
      }
      // Its owner is gone (killed half-way): take it over. Unreadable, it is being written this
      // instant, or garbage: a moment, then it counts as abandoned.
      if (owner || ++unreadable > 20) rmSync(path, { force: true })
      else await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** What a run's lock is keyed on and how the stack is named to whoever waits for it. */
export interface LockedRun {
  readonly env: Env
  readonly region: string
  readonly names: { readonly cluster: string }
  readonly dryRun: boolean
}

/** A stack is its endpoint (AWS or an emulator), region and cluster: the lock's key and its name. Pure. */
export function stackOf(run: Omit<LockedRun, 'dryRun'>): { stack: string; what: string } {
  return {
    stack: `${get(run.env, 'AWS_ENDPOINT_URL') ?? 'aws'} ${run.region} ${run.names.cluster}`,
    what: `the stack (cluster ${run.names.cluster} in ${run.region})`,
  }
}

/** The command as the user typed it (scripts/deploy → "deploy"), for the lock's owner. */
export const commandName = (argv1 = process.argv[1]): string => (argv1 ?? 'the kit').split('/scripts/').pop() ?? 'the kit'

/** How long a run waits for another before giving up: longer than any run of the kit takes. */
export const LOCK_TIMEOUT_MS = 15 * 60 * 1000

/**
 * Hold the lock of the run's stack (see stackOf) until the returned release is called, waiting
 * (and saying so through onWait) while another run holds it. A --dry-run changes nothing and
 * takes no lock.
 */
export async function holdRunLock(run: LockedRun, onWait: (line: string) => void, command = commandName()): Promise<() => void> {
  if (run.dryRun) return () => {}
  const { stack, what } = stackOf(run)
  return holdStackLock(stack, what, command, { onWait, timeoutMs: LOCK_TIMEOUT_MS })
}

/** Run `body` holding the run's stack lock (none under --dry-run), releasing it however body ends. */
export async function withRunLock<T>(run: LockedRun, onWait: (line: string) => void, body: () => Promise<T>): Promise<T> {
  const release = await holdRunLock(run, onWait)
  try {
    return await body()
  } finally {
    release()
  }
}
