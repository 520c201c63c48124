// Run a kit script the way a user does: its executable, from another working directory.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../../lib/config/paths.js'
import { removeTemp, tempDir } from './temp.js'

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
  /** The kit whose script runs: the checkout unless given (a copy: test/helpers/kit.ts). */
  root?: string
}

/**
 * A fresh empty directory, so no .env in the working directory leaks into a test. Removed when
 * the test process ends, or earlier with removeTemp (test/helpers/temp.ts).
 */
export function emptyDir(prefix = 'kit-cwd-'): string {
  return tempDir(prefix)
}

export function runKit(script: string, args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {}
  // uvu forces colour in its own process; a script under test gets plain output unless asked.
  for (const [k, v] of Object.entries({ ...process.env, FORCE_COLOR: undefined, ...options.env })) if (v !== undefined) env[k] = v
  // A working directory of its own unless given, removed as soon as the script ends.
  const cwd = options.cwd ?? emptyDir()
  const done = () => {
    if (!options.cwd) removeTemp(cwd)
  }
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(join(options.root ?? ROOT, 'scripts', script), args, {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let all = ''
    child.stdout.on('data', (d) => ((stdout += d), (all += d)))
    child.stderr.on('data', (d) => ((stderr += d), (all += d)))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60000)
    child.on('error', (error) => {
      clearTimeout(timer)
      done()
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      done()
      resolve({ code, stdout, stderr, all })
    })
    // A script may end without reading its stdin: that is not the test runner's error.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** runKit with some variables set for every run of a test file (each can still be overridden). */
export function runKitWith(defaults: Record<string, string | undefined>): typeof runKit {
  return (script, args = [], options = {}) => runKit(script, args, { ...options, env: { ...defaults, ...options.env } })
}
