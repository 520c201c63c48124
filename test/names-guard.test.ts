// Every AWS script checks the names first: a name that would become a path, or that AWS would
// refuse, stops the script with one line before any file is read or any call is made.
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startAwsProxy, type AwsProxy } from './helpers/aws-proxy.js'
import { runKit } from './helpers/run.js'

const SCRIPTS = [
  'logs/create-log-group',
  'ecs/create-cluster',
  'ecr/create-repositories',
  'ssm/put-parameters',
  'iam/create-roles',
  'ecs/register-task-definition',
  'ec2/create-security-group',
  'ecs/create-service',
  'provision',
  'status',
]

let proxy: AwsProxy
const test = suite('names are checked before anything is read or called (every AWS script)')
test.before(async () => {
  proxy = await startAwsProxy(process.env.AWS_ENDPOINT_URL as string)
})
test.after(() => proxy.stop())

for (const script of SCRIPTS) {
  test(`${script}: ECS_SERVICES=../../x is refused, nothing is called`, async () => {
    proxy.reset()
    const r = await runKit(script, [], { env: { ECS_SERVICES: '../../x', AWS_ENDPOINT_URL: proxy.url } })
    assert.is(r.code, 2, r.all)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, 'ECS_SERVICES names "../../x", which is not a valid service name')
    assert.equal(proxy.calls, [])
  })
}

test('every bad name and a missing region in one line, at once', async () => {
  proxy.reset()
  const r = await runKit('provision', ['--dry-run'], {
    env: { AWS_DEFAULT_REGION: '', AWS_REGION: '', AWS_CONFIG_FILE: '/nonexistent', IMAGE_TAG: 'v1:2', SSM_PREFIX: '/', LOG_GROUP: 'a b', AWS_ENDPOINT_URL: proxy.url },
  })
  assert.is(r.code, 2, r.all)
  const lines = r.stderr.trim().split('\n')
  assert.is(lines.length, 1, r.stderr)
  for (const part of ['AWS_DEFAULT_REGION is not set', 'IMAGE_TAG "v1:2" is not valid', 'SSM_PREFIX "/" is not valid', 'LOG_GROUP "a b" is not valid']) {
    assert.match(lines[0], part)
  }
  assert.equal(proxy.calls, [])
})

// Every script that reads AWS, not only the provisioning ones.
const AWS_SCRIPTS = [...SCRIPTS, 'verify', 'logs/tail backend-flask', 'audit', 'cost --deployed', 'deploy backend-flask', 'scale backend-flask 1', 'teardown --yes']
for (const [name, value] of [
  ['AWS_ENDPOINT_URL_ECS', 'notaurl'],
  ['AWS_ENDPOINT_URL', 'ftp://127.0.0.1:5000'],
]) {
  test(`${name}=${value}: every AWS script stops with one line and exit 2 before any call`, async () => {
    for (const command of AWS_SCRIPTS) {
      proxy.reset()
      const [script, ...args] = command.split(' ')
      // The bad value in the variable named; the other one (when it is not the one named) at the recording proxy.
      const r = await runKit(script, args, { env: { AWS_ENDPOINT_URL: proxy.url, [name]: value } })
      assert.is(r.code, 2, `${command}: ${r.all}`)
      assert.is(r.stderr.trim().split('\n').length, 1, `${command}: ${r.stderr}`)
      assert.match(r.stderr, `${name} `, command)
      assert.match(r.stderr, 'http', command)
      assert.equal(proxy.calls, [], command)
    }
  })
}

test('no region and no parameter variables: one line naming all of them, only the service that needs them, and no SDK notice before it', async () => {
  proxy.reset()
  const r = await runKit('provision', ['--dry-run'], {
    env: {
      AWS_DEFAULT_REGION: '',
      AWS_REGION: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
      PROD_CONNECTION_URL: '',
      ROLLBAR_ACCESS_TOKEN: '',
      HONEYCOMB_API_KEY: '',
      AWS_COGNITO_USER_POOL_ID: '',
      AWS_COGNITO_USER_POOL_CLIENT_ID: '',
      AWS_ENDPOINT_URL: proxy.url,
    },
  })
  assert.is(r.code, 2, r.all)
  const lines = r.stderr.trim().split('\n')
  assert.is(lines.length, 1, r.stderr)
  for (const part of ['AWS_DEFAULT_REGION is not set', 'PROD_CONNECTION_URL', 'ROLLBAR_ACCESS_TOKEN', 'HONEYCOMB_API_KEY', 'AWS_COGNITO_USER_POOL_ID']) assert.match(lines[0], part)
  // frontend-react-js declares no parameters: it needs none of these variables.
  assert.match(lines[0], /needed for the SSM parameters of backend-flask\)/)
  assert.not.match(lines[0], /SSM parameters of [^)]*frontend-react-js/)
  assert.equal(proxy.calls, [])
})

test.run()
