import './helpers/guard.js'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ROOT } from '../lib/config/paths.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { createLoadBalancer } from './helpers/load-balancer.js'

const TASK_ENV = { AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool', AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id' }
const SECRETS = {
  PROD_CONNECTION_URL: 'postgresql://u:render-pw-1234@db.example.invalid/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'render-rollbar-1234',
  HONEYCOMB_API_KEY: 'render-honey-1234',
}

const render = suite('scripts/render (against moto)')
render.before.each(() => resetMoto())

render('renders a task definition with the account, region and role ARNs, ready for --cli-input-json', async () => {
  const r = await runKit('render', ['task-definitions/backend-flask.json'], { env: { ...TASK_ENV, DOMAIN_NAME: 'cruddur.example.com' } })
  assert.is(r.code, 0, r.all)
  const td = JSON.parse(r.stdout)
  assert.is(td.taskRoleArn, 'arn:aws:iam::123456789012:role/CruddurTaskRole')
  assert.is(td.containerDefinitions[0].logConfiguration.options['awslogs-region'], 'eu-west-2')
  assert.not.match(r.stdout, '${')
})

const envOf = (td: { containerDefinitions: Array<{ environment: Array<{ name: string; value: string }> }> }, name: string) =>
  td.containerDefinitions[0].environment.find((e) => e.name === name)?.value

render("the backend's URLs: the domain's with DOMAIN_NAME, else the load balancer's DNS name; neither: one line naming the step", async () => {
  const domain = await runKit('render', ['task-definitions/backend-flask.json'], { env: { ...TASK_ENV, DOMAIN_NAME: 'cruddur.example.com' } })
  assert.is(domain.code, 0, domain.all)
  assert.is(envOf(JSON.parse(domain.stdout), 'FRONTEND_URL'), 'https://cruddur.example.com')
  assert.is(envOf(JSON.parse(domain.stdout), 'BACKEND_URL'), 'https://api.cruddur.example.com')

  const none = await runKit('render', ['task-definitions/backend-flask.json'], { env: TASK_ENV })
  assert.is(none.code, 1, none.all)
  assert.is(none.stdout, '')
  assert.is(none.stderr.trim().split('\n').length, 1, none.stderr)
  assert.match(none.stderr, 'run ./scripts/elbv2/create-load-balancer first, or set DOMAIN_NAME')

  const dnsName = await createLoadBalancer()
  const alb = await runKit('render', ['task-definitions/backend-flask.json'], { env: TASK_ENV })
  assert.is(alb.code, 0, alb.all)
  assert.is(envOf(JSON.parse(alb.stdout), 'FRONTEND_URL'), `http://${dnsName}`)
  assert.is(envOf(JSON.parse(alb.stdout), 'BACKEND_URL'), `http://${dnsName}`)
})

render('renders the service with the security group and subnets that exist', async () => {
  // The services' group admits the load balancer's: that group comes first.
  assert.is((await runKit('ec2/create-load-balancer-security-group')).code, 0)
  assert.is((await runKit('ec2/create-security-group')).code, 0)
  const r = await runKit('render', [join(ROOT, 'json/service-backend-flask.json')])
  assert.is(r.code, 0, r.all)
  const network = JSON.parse(r.stdout).networkConfiguration.awsvpcConfiguration
  assert.match(network.securityGroups[0], /^sg-/)
  assert.ok(network.subnets.length > 0 && network.subnets.every((s: string) => s.startsWith('subnet-')))
})

render('the service before its security group exists: one line pointing at the step that creates it', async () => {
  const r = await runKit('render', ['json/service-backend-flask.json'])
  assert.is(r.code, 1)
  assert.match(r.stderr, 'run ./scripts/ec2/create-security-group first')
})

render('a missing variable or file is named; no argument is a usage error', async () => {
  const missing = await runKit('render', ['task-definitions/backend-flask.json'], { env: { ...SECRETS, DOMAIN_NAME: 'cruddur.example.com', AWS_COGNITO_USER_POOL_ID: undefined } })
  assert.is(missing.code, 2)
  assert.match(missing.stderr, 'no value for ${AWS_COGNITO_USER_POOL_ID} (set AWS_COGNITO_USER_POOL_ID')
  const nofile = await runKit('render', ['json/nope.json'])
  assert.is(nofile.code, 2)
  assert.match(nofile.stderr, 'template json/nope.json not found')
  assert.is((await runKit('render', [])).code, 2)
})
render.run()

const guard = suite('the test guard')
const runGuard = (endpoint: string | undefined) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'AWS_ENDPOINT_URL') env[k] = v
    if (endpoint) env.AWS_ENDPOINT_URL = endpoint
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/guard.ts')], { env, cwd: ROOT })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stderr }))
  })

guard('tests refuse to run without a loopback AWS_ENDPOINT_URL', async () => {
  for (const endpoint of [undefined, 'https://ecs.eu-west-2.amazonaws.com', 'http://10.0.0.5:5000']) {
    const r = await runGuard(endpoint)
    assert.is(r.code, 2, `ran with ${endpoint}`)
    assert.match(r.stderr, 'refusing to run tests')
  }
  assert.is((await runGuard('http://127.0.0.1:5000')).code, 0)
})
guard.run()
