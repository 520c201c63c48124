import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, type ContainerDefinition } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { serviceNamed } from '../lib/config/services.js'
import { pinnedImageStands, pinnedPair, taskDefinitionStep } from '../lib/steps/task-definition.js'
import { loadBalancerStep } from '../lib/steps/load-balancer.js'
import { waitsFor } from '../lib/steps/engine.js'
import { allSteps } from '../lib/steps/index.js'
import { declaredServices } from '../lib/config/services.js'
import { differences, summarizePaths } from '../lib/core/diff.js'
import { resetMoto } from './helpers/moto.js'
import { createLoadBalancer } from './helpers/load-balancer.js'
import { runKitWith, type RunOptions } from './helpers/run.js'
import type { StepsDocument } from '../lib/steps/apply.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

// These tests are about one service, the guide's backend; both declared services together are
// tested through provision (test/provision.test.ts).
const ONE_SERVICE = { ECS_SERVICES: 'backend-flask' }
const runKit = runKitWith(ONE_SERVICE)

const COGNITO = { AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool1', AWS_COGNITO_USER_POOL_CLIENT_ID: 'testclient0123456789' }
// The backend's URLs come from the domain here, so no load balancer is needed (the suite
// "the backend's URLs" below tests them without one).
const DOMAIN = { DOMAIN_NAME: 'cruddur.example.com' }
const run = (args: string[] = [], env: RunOptions['env'] = {}) => runKit('ecs/register-task-definition', args, { env: { ...COGNITO, ...DOMAIN, ...env } })

const ecs = sdkContext.client(ECSClient, 'ECS')
const describe = async (family = 'backend-flask') => (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }))).taskDefinition
const revisions = async (family = 'backend-flask') => (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns ?? []
const container = (defs: ContainerDefinition[] | undefined) => defs?.find((c) => c.name === 'backend-flask')

type Json = StepsDocument

const live = suite('ecs/register-task-definition against moto')
live.before.each(async () => {
  await resetMoto()
})
live.after(() => {
  ecs.destroy()
})

live('from empty: registers revision 1 with the task role, the log group and the real account', async () => {
  const r = await run()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /created\s+task definition backend-flask: backend-flask:1/)

  const def = await describe()
  assert.is(def?.revision, 1)
  assert.is(def?.taskRoleArn, 'arn:aws:iam::123456789012:role/CruddurTaskRole')
  assert.is(def?.executionRoleArn, 'arn:aws:iam::123456789012:role/CruddurServiceExecutionRole')
  const c = container(def?.containerDefinitions)
  assert.is(c?.logConfiguration?.options?.['awslogs-group'], '/cruddur/fargate-cluster')
  assert.is(c?.logConfiguration?.options?.['awslogs-region'], 'eu-west-2')
  assert.is(c?.image, '123456789012.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:latest')
  assert.is(c?.environment?.find((e) => e.name === 'AWS_COGNITO_USER_POOL_ID')?.value, COGNITO.AWS_COGNITO_USER_POOL_ID)
  assert.is(
    c?.secrets?.find((s) => s.name === 'CONNECTION_URL')?.valueFrom,
    'arn:aws:ssm:eu-west-2:123456789012:parameter/cruddur/backend-flask/CONNECTION_URL',
  )
  assert.not.match(JSON.stringify(def), '${', 'a placeholder was left unrendered')
})

live('second run: no new revision, reports unchanged with the revision', async () => {
  assert.is((await run()).code, 0)
  const r = await run()
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /unchanged\s+task definition backend-flask: backend-flask:1/)
  assert.match(r.stdout, '0 created, 0 updated, 1 unchanged')
  assert.is((await revisions()).length, 1)
})

live('a changed input (IMAGE_TAG=v2): revision 2, naming what differs; then unchanged again', async () => {
  assert.is((await run()).code, 0)
  const r = await run([], { IMAGE_TAG: 'v2' })
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+task definition backend-flask: backend-flask:2 \(was :1; differs in containerDefinitions\[backend-flask\]\.image\)/)
  assert.is((await describe())?.revision, 2)
  assert.is(container((await describe())?.containerDefinitions)?.image, '123456789012.dkr.ecr.eu-west-2.amazonaws.com/backend-flask:v2')
  assert.is((await revisions()).length, 2)

  const again = await run([], { IMAGE_TAG: 'v2' })
  assert.match(again.stdout, /unchanged\s+task definition backend-flask: backend-flask:2/)
  assert.is((await revisions()).length, 2)
})

live('drift: a revision registered out of band (more memory, an extra variable) is replaced by the template', async () => {
  assert.is((await run()).code, 0)
  const def = await describe()
  const c = container(def?.containerDefinitions) as ContainerDefinition
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'backend-flask',
      executionRoleArn: def?.executionRoleArn,
      taskRoleArn: def?.taskRoleArn,
      networkMode: def?.networkMode,
      cpu: def?.cpu,
      memory: '1024',
      requiresCompatibilities: def?.requiresCompatibilities,
      containerDefinitions: [{ ...c, environment: [...(c.environment ?? []), { name: 'DEBUG', value: '1' }] }],
    }),
  )
  const r = await run(['--json'])
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout) as Json
  const change = doc.steps[0].changes[0]
  assert.is(change.outcome, 'updated')
  assert.match(change.detail ?? '', 'memory')
  assert.match(change.detail ?? '', 'containerDefinitions[backend-flask].environment[DEBUG]')
  const now = await describe()
  assert.is(now?.revision, 3)
  assert.is(now?.memory, '512')
  assert.not.ok(container(now?.containerDefinitions)?.environment?.some((e) => e.name === 'DEBUG'))
})

live('--dry-run: reports the plan, registers nothing (empty account, and with a change pending)', async () => {
  const empty = await run(['--dry-run'])
  assert.is(empty.code, 0, empty.all)
  assert.match(empty.stdout, /would create\s+task definition backend-flask: first revision/)
  assert.match(empty.stdout, 'plan: 1 to create, 0 to update, 0 unchanged')
  assert.is((await revisions()).length, 0)

  assert.is((await run()).code, 0)
  const pending = await run(['--dry-run'], { IMAGE_TAG: 'v3' })
  assert.is(pending.code, 0, pending.all)
  assert.match(pending.stdout, /would update\s+task definition backend-flask: .*containerDefinitions\[backend-flask\]\.image/)
  assert.is((await revisions()).length, 1)
})

live('--json: one parseable document with the step id and outcome', async () => {
  const r = await run(['--json'])
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout) as Json
  assert.is(doc.steps[0].id, 'ecs/register-task-definition:backend-flask')
  assert.equal(doc.summary, { created: 1, updated: 0, unchanged: 0, failed: 0 })
})

live('FAMILY given explicitly: the same as the default', async () => {
  const r = await run(['backend-flask'])
  assert.is(r.code, 0, r.all)
  assert.is((await revisions()).length, 1)
})

live('unknown family: exit 2, one line naming the declarations and the available families, nothing registered', async () => {
  const r = await run(['frontend-nope'])
  assert.is(r.code, 2, r.all)
  assert.is(r.stdout, '')
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, 'service "frontend-nope" is not declared in json/services.json')
  assert.match(r.stderr, 'available: backend-flask')
  assert.is((await revisions('frontend-nope')).length, 0)
})

live('a family that is a path (../policies/x): exit 2, refused', async () => {
  const r = await run(['../policies/service-execution-policy'])
  assert.is(r.code, 2, r.all)
  assert.match(r.stderr, 'is not a service name')
})

live('missing Cognito variables: exit 2 naming both, nothing registered', async () => {
  const r = await run([], { AWS_COGNITO_USER_POOL_ID: undefined, AWS_COGNITO_USER_POOL_CLIENT_ID: '' })
  assert.is(r.code, 2, r.all)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, 'nothing was changed')
  assert.match(r.stderr, 'AWS_COGNITO_USER_POOL_ID')
  assert.match(r.stderr, 'AWS_COGNITO_USER_POOL_CLIENT_ID')
  assert.is((await revisions()).length, 0)
})

live('two arguments: usage error, exit 2', async () => {
  const r = await run(['backend-flask', 'extra'])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'unexpected argument extra')
})

live('--help: exit 0, shows FAMILY and the required variables', async () => {
  const r = await run(['--help'])
  assert.is(r.code, 0)
  for (const text of ['[FAMILY]', '--dry-run', '--json', 'AWS_COGNITO_USER_POOL_ID', 'AWS_COGNITO_USER_POOL_CLIENT_ID', 'IMAGE_TAG']) {
    assert.match(r.stdout, text)
  }
})

live.run()

const urls = suite("the backend's URLs (FRONTEND_URL, BACKEND_URL): derived, never *")
urls.before.each(async () => {
  await resetMoto()
})
const variable = (def: Awaited<ReturnType<typeof describe>>, name: string) => container(def?.containerDefinitions)?.environment?.find((e) => e.name === name)?.value

urls('with DOMAIN_NAME: https://<domain> and https://api.<domain>, no AWS resource needed', async () => {
  const r = await run([], { DOMAIN_NAME: 'Cruddur.Example.com' })
  assert.is(r.code, 0, r.all)
  const def = await describe()
  assert.is(variable(def, 'FRONTEND_URL'), 'https://cruddur.example.com')
  assert.is(variable(def, 'BACKEND_URL'), 'https://api.cruddur.example.com')
})

urls("without a domain: http://<the load balancer's DNS name> for both; a second run registers nothing new", async () => {
  const dnsName = await createLoadBalancer('cruddur-alb')
  const r = await run([], { DOMAIN_NAME: undefined })
  assert.is(r.code, 0, r.all)
  const def = await describe()
  assert.is(variable(def, 'FRONTEND_URL'), `http://${dnsName}`)
  assert.is(variable(def, 'BACKEND_URL'), `http://${dnsName}`)
  const again = await run([], { DOMAIN_NAME: undefined })
  assert.is(again.code, 0, again.all)
  assert.match(again.stdout, /unchanged\s+task definition backend-flask: backend-flask:1/)
  assert.is((await revisions()).length, 1)

  // Then a domain: the URLs change, so a new revision has them.
  const domain = await run([], { DOMAIN_NAME: 'cruddur.example.com' })
  assert.match(domain.stdout, /updated\s+task definition backend-flask: backend-flask:2 .*environment\[BACKEND_URL\]\.value/)
  assert.is(variable(await describe(), 'BACKEND_URL'), 'https://api.cruddur.example.com')
})

urls('LOAD_BALANCER_NAME names the load balancer whose DNS name the URLs take', async () => {
  await createLoadBalancer('cruddur-alb')
  const other = await createLoadBalancer('other-alb')
  const r = await run([], { DOMAIN_NAME: undefined, LOAD_BALANCER_NAME: 'other-alb' })
  assert.is(r.code, 0, r.all)
  assert.is(variable(await describe(), 'BACKEND_URL'), `http://${other}`)
})

urls('without a domain or a load balancer: exit 1, one line naming the step to run first, nothing registered; --dry-run plans with a stand-in', async () => {
  const r = await run([], { DOMAIN_NAME: undefined })
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout + r.stderr, 'no load balancer cruddur-alb: run ./scripts/elbv2/create-load-balancer first, or set DOMAIN_NAME')
  assert.not.match(r.all, /\n\s+at /, 'no stack trace')
  assert.is((await revisions()).length, 0)

  const plan = await run(['--dry-run'], { DOMAIN_NAME: undefined })
  assert.is(plan.code, 0, plan.all)
  assert.match(plan.stdout, /would create\s+task definition backend-flask: first revision; its service URLs are worked out once load balancer cruddur-alb exists/)
  assert.is((await revisions()).length, 0)
})

urls('in provision, the task definition that uses a URL waits for the load balancer step; one that uses none does not', () => {
  const waits = waitsFor(allSteps(declaredServices()))
  assert.ok(waits.get('ecs/register-task-definition:backend-flask')?.includes(loadBalancerStep.id))
  assert.not.ok(waits.get('ecs/register-task-definition:frontend-react-js')?.includes(loadBalancerStep.id))
  assert.ok(taskDefinitionStep(serviceNamed('backend-flask')).needs.includes(loadBalancerStep))
})

urls.run()

const subset = suite('differences(desired, actual) (pure)')

subset('keys only AWS has (defaults) are ignored', () => {
  const desired = { family: 'f', containerDefinitions: [{ name: 'app', image: 'i', portMappings: [{ containerPort: 4567 }] }] }
  const actual = {
    family: 'f',
    revision: 4,
    status: 'ACTIVE',
    compatibilities: ['EC2', 'FARGATE'],
    containerDefinitions: [{ name: 'app', image: 'i', cpu: 0, mountPoints: [], volumesFrom: [], portMappings: [{ containerPort: 4567, hostPort: 4567, protocol: 'tcp' }] }],
  }
  assert.equal(differences(desired, actual), [])
})

subset('arrays of named objects compare as sets, by name', () => {
  const desired = { environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }
  assert.equal(differences(desired, { environment: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }), [])
  assert.equal(differences(desired, { environment: [{ name: 'B', value: '2' }, { name: 'A', value: 'x' }] }), ['environment[A].value'])
  assert.equal(differences(desired, { environment: [{ name: 'A', value: '1' }] }), ['environment[B]'])
  assert.equal(differences(desired, { environment: [...desired.environment, { name: 'C', value: '3' }] }), ['environment[C]'])
})

subset('readable nested paths', () => {
  const desired = { containerDefinitions: [{ name: 'backend-flask', image: 'r/b:v2', logConfiguration: { options: { 'awslogs-group': '/g' } } }] }
  const actual = { containerDefinitions: [{ name: 'backend-flask', image: 'r/b:v1', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/other' } } }] }
  assert.equal(differences(desired, actual), [
    'containerDefinitions[backend-flask].image',
    'containerDefinitions[backend-flask].logConfiguration.options.awslogs-group',
  ])
})

subset('other arrays compare item by item: order and length count', () => {
  const desired = { healthCheck: { command: ['CMD-SHELL', 'python x'] } }
  assert.equal(differences(desired, { healthCheck: { command: ['CMD-SHELL', 'python x'] } }), [])
  assert.equal(differences(desired, { healthCheck: { command: ['python x', 'CMD-SHELL'] } }), ['healthCheck.command[0]', 'healthCheck.command[1]'])
  assert.equal(differences(desired, { healthCheck: { command: ['CMD-SHELL'] } }), ['healthCheck.command'])
  assert.equal(differences({ requiresCompatibilities: ['FARGATE'] }, { requiresCompatibilities: ['EC2', 'FARGATE'] }), ['requiresCompatibilities'])
})

subset('types count; a missing key differs; an empty desired list matches a missing one', () => {
  assert.equal(differences({ cpu: '256' }, { cpu: 256 }), ['cpu'])
  assert.equal(differences({ taskRoleArn: 'arn:r' }, {}), ['taskRoleArn'])
  assert.equal(differences({ mountPoints: [] }, {}), [])
  assert.equal(differences({ options: {} }, {}), [])
  assert.equal(differences({ options: { a: '1' } }, { options: 'x' }), ['options'])
  assert.equal(differences('a', 'b'), ['(whole document)'])
})

subset('tag lists compare by key, as a subset: tags added since (the deploy record) force no new revision', () => {
  const desired = { tags: [{ key: 'project', value: 'cruddur' }] }
  const recorded = { tags: [{ key: 'cruddur-kit:deployed-ok', value: '2026-11-27T10:00:00Z' }, { key: 'project', value: 'cruddur' }] }
  assert.equal(differences(desired, recorded), [])
  assert.equal(differences(desired, { tags: [{ key: 'project', value: 'other' }] }), ['tags[project]'])
  assert.equal(differences(desired, { tags: [] }), ['tags[project]'])
})

subset('pinnedPair: a digest-pinned image of the same repository as the template\'s tag', () => {
  const digest = `sha256:${'a'.repeat(64)}`
  const reg = '123456789012.dkr.ecr.eu-west-2.amazonaws.com'
  assert.equal(pinnedPair(`${reg}/backend-flask:latest`, `${reg}/backend-flask@${digest}`), { repository: 'backend-flask', tag: 'latest', digest })
  assert.is(pinnedPair(`${reg}/backend-flask:latest`, `${reg}/other@${digest}`), undefined)
  assert.is(pinnedPair(`${reg}/backend-flask:latest`, `${reg}/backend-flask:v2`), undefined)
  assert.is(pinnedPair(`${reg}/backend-flask:latest`, undefined), undefined)
})

subset('pinnedImageStands: with IMAGE_TAG unset and the default tag, what deploy pinned stands; with IMAGE_TAG set, while the tag names it', () => {
  const pair = { tag: 'latest', digest: `sha256:${'a'.repeat(64)}` }
  const other = `sha256:${'b'.repeat(64)}`
  assert.ok(pinnedImageStands({}, pair, other), 'deploy --tag v2 pinned another digest than :latest names')
  assert.ok(pinnedImageStands({}, pair, undefined))
  assert.not.ok(pinnedImageStands({ IMAGE_TAG: 'latest' }, pair, other))
  assert.ok(pinnedImageStands({ IMAGE_TAG: 'latest' }, pair, pair.digest))
  assert.not.ok(pinnedImageStands({}, { ...pair, tag: 'v3' }, other), 'a template that names its own tag')
})

subset('summarizePaths shortens long lists', () => {
  assert.is(summarizePaths(['a', 'b']), 'a, b')
  assert.is(summarizePaths(['a', 'b', 'c', 'd', 'e']), 'a, b, c and 2 more')
})

subset('serviceNamed: bad names and undeclared families, with the choices', () => {
  assert.is(serviceNamed('backend-flask').taskDefinitionFile, 'task-definitions/backend-flask.json')
  assert.throws(() => serviceNamed('x'), /available: backend-flask, frontend-react-js/)
  assert.throws(() => serviceNamed('../x'), /not a service name/)
})

subset.run()
