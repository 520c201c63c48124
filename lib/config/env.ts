// Environment resolution: .env loading, region, account, and the names derived from them.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../core/errors.js'
import { ROOT } from './paths.js'

export type Env = Readonly<Record<string, string | undefined>>

/** Where a user sets a missing variable; appended to every missing-variable error. */
export const whereToSet = (count = 1): string =>
  `set ${count === 1 ? 'it' : 'them'} in .env at the repo root (see .env.example), export ${count === 1 ? 'it' : 'them'}, or in Gitpod run: gp env NAME=value`
export const WHERE_TO_SET = whereToSet()

/**
 * Load .env from the working directory and the repo root into process.env. Values already in
 * the environment win (Gitpod's `gp env` and CI variables are the source of truth). dotenv is
 * only imported when a file exists, to keep start-up cheap.
 */
export async function loadDotenv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<void> {
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

/** The region: AWS_REGION, else AWS_DEFAULT_REGION (the JS SDK reads only the former). */
export function resolveRegion(env: Env): string {
  const region = get(env, 'AWS_REGION') ?? get(env, 'AWS_DEFAULT_REGION')
  if (!region) {
    throw new ConfigError(`AWS_DEFAULT_REGION is not set (nor AWS_REGION): ${WHERE_TO_SET}, e.g. AWS_DEFAULT_REGION=eu-west-2`)
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ConfigError(`region "${region}" does not look like an AWS region (e.g. eu-west-2): check AWS_REGION / AWS_DEFAULT_REGION`)
  }
  return region
}

/** The AWS partition a region belongs to (arn:aws, arn:aws-cn, arn:aws-us-gov). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

/** The account: AWS_ACCOUNT_ID when set (checked), else asked of STS through `whoAmI`. */
export async function resolveAccountId(env: Env, whoAmI: () => Promise<string | undefined>): Promise<string> {
  const fromEnv = get(env, 'AWS_ACCOUNT_ID')
  if (fromEnv) {
    if (!/^\d{12}$/.test(fromEnv)) {
      throw new ConfigError(`AWS_ACCOUNT_ID must be 12 digits, got "${fromEnv}": ${WHERE_TO_SET}`)
    }
    return fromEnv
  }
  const account = await whoAmI()
  if (!account) throw new ConfigError(`could not learn the account from STS: set AWS_ACCOUNT_ID (${WHERE_TO_SET})`)
  return account
}

export const ecrRegistry = (account: string, region: string): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`

export const ecrRepositoryUrl = (account: string, region: string, repository: string): string =>
  `${ecrRegistry(account, region)}/${repository}`

export const roleArn = (account: string, region: string, role: string): string =>
  `arn:${partitionOf(region)}:iam::${account}:role/${role}`

/** ARN of an SSM parameter; `name` is the parameter's full path, starting with '/'. */
export const ssmParameterArn = (account: string, region: string, name: string): string =>
  `arn:${partitionOf(region)}:ssm:${region}:${account}:parameter${name.startsWith('/') ? name : `/${name}`}`

/** Variables whose values are secrets wherever they appear (credentials, URLs with passwords, tokens). */
export const SECRET_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'PROD_CONNECTION_URL',
  'CONNECTION_URL',
  'ROLLBAR_ACCESS_TOKEN',
  'HONEYCOMB_API_KEY',
  'OTEL_EXPORTER_OTLP_HEADERS',
] as const

/** Register every secret the environment holds (and a connection URL's password) with the redactor. */
export function registerEnvSecrets(env: Env, register: (value: string | undefined) => void): void {
  for (const name of SECRET_VARIABLES) {
    const value = get(env, name)
    register(value)
    if (value && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      try {
        register(decodeURIComponent(new URL(value).password))
      } catch {
        // not a URL after all: the whole value is registered already
      }
    }
  }
}
