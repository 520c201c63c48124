// The kit's core: the environment, the run context (opened once, at the first command, and
// with it every AWS client), where lines go, and the one error boundary of the API: a verb's
// outcome, or a CommandFailed with the line and exit code its script would print and exit with.
// Each verb (lib/kit/<verb>.ts) is a function over it; Kit (lib/kit/kit.ts) adds one method per
// verb, and each script calls its verb directly, so a script's bundle holds only its own verb.
import { openContext, type ContextOptions, type Mode, type RunContext } from '../aws/context.js'
import { describeError } from '../core/describe-error.js'
import { CommandFailed, EXIT, type ExitCode } from '../core/errors.js'
import { redact } from '../core/redact.js'

/** Where progress lines go: a person's terminal, a log, or nowhere. */
export type Progress = (line: string) => void

/** @internal Where a command's lines go. Scripts print to their terminal; the API to `progress`. */
export interface KitOutput {
  /** Progress and plan lines. */
  line(text: string): void
  /** Notes while waiting (a lock, services draining). */
  warn(text: string): void
  /** Notes for a person about what is being asked of AWS. */
  note(text: string): void
  ok(text: string): void
  bad(text: string): void
  /** What the deploy wait draws its live line on. */
  stream: NodeJS.WriteStream
  /** True for a script's own terminal: lib's default printing (colours, docker's dimmed lines) applies. */
  terminal: boolean
}

/** A command's result: its document, exit code, and the line that says why when it is not 0. */
export interface Outcome<D> {
  document: D
  exitCode: ExitCode
  message?: string
}

/** A write stream that hands each line written to it to `progress` (no terminal tricks). */
function lineStream(progress: Progress): NodeJS.WriteStream {
  let pending = ''
  return {
    isTTY: false,
    write(chunk: string | Uint8Array) {
      const lines = (pending + String(chunk)).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) progress(line)
      return true
    },
  } as unknown as NodeJS.WriteStream
}

/** The API's output: every line to `progress`, masked. */
export function progressOutput(progress: Progress = () => {}): KitOutput {
  const line = (text: string) => progress(redact(text))
  return { line, warn: line, note: line, ok: line, bad: line, stream: lineStream(line), terminal: false }
}

export class KitCore {
  /** The environment commands read (after `.env`). */
  readonly env: NodeJS.ProcessEnv
  /** Where relative paths resolve. */
  readonly cwd: string
  /** @internal */
  readonly out: KitOutput
  #base: Promise<RunContext> | undefined

  /** @internal Use openKit() (lib/kit/kit.ts). */
  constructor(env: NodeJS.ProcessEnv, cwd: string, out: KitOutput) {
    this.env = env
    this.cwd = cwd
    this.out = out
  }

  /**
   * @internal The run context in a mode: opened once, at the first command (so a problem with
   * the region or the names is that command's error, worded as its script words it). `inputProblems`:
   * the command's own missing inputs, reported with a missing region (stepContextOptions).
   */
  async run(mode: Mode, inputProblems?: ContextOptions['inputProblems']): Promise<RunContext> {
    const opening = (this.#base ??= openContext(this.env, { mode, ...(inputProblems ? { inputProblems } : {}) }))
    let base: RunContext
    try {
      base = await opening
    } catch (error) {
      if (this.#base === opening) this.#base = undefined
      throw error
    }
    return base.mode === mode ? base : { ...base, mode, dryRun: mode === 'dry-run' }
  }

  /** @internal Run a verb: its outcome, or a CommandFailed with the script's line and exit code. */
  async act<D>(command: string, verb: () => Promise<Outcome<D>>): Promise<D> {
    let outcome: Outcome<D>
    try {
      outcome = await verb()
    } catch (error) {
      throw commandFailed(command, error, this.env)
    }
    if (outcome.exitCode !== EXIT.ok) {
      throw new CommandFailed(command, redact(outcome.message ?? `${command} failed`), outcome.exitCode, outcome.document)
    }
    return outcome.document
  }
}

/** A verb's error as its script would say it: the same line and exit code. */
export function commandFailed(command: string, error: unknown, env: NodeJS.ProcessEnv): CommandFailed {
  if (error instanceof CommandFailed) return error
  const endpoint = env.AWS_ENDPOINT_URL?.trim()
  const described = describeError(error, endpoint ? { endpoint } : {})
  return new CommandFailed(command, redact(described.line), described.exitCode, undefined, { cause: error })
}

