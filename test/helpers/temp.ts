// Temporary folders for tests, removed even when a test fails: each is removed by its test
// when done (removeTemp), and whatever is left when the process ends (a failed assertion, an
// uncaught error) is removed by an exit hook. No signal handlers here: tests send SIGINT to
// their own process on purpose (ecs/connect-to-service). test/run.ts gives the tests a
// temporary folder of their own, fails the run if any kit-* folder is left in it, and removes it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const folders = new Set<string>()
const hooks = new Set<() => void>()

/** A new empty folder in the temporary folder, named kit-<purpose>-XXXXXX. */
export function tempDir(prefix = 'kit-tmp-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  folders.add(dir)
  return dir
}

/** Remove a folder made by tempDir (and forget it). */
export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  folders.delete(dir)
}

/**
 * Run fn (synchronously: the process is ending) when the process exits, unless the returned
 * function is called first. For what a folder alone does not clean: a server still running.
 */
export function atExit(fn: () => void): () => void {
  hooks.add(fn)
  return () => hooks.delete(fn)
}

function cleanUp(): void {
  for (const hook of [...hooks]) {
    try {
      hook()
    } catch {
      // best effort: the folders below still go
    }
  }
  hooks.clear()
  for (const dir of [...folders]) removeTemp(dir)
}

process.on('exit', cleanUp)

/** execFileSync, for exit hooks that must stop a process synchronously. */
export const runSync = (file: string, args: string[]): void => {
  execFileSync(file, args, { stdio: 'ignore', timeout: 30000 })
}
