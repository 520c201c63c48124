// The backend's secrets as SSM SecureString parameters: the guide's five
// `aws ssm put-parameter --type SecureString --name /cruddur/backend-flask/NAME --value $VAR`.
// Values never reach output: they are registered with the redactor before any call, and
// no Change, error or line this step makes contains one.
import { GetParametersCommand, ParameterType, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { requireEnv, type Env } from '../config/env.js'
import { ConfigError } from '../core/errors.js'
import { registerSecret } from '../core/redact.js'
import type { Change, Step } from './step.js'

export interface DesiredParameter {
  /** The parameter's full name, e.g. /cruddur/backend-flask/CONNECTION_URL. */
  name: string
  value: string
  /** The environment variable the value comes from. */
  sourceVariable: string
}

/** Each parameter (the last part of its name), the variable it is read from, and how. */
const PARAMETERS: ReadonlyArray<{ key: string; variable: string; value?: (v: string) => string }> = [
  { key: 'AWS_ACCESS_KEY_ID', variable: 'AWS_ACCESS_KEY_ID' },
  { key: 'AWS_SECRET_ACCESS_KEY', variable: 'AWS_SECRET_ACCESS_KEY' },
  { key: 'CONNECTION_URL', variable: 'PROD_CONNECTION_URL' },
  { key: 'ROLLBAR_ACCESS_TOKEN', variable: 'ROLLBAR_ACCESS_TOKEN' },
  { key: 'OTEL_EXPORTER_OTLP_HEADERS', variable: 'HONEYCOMB_API_KEY', value: (key) => `x-honeycomb-team=${key}` },
]

/** The variables the parameters are read from. */
export const SOURCE_VARIABLES = PARAMETERS.map((p) => p.variable)

/**
 * The parameters to store, from the environment, under `prefix`. Throws one ConfigError naming
 * every missing variable. Pure (registers nothing: the caller does).
 */
export function desiredParameters(env: Env, prefix: string): DesiredParameter[] {
  const base = prefix.replace(/\/+$/, '')
  const values = requireEnv(env, SOURCE_VARIABLES, `for the SSM parameters under ${base}/`)
  return PARAMETERS.map(({ key, variable, value }) => ({
    name: `${base}/${key}`,
    value: value ? value(values[variable]) : values[variable],
    sourceVariable: variable,
  }))
}

/** The parameters, each value registered as a secret before anything can print it. */
function desiredAndRegistered(env: Env, prefix: string): DesiredParameter[] {
  const desired = desiredParameters(env, prefix)
  for (const p of desired) registerSecret(p.value)
  return desired
}

export const ssmParametersStep: Step = {
  id: 'ssm/put-parameters',
  title: 'SSM parameters',
  needs: [],
  validate(env, names) {
    try {
      desiredAndRegistered(env, names.ssmPrefix)
      return []
    } catch (error) {
      if (error instanceof ConfigError) return [error.message]
      throw error
    }
  },
  async run(ctx) {
    const desired = desiredAndRegistered(ctx.env, ctx.names.ssmPrefix)
    const ssm = ctx.client(SSMClient, 'SSM')
    // One read for all five; names that do not exist come back in InvalidParameters.
    const found = await ssm.send(new GetParametersCommand({ Names: desired.map((p) => p.name), WithDecryption: true }))
    const current = new Map((found.Parameters ?? []).map((p) => [p.Name, p]))
    for (const p of current.values()) registerSecret(p.Value)

    const changes: Change[] = []
    for (const p of desired) {
      const existing = current.get(p.name)
      const from = `SecureString from ${p.sourceVariable}`
      let change: Change
      if (!existing) {
        change = { resource: 'ssm parameter', name: p.name, outcome: 'created', detail: from }
      } else if (existing.Type !== ParameterType.SECURE_STRING) {
        change = { resource: 'ssm parameter', name: p.name, outcome: 'updated', detail: `${from} (was ${existing.Type})` }
      } else if (existing.Value !== p.value) {
        change = { resource: 'ssm parameter', name: p.name, outcome: 'updated', detail: `${from} (value changed)` }
      } else {
        change = { resource: 'ssm parameter', name: p.name, outcome: 'unchanged', detail: from }
      }
      if (change.outcome !== 'unchanged' && !ctx.dryRun) {
        // Overwrite also covers a concurrent run creating it first. (PutParameter rejects
        // Overwrite together with Tags, so no tags here.) The value travels only in the body.
        await ssm.send(new PutParameterCommand({ Name: p.name, Value: p.value, Type: ParameterType.SECURE_STRING, Overwrite: true }))
      }
      changes.push(change)
    }
    return changes
  },
}
