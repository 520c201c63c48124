// Run a kit script the way a user does: its executable, from another working directory.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../../lib/config/paths.js'

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout and stderr together, for "never appears anywhere" assertions. */
  all: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  input?: string
  timeoutMs?: number
}

/** A fresh empty directory, so no .env in the working directory leaks into a test. */
export function emptyDir(prefix = 'kit-cwd-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function runKit(script: string, args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {}
  // uvu forces colour in its own process; a script under test gets plain output unless asked.
  for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...options.env })) if (v !== undefined) env[k] = v
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'scripts', script), args, {
      cwd: options.cwd ?? emptyDir(),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let all = ''
    child.stdout.on('data', (d) => ((stdout += d), (all += d)))
    child.stderr.on('data', (d) => ((stderr += d), (all += d)))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, all })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** runKit with some variables set for every run of a test file (each can still be overridden). */
export function runKitWith(defaults: Record<string, string | undefined>): typeof runKit {
  return (script, args = [], options = {}) => runKit(script, args, { ...options, env: { ...defaults, ...options.env } })
}
