import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { openContext } from '../lib/aws/context.js'
import { ConfigError } from '../lib/core/errors.js'
import { declaredServices, parameterValues, secretSourceVariables, serviceNamed } from '../lib/config/services.js'
import { resetMoto } from './helpers/moto.js'
import { runKit, type RunResult } from './helpers/run.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

const SCRIPT = 'ssm/put-parameters'
const PREFIX = '/cruddur/backend-flask'
const ssm = sdkContext.client(SSMClient, 'SSM')

// Canary values: none of them (nor anything with "canary" in it) may ever appear in output.
const CANARY = {
  AWS_ACCESS_KEY_ID: 'AKIACANARY00000000ID',
  AWS_SECRET_ACCESS_KEY: 'canary-secret-key-5b2c',
  PROD_CONNECTION_URL: 'postgresql://cruddur:canary-pw-91@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'canary-rollbar-7f3a',
  HONEYCOMB_API_KEY: 'canary-honey-44',
}
// The backend's declared parameters (json/services.json): no long-lived AWS keys by default.
const STORED: Record<string, string> = {
  CONNECTION_URL: CANARY.PROD_CONNECTION_URL,
  ROLLBAR_ACCESS_TOKEN: CANARY.ROLLBAR_ACCESS_TOKEN,
  OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=canary-honey-44',
}
const KEYS = Object.keys(STORED)

function run(args: string[] = [], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return runKit(SCRIPT, args, { env: { ...CANARY, ...env } })
}

/** No secret in any output: neither a canary nor the redactor's mask (the step must not lean on it). */
function assertNoSecret(r: RunResult): void {
  assert.not.match(r.all.toLowerCase(), 'canary', 'a canary value reached the output')
  assert.not.match(r.all, 'canary-pw-91')
  assert.not.match(r.all, '****', 'a value reached a line and was only masked by the redactor')
}

async function stored(key: string) {
  const r = await ssm.send(new GetParameterCommand({ Name: `${PREFIX}/${key}`, WithDecryption: true }))
  return r.Parameter
}

async function parameterNames(): Promise<string[]> {
  const r = await ssm.send(new DescribeParametersCommand({}))
  return (r.Parameters ?? []).map((p) => p.Name as string).sort()
}

const live = suite('ssm/put-parameters against moto')
live.before.each(() => resetMoto())

live("from empty: the backend's three SecureStrings (no AWS keys) created with the values; second run: all unchanged", async () => {
  const first = await run()
  assert.is(first.code, 0, first.all)
  assertNoSecret(first)
  assert.match(first.stdout, '3 created, 0 updated, 0 unchanged')
  assert.match(first.stdout, /created\s+ssm parameter \/cruddur\/backend-flask\/CONNECTION_URL: SecureString from PROD_CONNECTION_URL/)
  for (const key of KEYS) {
    const p = await stored(key)
    assert.is(p?.Type, 'SecureString', key)
    assert.is(p?.Value, STORED[key], key)
  }

  const second = await run()
  assert.is(second.code, 0, second.all)
  assertNoSecret(second)
  assert.match(second.stdout, '0 created, 0 updated, 3 unchanged')
  for (const key of KEYS) assert.is((await stored(key))?.Version, 1, `${key} was written again`)
})

live('a changed value in the environment: only that parameter is updated, to the new value', async () => {
  assert.is((await run()).code, 0)
  const r = await run([], { ROLLBAR_ACCESS_TOKEN: 'canary-rollbar-8e4b' })
  assert.is(r.code, 0, r.all)
  assertNoSecret(r)
  assert.match(r.stdout, /updated\s+ssm parameter \/cruddur\/backend-flask\/ROLLBAR_ACCESS_TOKEN: SecureString from ROLLBAR_ACCESS_TOKEN \(value changed\)/)
  assert.match(r.stdout, '0 created, 1 updated, 2 unchanged')
  assert.is((await stored('ROLLBAR_ACCESS_TOKEN'))?.Value, 'canary-rollbar-8e4b')
  for (const key of KEYS.filter((k) => k !== 'ROLLBAR_ACCESS_TOKEN')) {
    const p = await stored(key)
    assert.is(p?.Value, STORED[key], key)
    assert.is(p?.Version, 1, key)
  }
})

live('a new HONEYCOMB_API_KEY rewrites the built OTEL header', async () => {
  assert.is((await run()).code, 0)
  const r = await run([], { HONEYCOMB_API_KEY: 'canary-honey-55' })
  assert.is(r.code, 0, r.all)
  assertNoSecret(r)
  assert.match(r.stdout, /updated\s+ssm parameter \/cruddur\/backend-flask\/OTEL_EXPORTER_OTLP_HEADERS/)
  assert.is((await stored('OTEL_EXPORTER_OTLP_HEADERS'))?.Value, 'x-honeycomb-team=canary-honey-55')
})

live('drift: a parameter stored as plain String is rewritten as SecureString', async () => {
  await ssm.send(new PutParameterCommand({ Name: `${PREFIX}/ROLLBAR_ACCESS_TOKEN`, Value: CANARY.ROLLBAR_ACCESS_TOKEN, Type: 'String' }))
  const r = await run()
  assert.is(r.code, 0, r.all)
  assertNoSecret(r)
  assert.match(r.stdout, /updated\s+ssm parameter \/cruddur\/backend-flask\/ROLLBAR_ACCESS_TOKEN: SecureString from ROLLBAR_ACCESS_TOKEN \(was String\)/)
  assert.match(r.stdout, '2 created, 1 updated, 0 unchanged')
  const p = await stored('ROLLBAR_ACCESS_TOKEN')
  assert.is(p?.Type, 'SecureString')
  assert.is(p?.Value, CANARY.ROLLBAR_ACCESS_TOKEN)
})

live('missing variables: exit 2, one line naming every missing one, no parameter created', async () => {
  const r = await run([], { ROLLBAR_ACCESS_TOKEN: undefined, HONEYCOMB_API_KEY: '', PROD_CONNECTION_URL: '  ' })
  assert.is(r.code, 2, r.all)
  assert.is(r.stdout, '')
  assertNoSecret(r)
  const lines = r.stderr.trim().split('\n')
  assert.is(lines.length, 1, r.stderr)
  assert.match(lines[0], /nothing was changed: PROD_CONNECTION_URL, ROLLBAR_ACCESS_TOKEN, HONEYCOMB_API_KEY are not set/)
  assert.match(lines[0], 'set them in .env')
  assert.equal(await parameterNames(), [])
})

live('--dry-run: reports the plan, creates nothing; on a changed value, writes nothing', async () => {
  const plan = await run(['--dry-run'])
  assert.is(plan.code, 0, plan.all)
  assertNoSecret(plan)
  assert.match(plan.stdout, /would create\s+ssm parameter \/cruddur\/backend-flask\/ROLLBAR_ACCESS_TOKEN/)
  assert.match(plan.stdout, 'plan: 3 to create, 0 to update, 0 unchanged')
  assert.equal(await parameterNames(), [])

  assert.is((await run()).code, 0)
  const change = await run(['--dry-run'], { PROD_CONNECTION_URL: 'postgresql://cruddur:canary-pw-92@db.example.invalid:5432/cruddur' })
  assert.is(change.code, 0, change.all)
  assertNoSecret(change)
  assert.match(change.stdout, /would update\s+ssm parameter \/cruddur\/backend-flask\/CONNECTION_URL/)
  assert.is((await stored('CONNECTION_URL'))?.Value, CANARY.PROD_CONNECTION_URL)
})

live('--json: one JSON document, no value in it', async () => {
  const r = await run(['--json'])
  assert.is(r.code, 0, r.all)
  assertNoSecret(r)
  const doc = JSON.parse(r.stdout)
  assert.equal(
    doc.steps[0].changes.map((c: { name: string; outcome: string }) => [c.name, c.outcome]),
    KEYS.map((k) => [`${PREFIX}/${k}`, 'created']),
  )
  const again = JSON.parse((await run(['--json', '--dry-run'])).stdout)
  assert.equal(again.summary, { created: 0, updated: 0, unchanged: 3, failed: 0 })
})

live('SSM_PREFIX puts them under another path', async () => {
  const r = await run([], { SSM_PREFIX: '/cruddur/staging/' })
  assert.is(r.code, 0, r.all)
  assert.equal(await parameterNames(), KEYS.map((k) => `/cruddur/staging/backend-flask/${k}`).sort())
})

live('--help lists every variable it reads', async () => {
  const help = await runKit(SCRIPT, ['--help'])
  assert.is(help.code, 0)
  for (const s of [...secretSourceVariables(declaredServices()), 'SSM_PREFIX', '--dry-run', '--json']) assert.match(help.stdout, s)
})

live.run()

const pure = suite('parameterValues (the declarations)')

pure('maps the environment to the backend\'s declared parameters, building the OTEL header', () => {
  const values = parameterValues([serviceNamed('backend-flask')], CANARY, '/cruddur')
  assert.equal(
    values.map((p) => [p.path, p.value, p.declaration.from]),
    [
      ['/cruddur/backend-flask/CONNECTION_URL', CANARY.PROD_CONNECTION_URL, 'PROD_CONNECTION_URL'],
      ['/cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN', CANARY.ROLLBAR_ACCESS_TOKEN, 'ROLLBAR_ACCESS_TOKEN'],
      ['/cruddur/backend-flask/OTEL_EXPORTER_OTLP_HEADERS', 'x-honeycomb-team=canary-honey-44', 'HONEYCOMB_API_KEY'],
    ],
  )
})

pure('names every missing variable in one ConfigError, without any value', () => {
  try {
    parameterValues([serviceNamed('backend-flask')], { ...CANARY, ROLLBAR_ACCESS_TOKEN: undefined, HONEYCOMB_API_KEY: '' }, '/cruddur')
    assert.unreachable('should have thrown')
  } catch (error) {
    assert.instance(error, ConfigError)
    const message = (error as Error).message
    assert.match(message, /^ROLLBAR_ACCESS_TOKEN, HONEYCOMB_API_KEY are not set \(needed for the SSM parameters of backend-flask\)/)
    assert.not.match(message.toLowerCase(), 'canary')
  }
})

pure.run()
