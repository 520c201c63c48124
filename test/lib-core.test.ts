import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { helpText, parseCli, parseSeconds } from '../lib/core/cli.js'
import { kitNames } from '../lib/config/names.js'
import { clientConfig, sniffBody } from '../lib/aws/clients.js'
import { timeoutsFrom, worstCaseSeconds } from '../lib/aws/timeouts.js'
import { dockerTimeoutMs } from '../lib/ops/ecr-login.js'
import { registryTimeoutMs } from '../lib/images/registry.js'
import { describeError, oneLine } from '../lib/core/describe-error.js'
import { registerEnvSecrets, requireEnv } from '../lib/config/env.js'
import { declaredSecretVariables } from '../lib/config/services.js'
import { ecrRegistry, roleArn, ssmParameterArn } from '../lib/aws/arns.js'
import { openContext, regionFromEnv, resolveRegion } from '../lib/aws/context.js'
import { ConfigError, UsageError } from '../lib/core/errors.js'
import { wantsColour } from '../lib/core/output.js'
import { clearSecrets, maskUrl, printedForms, redact, registerSecret } from '../lib/core/redact.js'
import { formatSummary, runSteps, summarize } from '../lib/steps/engine.js'
import { checkTemplate, derivedValues, lookupIn, placeholderHint, placeholderHintFor, type Step, type StepContext } from '../lib/steps/step.js'
import { securityGroupStep } from '../lib/steps/security-group.js'
import { parseTemplate, placeholders, render } from '../lib/templates/template.js'

const throwsWith = (fn: () => unknown, Type: new (...a: never[]) => Error, pattern: RegExp) => {
  try {
    fn()
  } catch (error) {
    assert.instance(error, Type)
    assert.match((error as Error).message, pattern)
    return
  }
  assert.unreachable('expected an error')
}

const env = suite('lib/env')
env('region: AWS_REGION wins, AWS_DEFAULT_REGION is read too (the JS SDK alone would not)', async () => {
  assert.is(regionFromEnv({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-west-2' }), 'us-east-1')
  assert.is(await resolveRegion({ AWS_DEFAULT_REGION: 'eu-west-2' }), 'eu-west-2')
  assert.is(regionFromEnv({}), undefined)
  throwsWith(() => regionFromEnv({ AWS_REGION: 'london' }), ConfigError, /does not look like an AWS region/)
})
env('requireEnv names every missing variable at once, and where to set them', () => {
  throwsWith(() => requireEnv({ A: 'x', B: '  ' }, ['A', 'B', 'C']), ConfigError, /^B, C are not set.*\.env/)
  assert.equal(requireEnv({ A: 'x' }, ['A']), { A: 'x' })
})
env('account: AWS_ACCOUNT_ID is checked, and STS is not asked when it is set', async () => {
  // The endpoint is a closed port: asking STS would fail.
  const base = { AWS_DEFAULT_REGION: 'eu-west-2', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' }
  const given = await openContext({ ...base, AWS_ACCOUNT_ID: '123456789012' }, { mode: 'read-only' })
  assert.is(await given.account(), '123456789012')
  const bad = await openContext({ ...base, AWS_ACCOUNT_ID: '12345' }, { mode: 'read-only' })
  await bad.account().then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, 'must be 12 digits'),
  )
})
env('derived names: registry, role ARN, SSM ARN (partition follows the region)', () => {
  assert.is(ecrRegistry('123456789012', 'eu-west-2'), '123456789012.dkr.ecr.eu-west-2.amazonaws.com')
  assert.is(roleArn('123456789012', 'cn-north-1', 'R'), 'arn:aws-cn:iam::123456789012:role/R')
  assert.is(ssmParameterArn('123456789012', 'eu-west-2', '/cruddur/x'), 'arn:aws:ssm:eu-west-2:123456789012:parameter/cruddur/x')
})
env.run()

const aws = suite('lib/aws client config')
aws('per-service endpoint beats AWS_ENDPOINT_URL; retries from the environment', () => {
  const e = { AWS_DEFAULT_REGION: 'eu-west-2', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_ECS: 'http://127.0.0.1:2', AWS_MAX_ATTEMPTS: '7' }
  const { requestHandler, ...config } = clientConfig(e, 'ECS', 'eu-west-2')
  assert.equal(config, { region: 'eu-west-2', maxAttempts: 7, retryMode: 'standard', endpoint: 'http://127.0.0.1:2' })
  assert.equal(requestHandler.timeouts, { connectMs: 5000, requestMs: 20000 })
  assert.is(clientConfig(e, 'SSM', 'eu-west-2').endpoint, 'http://127.0.0.1:1')
  throwsWith(() => clientConfig({ ...e, AWS_RETRY_MODE: 'legacy' }, 'ECS', 'eu-west-2'), ConfigError, /AWS_RETRY_MODE/)
  throwsWith(() => clientConfig({ ...e, AWS_ENDPOINT_URL: 'not a url' }, 'SSM', 'eu-west-2'), ConfigError, /AWS_ENDPOINT_URL is not a URL/)
})
aws('every client gets connect and request timeouts (AWS_CONNECT_TIMEOUT, AWS_REQUEST_TIMEOUT, seconds); the worst case is bounded', () => {
  const { requestHandler } = clientConfig({ AWS_CONNECT_TIMEOUT: '2', AWS_REQUEST_TIMEOUT: '7.5' }, 'ECS', 'eu-west-2')
  assert.equal(requestHandler.timeouts, { connectMs: 2000, requestMs: 7500 })
  for (const bad of ['0', '-1', 'soon', '1e7']) {
    throwsWith(() => timeoutsFrom({ AWS_REQUEST_TIMEOUT: bad }), ConfigError, /AWS_REQUEST_TIMEOUT must be a number of seconds/)
  }
  // The README's figure: 5 attempts of (5 s + 20 s), plus at most 0.2+0.4+0.8+1.6 s of backoff.
  assert.is(worstCaseSeconds(timeoutsFrom({}), 5), 128)
  assert.is(worstCaseSeconds({ connectMs: 500, requestMs: 500 }, 1), 1)
})
aws('DOCKER_TIMEOUT and REGISTRY_TIMEOUT: seconds above 0 and at most an hour, the same rule as the AWS timeouts', () => {
  assert.is(dockerTimeoutMs({}), 30000)
  assert.is(dockerTimeoutMs({ DOCKER_TIMEOUT: '2.5' }), 2500)
  assert.is(registryTimeoutMs({}), 15000)
  assert.is(registryTimeoutMs({ REGISTRY_TIMEOUT: '3600' }), 3600000)
  for (const bad of ['0', '-1', 'soon', '3601', 'Infinity']) {
    throwsWith(() => dockerTimeoutMs({ DOCKER_TIMEOUT: bad }), ConfigError, /^DOCKER_TIMEOUT must be a number of seconds between 0 and 3600, got "/)
    throwsWith(() => registryTimeoutMs({ REGISTRY_TIMEOUT: bad }), ConfigError, /^REGISTRY_TIMEOUT must be a number of seconds between 0 and 3600, got "/)
  }
})
aws('sniffBody tells the AWS API (JSON, XML, nothing) from HTML pages and anything else', () => {
  for (const body of ['', '{"a":1}', '<?xml version="1.0"?><X/>', '<GetCallerIdentityResponse xmlns="x">', '  \n[]']) assert.is(sniffBody(body), 'aws', body)
  for (const body of ['<!DOCTYPE html><html>', '<html>', '\n<HTML><body>', '<h1>Bad Gateway</h1>']) assert.is(sniffBody(body), 'an HTML page', body)
  assert.is(sniffBody('Service Unavailable'), 'a body that is neither JSON nor XML')
})
aws.run()

const redaction = suite('lib/redact')
redaction.before.each(() => clearSecrets())
redaction('registered secrets are masked, URL-encoded forms too', () => {
  registerSecret('p@ss word')
  assert.is(redact('x p@ss word y p%40ss%20word z'), 'x **** y **** z')
})
redaction('a secret is masked in every form the kit prints it: raw, JSON-escaped, URL-encoded, escaped twice', () => {
  const token = 'to"k\\en\nline two&+ %x'
  registerSecret(token)
  const forms = [token, JSON.stringify(token), JSON.stringify(JSON.stringify(token)), encodeURIComponent(token), new URLSearchParams({ t: token }).toString()]
  for (const form of forms) assert.not.ok(redact(`before ${form} after`).includes('line two'), form)
  // As render prints a template: the JSON document, two-space indented.
  assert.is(redact(JSON.stringify({ token }, null, 2)), '{\n  "token": "****"\n}')
  assert.ok(printedForms('plain-value-1').length === 1)
})
redaction('maskUrl hides the password of a connection URL and of key=value strings', () => {
  assert.is(maskUrl('postgresql://u:secret@h:5432/db'), 'postgresql://u:****@h:5432/db')
  assert.is(maskUrl('host=h password=secret dbname=d'), 'host=h password=**** dbname=d')
})
redaction('env secrets are registered, with a connection URL’s decoded password', () => {
  registerEnvSecrets({ PROD_CONNECTION_URL: 'postgresql://u:s%23cret99@h/db', HONEYCOMB_API_KEY: 'honey-1234' }, registerSecret, declaredSecretVariables())
  assert.is(redact('pw s#cret99 key honey-1234'), 'pw **** key ****')
})
redaction.run()

const cli = suite('lib/cli')
const spec = { name: 'x/y', summary: 'S', positionals: [{ name: 'A', description: 'a' }], options: { wait: { type: 'string', description: 'w' } } } as const
cli('parses flags and positionals; unknown flags and extra arguments are usage errors', () => {
  const parsed = parseCli(spec, ['--wait', '3', 'first'])
  assert.is(parsed.values.wait, '3')
  assert.equal(parsed.positionals, ['first'])
  throwsWith(() => parseCli(spec, ['--nope']), UsageError, /Unknown option '--nope'.*x\/y --help/)
  throwsWith(() => parseCli(spec, ['a', 'b']), UsageError, /unexpected argument b/)
})
cli('help lists arguments, options and exit codes; seconds are validated', () => {
  const text = helpText(spec)
  for (const part of ['Usage: ./scripts/x/y [options] [A]', '--wait VALUE', '--help', 'Exit codes']) assert.match(text, part)
  assert.is(parseSeconds('2.5', 'wait', 1), 2.5)
  throwsWith(() => parseSeconds('-1', 'wait', 1), UsageError, /--wait must be a positive number/)
  // A Node timer holds 2^31-1 ms: longer fires at once, with a TimeoutOverflowWarning.
  assert.is(parseSeconds('2147483', 'wait', 1), 2147483)
  throwsWith(() => parseSeconds('1e7', 'wait', 1), UsageError, /^--wait is too large: at most 2147483 seconds/)
})
cli('flag-parsing errors are one line, naming the flag', () => {
  throwsWith(() => parseCli(spec, ['--wait', '--help']), UsageError, /^--wait needs a value, and the next argument is a flag; for a value starting with a dash write --wait=-VALUE \(see x\/y --help\)$/)
  throwsWith(() => parseCli(spec, ['--help=1']), UsageError, /^Option '-h, --help' does not take an argument \(see x\/y --help\)$/)
  for (const argv of [['--wait', '--help'], ['--nope'], ['-z'], ['--wait']]) {
    try {
      parseCli(spec, argv)
      assert.unreachable(String(argv))
    } catch (error) {
      assert.not.match((error as Error).message, '\n', String(argv))
    }
  }
})
cli('colour: off for NO_COLOR and non-terminals, forced by FORCE_COLOR', () => {
  assert.is(wantsColour(true, {}), true)
  assert.is(wantsColour(true, { NO_COLOR: '1' }), false)
  assert.is(wantsColour(false, {}), false)
  assert.is(wantsColour(false, { FORCE_COLOR: '1' }), true)
})
cli.run()

const errors = suite('lib/describe-error')
errors('known errors are one line with their exit code; unknown ones are flagged', () => {
  assert.equal(describeError(new UsageError('bad')), { line: 'bad', exitCode: 2, unexpected: false })
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 9 })
  assert.match(describeError(refused).line, 'cannot reach 127.0.0.1:9 (connection refused)')
  const aws = Object.assign(new Error('Role not found'), { name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } })
  assert.is(describeError(aws).line, 'AWS NoSuchEntityException (HTTP 404): Role not found')
  assert.is(describeError(new TypeError('x is undefined')).unexpected, true)
  assert.is(describeError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })).exitCode, 2)
})
errors('every error is one line: SDK messages over several lines, unexpected errors, kit errors', () => {
  const sdk = Object.assign(new Error('1 validation error detected:\n  Value at \'cpu\' failed to satisfy constraint'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } })
  assert.is(describeError(sdk).line, "AWS ValidationException (HTTP 400): 1 validation error detected: Value at 'cpu' failed to satisfy constraint")
  assert.is(describeError(new Error('a\nb')).line, 'unexpected error: a b')
  assert.is(describeError(new UsageError('x\n  y')).line, 'x y')
  assert.is(oneLine(' a \r\n\t b '), 'a b')
})
errors('timeouts and answers that are not the AWS API name the endpoint', () => {
  const timeout = Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 500 ms requestTimeout.'), {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
    endpoint: 'http://127.0.0.1:9',
    $metadata: { attempts: 3 },
  })
  assert.match(describeError(timeout).line, /^no answer from http:\/\/127\.0\.0\.1:9 \(3 attempts\): a request has exceeded the configured 500 ms requestTimeout\. Check AWS_ENDPOINT_URL/)
  const parse = Object.assign(new SyntaxError('Unexpected token < in JSON'), { $response: {}, $metadata: { httpStatusCode: 200 } })
  assert.match(describeError(parse, { endpoint: 'http://127.0.0.1:8' }).line, /^http:\/\/127\.0\.0\.1:8 does not speak the AWS API/)
})
errors.run()

const templates = suite('lib/template')
const names = kitNames({})
const ctx = { names, region: 'eu-west-2', accountId: '123456789012', discovered: { securityGroupId: 'sg-1', subnetIds: ['subnet-a', 'subnet-b'] } }
templates('renders placeholders inside strings, and a whole-string placeholder as a list', () => {
  const t = parseTemplate('t.json', '{"role": "${EXECUTION_ROLE_ARN}", "subnets": "${SUBNET_IDS}", "sg": ["${SECURITY_GROUP_ID}"], "x": "${POOL}-1"}')
  assert.equal(render(t, lookupIn(derivedValues(ctx), { POOL: 'p' }), placeholderHint), {
    role: 'arn:aws:iam::123456789012:role/CruddurServiceExecutionRole',
    subnets: ['subnet-a', 'subnet-b'],
    sg: ['sg-1'],
    x: 'p-1',
  })
})
templates('a placeholder with no value names the file, the placeholder and what to set', () => {
  const t = parseTemplate('task-definitions/x.json', '{"a": "${AWS_COGNITO_USER_POOL_ID}", "b": "${SECURITY_GROUP_ID}"}')
  throwsWith(
    () => render(t, lookupIn(derivedValues({ ...ctx, discovered: {} }), {}), placeholderHintFor([securityGroupStep])),
    ConfigError,
    /^task-definitions\/x\.json: no value for \$\{AWS_COGNITO_USER_POOL_ID\} \(set AWS_COGNITO_USER_POOL_ID in \.env.*\$\{SECURITY_GROUP_ID\} \(worked out from ec2\/create-security-group/,
  )
})
templates('malformed JSON names the file, line and column', () => {
  throwsWith(() => parseTemplate('json/bad.json', '{\n  "a": 1,\n  "b": }\n'), ConfigError, /^json\/bad\.json:3:\d+: malformed JSON/)
})
templates('a list placeholder inside a longer string is refused', () => {
  const t = parseTemplate('t.json', '{"a": "x-${SUBNET_IDS}"}')
  throwsWith(() => render(t, lookupIn(derivedValues(ctx), {}), placeholderHint), ConfigError, /is a list and must be a whole JSON string/)
})
templates('the shipped templates are valid and need only the documented variables', () => {
  assert.equal([...placeholders(parseTemplate('x', '{"a": ["${A}", {"b": "${B}x${A}"}]}').json)], ['A', 'B'])
  const full = { AWS_COGNITO_USER_POOL_ID: 'p', AWS_COGNITO_USER_POOL_CLIENT_ID: 'c' }
  for (const file of ['policies/service-execution-policy.json', 'policies/task-role-policy.json', 'task-definitions/backend-flask.json', 'json/service-backend-flask.json']) {
    assert.is(checkTemplate(file, full), undefined, file)
  }
  assert.match(checkTemplate('task-definitions/backend-flask.json', {}) ?? '', 'AWS_COGNITO_USER_POOL_CLIENT_ID')
})
templates.run()

const config = suite('lib/config')
config('defaults are the guide’s names; overrides are validated', () => {
  assert.is(names.logGroup, '/cruddur/fargate-cluster')
  assert.equal(names.repositories, ['cruddur-python', 'backend-flask', 'frontend-react-js'])
  assert.is(kitNames({ ECS_CLUSTER: 'c2' }).cluster, 'c2')
  throwsWith(() => kitNames({ LOG_RETENTION_DAYS: '2' }), ConfigError, /LOG_RETENTION_DAYS must be one of/)
  throwsWith(() => kitNames({ INGRESS_CIDR: '10.0.0.0' }), ConfigError, /INGRESS_CIDR/)
})
config.run()

const runner = suite('lib/runner')
const step = (id: string, needs: Step[], log: string[], fail = false): Step => ({
  id,
  title: id,
  needs,
  async run() {
    log.push(`start ${id}`)
    await new Promise((r) => setTimeout(r, 20))
    log.push(`end ${id}`)
    if (fail) throw new Error(`${id} broke`)
    return [{ resource: 'r', name: id, outcome: 'created' }]
  },
})
runner('independent steps run together; a step waits for what it needs', async () => {
  const log: string[] = []
  const [a, b] = [step('a', [], log), step('b', [], log)]
  const reports = await runSteps([a, b, step('c', [a, b], log)], {} as StepContext)
  assert.equal(log.slice(0, 2), ['start a', 'start b'])
  assert.is(log.indexOf('start c') > log.indexOf('end b'), true)
  assert.equal(summarize(reports), { created: 3, updated: 0, unchanged: 0, failed: 0 })
})
runner('a failed step skips its dependents but not independent steps', async () => {
  const log: string[] = []
  const a = step('a', [], log, true)
  const reports = await runSteps([a, step('b', [a], log), step('c', [], log)], {} as StepContext)
  assert.match(reports[0].error ?? '', 'a broke')
  assert.is(reports[1].skipped, true)
  assert.is(reports[2].error, undefined)
  assert.is(formatSummary(summarize(reports), false), '1 created, 0 updated, 0 unchanged, 2 steps failed')
  assert.is(formatSummary(summarize(reports), true), 'plan: 1 to create, 0 to update, 0 unchanged, 2 steps failed')
})
runner.run()

const jsonErrors = suite('lib/json-error')
jsonErrors('finds the first bad offset, or -1 for valid JSON', async () => {
  const { jsonErrorOffset } = await import('../lib/core/json-error.js')
  assert.is(jsonErrorOffset('{"a": [1, 2.5e3, "x\\n", true, null, {}]}'), -1)
  assert.is(jsonErrorOffset('{"a": }'), 6)
  assert.is(jsonErrorOffset('{"a": 1,}'), 8)
  assert.is(jsonErrorOffset('{"a" 1}'), 5)
  assert.is(jsonErrorOffset('[1] x'), 4)
  assert.is(jsonErrorOffset('{"a": "unterminated'), 19)
})
jsonErrors.run()

const awsErrors = suite('lib/aws awsErrorIs')
awsErrors('matches an SDK error by name or EC2 Code, and by message when asked', async () => {
  const { awsErrorIs } = await import('../lib/aws/clients.js')
  const e = Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' })
  assert.ok(awsErrorIs(e, 'ClientException'))
  assert.ok(awsErrorIs(e, 'ClientException', /unable to describe/i))
  assert.not.ok(awsErrorIs(e, 'ClientException', /not idempotent/))
  assert.ok(awsErrorIs(Object.assign(new Error('dup'), { name: 'Error', Code: 'InvalidGroup.Duplicate' }), 'InvalidGroup.Duplicate'))
  assert.ok(awsErrorIs(Object.assign(new Error('x'), { name: 'NoSuchEntityException' }), /^NoSuchEntity(Exception)?$/))
  assert.not.ok(awsErrorIs(undefined, 'X'))
})
awsErrors.run()

const unreadable = suite('5xx answers the SDK cannot parse (scripted at a loopback server): one line wherever an error is printed')
unreadable('a 503 with an XML body to a JSON API: the cost line is one line naming the endpoint as unavailable', async () => {
  const { createServer } = await import('node:http')
  const { planCostLine } = await import('../lib/cost/workload.js')
  const server = createServer((_req, res) => res.writeHead(503, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><Error><Code>ServiceUnavailable</Code></Error>'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const ecsUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  try {
    const run = await openContext({ ...process.env, AWS_ENDPOINT_URL_ECS: ecsUrl, AWS_MAX_ATTEMPTS: '1', AWS_ACCOUNT_ID: '123456789012' }, { mode: 'read-only' })
    const line = await planCostLine(run, 'current')
    assert.is(line.split('\n').length, 1, line)
    assert.match(line, `monthly cost: not estimated (${ecsUrl} is unavailable: its answer (HTTP 503)`)
    assert.not.match(line, /Deserialization|\$response/)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})
unreadable.run()
