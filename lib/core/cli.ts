// Flags and --help for every script, from one declarative spec. node:util's parseArgs
// costs nothing at start-up (flask/health-check must start as fast as the Python original).
import { parseArgs } from 'node:util'
import { UsageError } from './errors.js'

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  description: string
  /** Shown in --help as the value's name, e.g. SECONDS. */
  placeholder?: string
}

export interface ScriptSpec {
  /** As the user types it, e.g. "db/test". */
  name: string
  summary: string
  positionals?: ReadonlyArray<{ name: string; description: string }>
  options?: Readonly<Record<string, OptionSpec>>
  env?: ReadonlyArray<{ name: string; description: string }>
  /** Extra lines at the end of --help (examples, notes). */
  notes?: ReadonlyArray<string>
}

export type OptionValues<S extends ScriptSpec> = {
  [K in keyof NonNullable<S['options']>]?: NonNullable<S['options']>[K] extends { type: 'boolean' } ? boolean : string
}

export interface ParsedArgs<S extends ScriptSpec> {
  values: OptionValues<S> & { help?: boolean; debug?: boolean }
  positionals: string[]
}

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
  debug: { type: 'boolean', description: 'print stack traces of unexpected errors' },
}

/** Parse argv against a spec. Unknown flags and extra arguments are usage errors. Pure. */
export function parseCli<S extends ScriptSpec>(spec: S, argv: readonly string[]): ParsedArgs<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {}
  for (const [name, { type, short }] of Object.entries({ ...spec.options, ...COMMON_OPTIONS })) {
    options[name] = short ? { type, short } : { type }
  }
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(`${cliErrorLine(String((error as Error).message))} (see ${spec.name} --help)`)
  }
  const allowed = spec.positionals?.length ?? 0
  if (!parsed.values.help && parsed.positionals.length > allowed) {
    const extra = parsed.positionals.slice(allowed).join(' ')
    throw new UsageError(`unexpected argument ${extra} (see ${spec.name} --help)`)
  }
  return parsed as unknown as ParsedArgs<S>
}

/**
 * parseArgs words its errors for developers, over several lines ("Option '--x' argument is
 * ambiguous.\nDid you forget ...", "Unknown option '--x'. To specify a positional ..."): keep
 * the first sentence, which names the flag, as one line. Pure.
 */
export function cliErrorLine(message: string): string {
  const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec(message)
  if (ambiguous) {
    const flag = ambiguous[1]
    return `${flag} needs a value, and the next argument is a flag; for a value starting with a dash write ${flag}=-VALUE`
  }
  return message.split(/\.(?:\s|$)/)[0].replace(/\s+/g, ' ').trim()
}

/** The --help text. Pure. */
export function helpText(spec: ScriptSpec): string {
  const options = Object.entries({ ...spec.options, ...COMMON_OPTIONS }).map(
    ([name, o]) => [`${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}`, o.description] as const,
  )
  const positionals = (spec.positionals ?? []).map((p) => [p.name, p.description] as const)
  const env = (spec.env ?? []).map((e) => [e.name, e.description] as const)
  // One column for every section, wide enough for the longest name.
  const width = Math.max(22, ...[...options, ...positionals, ...env].map(([left]) => left.length)) + 2
  const row = ([left, right]: readonly [string, string]) => `  ${left.padEnd(width)}${right}`

  const args = positionals.map(([name]) => `[${name}]`).join(' ')
  const lines = [`Usage: ./scripts/${spec.name} [options]${args ? ' ' + args : ''}`, '', spec.summary, '']
  if (positionals.length) lines.push('Arguments:', ...positionals.map(row), '')
  lines.push('Options:', ...options.map(row))
  if (env.length) lines.push('', 'Environment (also read from .env at the repo root):', ...env.map(row))
  lines.push('', 'Exit codes: 0 success, 1 the checked thing failed, 2 bad usage or missing configuration.')
  if (spec.notes?.length) lines.push('', ...spec.notes)
  return lines.join('\n')
}

/** The longest a Node timer can wait: 2^31-1 ms, in whole seconds. Longer values fire at once. */
export const MAX_SECONDS = 2147483

/** A positive number of seconds (at most MAX_SECONDS) from a flag's text; a usage error naming the flag otherwise. Pure. */
export function parseSeconds(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0 || text.trim() === '') {
    throw new UsageError(`--${flag} must be a positive number of seconds, got "${text}"`)
  }
  if (n > MAX_SECONDS) {
    throw new UsageError(`--${flag} is too large: at most ${MAX_SECONDS} seconds (about 24 days), got "${text}"`)
  }
  return n
}
