// The kit shells out only to what has no API (docker, session-manager-plugin), through zx:
// arguments go as an array that zx quotes item by item, never as a command string, and
// secrets go on stdin or in the environment, never in argv.
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { constants } from 'node:os'
import { delimiter, join } from 'node:path'
import type { Env } from '../config/env.js'

export interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** The first executable of that name on PATH, or undefined. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((file) => existsSync(file) && statSync(file).isFile())
}

/** A spawn-style error for a program that is not on PATH, so callers can tell "missing" from "failed". */
function notFound(program: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${program}: not found on PATH`), { code: 'ENOENT' })
}

/** POSIX single-quoting: the one form every sh reads the same (zx's default `$'...'` is bash-only). Pure. */
export const posixQuote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`

/** zx's `$` handed to the kit (openKit({ $ })): the programs the kit runs go through it. */
let given$: typeof import('zx').$ | undefined
export function useZx($: typeof import('zx').$ | undefined): void {
  given$ = $
}

async function zx() {
  // Loaded on first use: zx is the heaviest import here, and most scripts never shell out.
  const $ = given$ ?? (await import('zx')).$
  // /bin/sh, not bash: bash sources ~/.bashrc when its stdin is a socket (as Node's pipes are),
  // which would run the user's shell set-up, and its output, inside every docker call.
  return $({ shell: '/bin/sh', prefix: '', postfix: '', quote: posixQuote })
}

/** Run a program with its output captured; `input` is written to its stdin. Rejects only when it is missing. */
export async function capture(program: string, args: readonly string[], options: { env: Env; input?: string; timeoutMs?: number }): Promise<Ran> {
  if (!onPath(program, options.env.PATH)) throw notFound(program)
  const $ = await zx()
  const done = await $({
    env: options.env as NodeJS.ProcessEnv,
    input: options.input ?? '',
    quiet: true,
    nothrow: true,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  })`${program} ${args}`
  return { code: done.exitCode, stdout: done.stdout, stderr: done.stderr }
}

/**
 * Run a program on this terminal (stdio inherited); resolves its exit code. Rejects only when
 * it is missing. Spawned directly, not through zx's shell: with no shell in between, Ctrl-C
 * and the plugin's own signals go where an interactive session expects them.
 */
export function interactive(program: string, args: readonly string[], env: Env): Promise<number> {
  if (!onPath(program, env.PATH)) return Promise.reject(notFound(program))
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { env: env as NodeJS.ProcessEnv, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1)))
  })
}

export interface Streaming {
  /** Resolves when the program ends, with everything it wrote. */
  done: Promise<Ran>
  /** Ask it to end (SIGTERM unless another signal is given). */
  stop(signal?: NodeJS.Signals): void
}

/**
 * Run a program with its output captured and handed, line by line as it comes (stdout and
 * stderr alike), to `onLine`: progress for slow commands (docker build, push, logs -f).
 * Spawned directly with an argument array (no shell); `input` goes to its stdin. Throws a
 * spawn-style ENOENT error when the program is missing.
 */
export function stream(
  program: string,
  args: readonly string[],
  options: { env: Env; input?: string; onLine(line: string, from: 'stdout' | 'stderr'): void },
): Streaming {
  if (!onPath(program, options.env.PATH)) throw notFound(program)
  const child = spawn(program, [...args], { env: options.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] })
  const out = { stdout: '', stderr: '' }
  const pending = { stdout: '', stderr: '' }
  const feed = (from: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    out[from] += text
    const lines = (pending[from] + text).split(/\r?\n|\r/)
    pending[from] = lines.pop() ?? ''
    for (const line of lines) options.onLine(line, from)
  }
  child.stdout.on('data', feed('stdout'))
  child.stderr.on('data', feed('stderr'))
  child.stdin.on('error', () => {})
  child.stdin.end(options.input ?? '')
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      for (const from of ['stdout', 'stderr'] as const) if (pending[from]) options.onLine(pending[from], from)
      resolve({ code: code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1), stdout: out.stdout, stderr: out.stderr })
    })
  })
  return { done, stop: (signal: NodeJS.Signals = 'SIGTERM') => void child.kill(signal) }
}
