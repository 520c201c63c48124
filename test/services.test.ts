// lib/config/services.ts and lib/config/names.ts: the service declarations and the names,
// checked without any emulator.
import './helpers/guard.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { checkNames, kitNames } from '../lib/config/names.js'
import { ROOT } from '../lib/config/paths.js'
import { declaredServices, parameterValues, parseServices, secretSourceVariables, secretsProblem, serviceNamed } from '../lib/config/services.js'
import { parameterHelpFor } from '../lib/config/variables.js'
import { checkServiceFile } from '../lib/steps/ecs-service.js'
import { checkTaskDefinition, taskDefinitionProblems } from '../lib/steps/task-definition.js'
import { loadTemplate, parseTemplate } from '../lib/templates/template.js'

const declarations = suite('lib/config/services: the declarations')

declarations('the repo declares the backend and the frontend, each with its port, shell and parameters', () => {
  const [backend, frontend] = declaredServices()
  assert.equal([backend.name, backend.containerPort, backend.shell, backend.repository], ['backend-flask', 4567, '/bin/bash', 'backend-flask'])
  assert.equal([frontend.name, frontend.containerPort, frontend.shell, frontend.repository], ['frontend-react-js', 3000, '/bin/sh', 'frontend-react-js'])
  assert.equal(backend.parameters.map((p) => p.name), ['CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN', 'OTEL_EXPORTER_OTLP_HEADERS'])
  assert.equal(frontend.parameters, [])
  // No long-lived keys by default.
  assert.is(backend.awsKeys, false)
})

declarations('every declared template agrees with its declaration (secrets[], port, family, log prefix)', () => {
  const env = { AWS_COGNITO_USER_POOL_ID: 'x', AWS_COGNITO_USER_POOL_CLIENT_ID: 'y' }
  for (const service of declaredServices()) {
    assert.equal(checkTaskDefinition(service, env), [], service.name)
    assert.equal(checkServiceFile(service, env), [], service.name)
  }
})

declarations('awsKeys opts a service in to the two key parameters', () => {
  const [worker] = parseServices('t.json', { worker: { containerPort: 8080, awsKeys: true } })
  assert.equal(worker.parameters.map((p) => p.name), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
  assert.equal(secretSourceVariables([worker]), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
})

const bad: Array<[string, unknown, RegExp]> = [
  ['a list', [], /must be an object keyed by service name/],
  ['a path as a name', { '../x': { containerPort: 1 } }, /"\.\.\/x" is not a valid ECS service name/],
  ['no port', { a: {} }, /a\.containerPort must be a port number/],
  ['a relative shell', { a: { containerPort: 1, shell: 'sh' } }, /a\.shell must be an absolute path/],
  ['an upper-case repository', { a: { containerPort: 1, repository: 'A' } }, /a\.repository is not a valid ECR repository name/],
  ['a source outside the app', { a: { containerPort: 1, source: '../x' } }, /a\.source must be a folder inside the app repository/],
  ['a parameter without its variable', { a: { containerPort: 1, parameters: [{ name: 'X' }] } }, /a\.parameters\[0\]\.from must name the environment variable/],
  ['a format without the variable', { a: { containerPort: 1, parameters: [{ name: 'X', from: 'Y', format: 'k=v' }] } }, /format must be a string containing \$\{Y\}/],
  ['a parameter twice', { a: { containerPort: 1, parameters: [{ name: 'X', from: 'Y' }, { name: 'X', from: 'Z' }] } }, /declares X twice/],
]
for (const [what, json, message] of bad) {
  declarations(`a bad declaration (${what}) is refused, naming the field`, () => {
    assert.throws(() => parseServices('json/services.json', json), message)
  })
}

declarations('serviceNamed: undeclared and invalid names, with the declared ones', () => {
  assert.throws(() => serviceNamed('worker'), /service "worker" is not declared in json\/services\.json \(available: backend-flask, frontend-react-js\)/)
  assert.throws(() => serviceNamed('../../x'), /is not a service name/)
})

declarations('parameterValues: one path per service, the format applied', () => {
  const values = parameterValues(declaredServices(), { PROD_CONNECTION_URL: 'u', ROLLBAR_ACCESS_TOKEN: 'r', HONEYCOMB_API_KEY: 'h' }, '/p')
  assert.equal(
    values.map((v) => [v.path, v.value]),
    [
      ['/p/backend-flask/CONNECTION_URL', 'u'],
      ['/p/backend-flask/ROLLBAR_ACCESS_TOKEN', 'r'],
      ['/p/backend-flask/OTEL_EXPORTER_OTLP_HEADERS', 'x-honeycomb-team=h'],
    ],
  )
})

declarations('secretsProblem: the template and the declaration must name the same secrets', () => {
  const backend = serviceNamed('backend-flask')
  const named = (...names: string[]) => names.map((name) => ({ name, valueFrom: `arn/${name}` }))
  assert.is(secretsProblem(backend, named('CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN', 'OTEL_EXPORTER_OTLP_HEADERS')), undefined)
  assert.match(secretsProblem(backend, named('CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN')) ?? '', 'lacks OTEL_EXPORTER_OTLP_HEADERS')
  assert.match(
    secretsProblem(backend, named('CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN', 'OTEL_EXPORTER_OTLP_HEADERS', 'AWS_ACCESS_KEY_ID')) ?? '',
    'names AWS_ACCESS_KEY_ID that json/services.json does not declare for backend-flask',
  )
})

declarations('.env.example lists every variable a declared parameter comes from', () => {
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8')
  for (const variable of secretSourceVariables(declaredServices())) assert.match(example, new RegExp(`^${variable}=`, 'm'), variable)
})

declarations('--help text for the parameter variables comes from the declarations', () => {
  const help = parameterHelpFor(declaredServices())
  assert.equal(help.map((h) => h.name), ['PROD_CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN', 'HONEYCOMB_API_KEY'])
  assert.match(help[2].description, 'stored as the SecureString <SSM_PREFIX>/backend-flask/OTEL_EXPORTER_OTLP_HEADERS as x-honeycomb-team=${HONEYCOMB_API_KEY} (never printed)')
})

declarations.run()

const templates = suite('task-definition and service templates: every field later steps depend on')
const backend = serviceNamed('backend-flask')
const original = loadTemplate(backend.taskDefinitionFile).json as Record<string, unknown>
const edit = (change: (td: { family?: unknown; containerDefinitions: Array<Record<string, unknown>> }) => void): string[] => {
  const copy = JSON.parse(JSON.stringify(original))
  change(copy)
  return taskDefinitionProblems(backend, parseTemplate(backend.taskDefinitionFile, JSON.stringify(copy)))
}
const breaks: Array<[string, (td: { family?: unknown; containerDefinitions: Array<Record<string, unknown>> }) => void, string]> = [
  ['family differs from the file name', (td) => (td.family = 'backend'), '"family" is "backend", expected "backend-flask"'],
  ['no containers', (td) => (td.containerDefinitions = []), 'must list at least one container'],
  ['the container renamed', (td) => (td.containerDefinitions[0].name = 'app'), 'no container is named "backend-flask"'],
  ['another port', (td) => ((td.containerDefinitions[0].portMappings as Array<Record<string, unknown>>)[0].containerPort = 5000), 'maps no containerPort 4567'],
  ['a secret dropped', (td) => (td.containerDefinitions[0].secrets as unknown[]).pop(), 'lacks OTEL_EXPORTER_OTLP_HEADERS'],
  [
    "a secret reading another service's parameter",
    (td) => ((td.containerDefinitions[0].secrets as Array<Record<string, unknown>>)[0].valueFrom = '${SSM_PARAMETER_ARN_PREFIX}/other/CONNECTION_URL'),
    'not the service\'s own parameter',
  ],
  ['another log stream prefix', (td) => (((td.containerDefinitions[0].logConfiguration as { options: Record<string, unknown> }).options['awslogs-stream-prefix'] = 'api')), 'awslogs-stream-prefix is "api"'],
]
for (const [what, change, message] of breaks) {
  templates(`found before any change: ${what}`, () => {
    const problems = edit(change)
    assert.ok(problems.some((p) => p.includes(message)), `${message} not in ${JSON.stringify(problems)}`)
  })
}
templates('the untouched template has no problem', () => assert.equal(edit(() => {}), []))
templates.run()

const names = suite('lib/config/names: every name checked against AWS rules, all at once')
const declared = declaredServices()
names('defaults: the guide names, every declared service, the repositories of all of them', () => {
  const n = kitNames({}, declared)
  assert.equal([n.cluster, n.logGroup, n.ssmPrefix, n.imageTag], ['cruddur', '/cruddur/fargate-cluster', '/cruddur', 'latest'])
  assert.equal(n.services, ['backend-flask', 'frontend-react-js'])
  assert.equal(n.repositories, ['cruddur-python', 'backend-flask', 'frontend-react-js'])
})
const badNames: Array<[Record<string, string>, string]> = [
  [{ ECS_CLUSTER: 'my cluster' }, 'ECS_CLUSTER must be 1-255 letters, digits, hyphens or underscores, got "my cluster"'],
  [{ LOG_GROUP: 'logs:*' }, 'LOG_GROUP "logs:*" is not valid'],
  [{ EXECUTION_ROLE_NAME: 'role/with/slash' }, 'EXECUTION_ROLE_NAME "role/with/slash" is not valid'],
  [{ TASK_ROLE_NAME: 'x'.repeat(65) }, 'TASK_ROLE_NAME'],
  [{ SECURITY_GROUP_NAME: 'sg-123' }, 'SECURITY_GROUP_NAME "sg-123" is not valid'],
  [{ IMAGE_TAG: 'v1:2' }, 'IMAGE_TAG "v1:2" is not valid'],
  [{ IMAGE_TAG: '${NOPE}' }, 'IMAGE_TAG "${NOPE}" is not valid'],
  [{ SSM_PREFIX: '/' }, 'SSM_PREFIX "/" is not valid'],
  [{ SSM_PREFIX: '/my secrets' }, 'SSM_PREFIX "/my secrets" is not valid'],
  [{ SSM_PREFIX: 'cruddur' }, 'SSM_PREFIX must start with "/"'],
  [{ ECS_SERVICES: '../../x' }, 'ECS_SERVICES names "../../x", which is not a valid service name'],
  [{ ECS_SERVICES: 'worker' }, 'which json/services.json does not declare'],
  [{ ECR_REPOSITORIES: 'Backend' }, 'ECR_REPOSITORIES: "Backend" is not a valid repository name'],
  [{ LOG_RETENTION_DAYS: '2' }, 'LOG_RETENTION_DAYS must be one of'],
  [{ INGRESS_CIDR: '300.0.0.0/0' }, 'INGRESS_CIDR must be an IPv4 CIDR'],
]
for (const [env, message] of badNames) {
  names(`refused: ${JSON.stringify(env)}`, () => {
    const { names: n, problems } = checkNames(env, declared)
    assert.is(n, undefined)
    assert.ok(problems.some((p) => p.includes(message)), `${message} not in ${JSON.stringify(problems)}`)
  })
}
names('several bad names: one problem each, all at once', () => {
  const { problems } = checkNames({ ECS_CLUSTER: 'a b', IMAGE_TAG: 'v1:2', SSM_PREFIX: '/' }, declared)
  assert.is(problems.length, 3, JSON.stringify(problems))
})
names.run()
