// Environment resolution: .env loading, region, account, and the names derived from them.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../core/errors.js'
import { passwordsOf } from '../core/redact.js'
import { ROOT } from './paths.js'

export type Env = Readonly<Record<string, string | undefined>>

/** Where a user sets a missing variable; appended to every missing-variable error. */
export const whereToSet = (count = 1): string =>
  `set ${count === 1 ? 'it' : 'them'} in .env at the repo root (see .env.example), export ${count === 1 ? 'it' : 'them'}, or in Gitpod run: gp env NAME=value`
export const WHERE_TO_SET = whereToSet()

/**
 * Load .env from the working directory and the repo root into process.env. Values already in
 * the environment win (Gitpod's `gp env` and CI variables are the source of truth). dotenv is
 * only imported when a file exists, to keep start-up cheap. KIT_DOTENV=off loads no file (the
 * tests set it: a developer's .env must not reach them).
 */
export async function loadDotenv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<void> {
  const switched = get(env, 'KIT_DOTENV')
  if (switched === 'off') return
  if (switched !== undefined && switched !== 'on') throw new ConfigError(`KIT_DOTENV must be on or off (got "${switched}"): unset it to load .env files`)
  const files = [...new Set([join(cwd, '.env'), join(ROOT, '.env')])].filter((f) => existsSync(f))
  if (files.length === 0) return
  const dotenv = await import('dotenv')
  dotenv.config({ path: files, override: false, quiet: true, processEnv: env as Record<string, string> })
}

/** A variable's value, treating empty strings as unset (an empty `export X=` is a mistake). */
export function get(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value
}

/** A variable holding seconds (fractions allowed, above 0, at most `max`), or a ConfigError naming it. Pure. */
export function secondsVariable(env: Env, name: string, fallback: number, max: number): number {
  const text = get(env, name)
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new ConfigError(`${name} must be a number of seconds between 0 and ${max}, got "${text}"`)
  return n
}

/**
 * The values of the named variables, or one ConfigError naming every missing one at once
 * (fixing one, re-running, and learning about the next is the trap this avoids).
 */
export function requireEnv<const N extends string>(env: Env, names: readonly N[], purpose?: string): Record<N, string> {
  const missing = names.filter((n) => get(env, n) === undefined)
  if (missing.length > 0) {
    const what = missing.length === 1 ? `${missing[0]} is not set` : `${missing.join(', ')} are not set`
    throw new ConfigError(`${what}${purpose ? ` (needed ${purpose})` : ''}: ${whereToSet(missing.length)}`)
  }
  return Object.fromEntries(names.map((n) => [n, get(env, n) as string])) as Record<N, string>
}

/**
 * Variables whose values are secrets wherever they appear, whatever the services declare:
 * credentials and the database URLs db/test reads. (Each declared secret parameter's source
 * variable is added to these: lib/config/services.ts.)
 */
export const SECRET_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'PROD_CONNECTION_URL', 'CONNECTION_URL'] as const

/** The database URLs db/test reads, in order; the backend's CONNECTION_URL comes from the first. */
export const DB_URL_VARIABLES = ['PROD_CONNECTION_URL', 'CONNECTION_URL'] as const

/**
 * Register every secret the environment holds with the redactor, and every form of a URL's
 * password. A database URL without a password carries no secret: it is not registered, so its
 * host stays readable in errors.
 */
export function registerEnvSecrets(env: Env, register: (value: string | undefined) => void, declared: readonly string[] = []): void {
  for (const name of new Set([...SECRET_VARIABLES, ...declared])) {
    const value = get(env, name)
    if (!value) continue
    const passwords = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? passwordsOf(value) : []
    const plainDatabaseUrl = (DB_URL_VARIABLES as readonly string[]).includes(name) && /^[a-z][a-z0-9+.-]*:\/\//i.test(value) && passwords.length === 0
    if (!plainDatabaseUrl) register(value)
    passwords.forEach(register)
  }
}
