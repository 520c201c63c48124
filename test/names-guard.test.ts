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

test.run()
