// Each service's parameters, as json/services.json declares them, under <SSM_PREFIX>/<service>/:
// the guide's `aws ssm put-parameter --type SecureString --name /cruddur/backend-flask/NAME --value $VAR`.
// Values never reach output: they are registered with the redactor before any call, and
// no Change, error or line this step makes contains one.
import { GetParametersCommand, ParameterType, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import type { Env } from '../config/env.js'
import { parameterValues, type ParameterValue, type ServiceDeclaration } from '../config/services.js'
import { ConfigError } from '../core/errors.js'
import { registerSecret } from '../core/redact.js'
import type { Change, Step } from './step.js'

/** The services' parameters, each value registered as a secret before anything can print it. */
function desiredAndRegistered(services: readonly ServiceDeclaration[], env: Env, prefix: string): ParameterValue[] {
  const desired = parameterValues(services, env, prefix)
  for (const p of desired) if (p.declaration.secret) registerSecret(p.value)
  return desired
}

/** The warning a plan carries for a service that ships long-lived AWS keys to its containers. */
export const awsKeysWarning = (service: string): string =>
  `${service} opts in to long-lived AWS keys (awsKeys in json/services.json): inside the container they override the task role, so its permissions stop mattering; prefer the task role (policies/README.md)`

export const ssmParametersStep: Step = {
  id: 'ssm/put-parameters',
  title: 'SSM parameters',
  needs: [],
  validate({ env, names, services }) {
    try {
      desiredAndRegistered(services, env, names.ssmPrefix)
      return []
    } catch (error) {
      if (error instanceof ConfigError) return [error.message]
      throw error
    }
  },
  async run(ctx) {
    const desired = desiredAndRegistered(ctx.services, ctx.env, ctx.names.ssmPrefix)
    if (desired.length === 0) return []
    const ssm = ctx.client(SSMClient, 'SSM')
    // GetParameters takes at most 10 names; names that do not exist come back in InvalidParameters.
    const current = new Map<string | undefined, { Type?: string; Value?: string }>()
    for (let i = 0; i < desired.length; i += 10) {
      const found = await ssm.send(new GetParametersCommand({ Names: desired.slice(i, i + 10).map((p) => p.path), WithDecryption: true }))
      for (const p of found.Parameters ?? []) {
        registerSecret(p.Value)
        current.set(p.Name, p)
      }
    }

    const changes: Change[] = []
    for (const p of desired) {
      const existing = current.get(p.path)
      const type = p.declaration.secret ? ParameterType.SECURE_STRING : ParameterType.STRING
      const from = `${type} from ${p.declaration.from}`
      let change: Change
      if (!existing) {
        change = { resource: 'ssm parameter', name: p.path, outcome: 'created', detail: from }
      } else if (existing.Type !== type) {
        change = { resource: 'ssm parameter', name: p.path, outcome: 'updated', detail: `${from} (was ${existing.Type})` }
      } else if (existing.Value !== p.value) {
        change = { resource: 'ssm parameter', name: p.path, outcome: 'updated', detail: `${from} (value changed)` }
      } else {
        change = { resource: 'ssm parameter', name: p.path, outcome: 'unchanged', detail: from }
      }
      const service = ctx.services.find((s) => p.path.startsWith(`${ctx.names.ssmPrefix}/${s.name}/`))
      if (service?.awsKeys && p.declaration.from.startsWith('AWS_')) change.warning = awsKeysWarning(service.name)
      if (change.outcome !== 'unchanged' && !ctx.dryRun) {
        // Overwrite also covers a concurrent run creating it first. (PutParameter rejects
        // Overwrite together with Tags, so no tags here.) The value travels only in the body.
        await ssm.send(new PutParameterCommand({ Name: p.path, Value: p.value, Type: type, Overwrite: true }))
      }
      changes.push(change)
    }
    return changes
  },
}
