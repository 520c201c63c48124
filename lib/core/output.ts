// All of the kit's console output. Colour is on only for a terminal without NO_COLOR
// (https://no-color.org); FORCE_COLOR forces it. chalk is loaded only when colour is on, so
// piped runs (CI, logs, health checks in a loop) skip its start-up cost. Every line is
// redacted (lib/core/redact.ts) before it is written.
import { redact } from './redact.js'

type Paint = (text: string) => string
interface Palette {
  green: Paint
  red: Paint
  yellow: Paint
  dim: Paint
  bold: Paint
}

/** Whether a stream gets colour. Pure. */
export function wantsColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0'
  return isTTY === true
}

const plain = (text: string) => text
const PLAIN: Palette = { green: plain, red: plain, yellow: plain, dim: plain, bold: plain }

async function palette(stream: NodeJS.WriteStream): Promise<Palette> {
  if (!wantsColour(stream.isTTY, process.env)) return PLAIN
  const { Chalk, supportsColor } = await import('chalk')
  const chalk = new Chalk({ level: supportsColor ? supportsColor.level : 1 })
  return { green: chalk.green, red: chalk.red, yellow: chalk.yellow, dim: chalk.dim, bold: chalk.bold }
}

/** stdout's colours: plain until initColour() (the error boundary calls it once, as a script starts). */
export const colour: Palette = { ...PLAIN }
let errColour: Palette = PLAIN

/** Decide this run's colours, once, where a script starts (never at import). */
export async function initColour(): Promise<void> {
  Object.assign(colour, await palette(process.stdout))
  errColour = process.stderr.isTTY === process.stdout.isTTY ? colour : await palette(process.stderr)
}

/** A plain line on stdout. */
export function say(line: string): void {
  process.stdout.write(redact(line) + '\n')
}

/** A success line, green when colour is on. */
export function ok(line: string): void {
  say(colour.green(line))
}

/** A failure line on stdout (the result of a check), red when colour is on. */
export function bad(line: string): void {
  say(colour.red(line))
}

/** A warning on stderr. */
export function warn(line: string): void {
  process.stderr.write(redact(errColour.yellow(line)) + '\n')
}

/** An error line on stderr, red when colour is on. */
export function fail(line: string): void {
  process.stderr.write(redact(errColour.red(line)) + '\n')
}

/** Seconds since `t0` (a performance.now() reading), to the millisecond, for a document's `seconds`. */
export const secondsSince = (t0: number): number => Number(((performance.now() - t0) / 1000).toFixed(3))
