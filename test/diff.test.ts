// scripts/diff: the templates against what ECS runs. Pure parts (the unified diff, the
// documents brought to one shape, secrets masked) as tables; the script against moto after
// provision, then with a kit copy's templates changed (the checkout is never written).
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openContext } from '../lib/aws/context.js'
import { ROOT } from '../lib/config/paths.js'
import { differences, inShapeOf } from '../lib/core/diff.js'
import { carriedOnly, comparableRequest, compareDocuments, maskBoth, maskText, secretValues, serviceAsRequested } from '../lib/diff/normalise.js'
import { unifiedDiff } from '../lib/diff/unified.js'
import type { DiffDocument } from '../lib/kit/diff.js'
import { pushImage } from './helpers/deploy-fixture.js'
import { copyKit, type KitCopy } from './helpers/kit.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { provisionStack, STACK_ENV } from './helpers/stack.js'

// ---------------------------------------------------------------- the unified diff (pure)

const unified = suite('diff: unified diff of two texts (pure)')
const lines = (...items: string[]) => items.map((l) => `${l}\n`).join('')
const names = { from: 'a', to: 'b' }

unified('the same lines: no diff at all', () => {
  assert.is(unifiedDiff(lines('x', 'y'), lines('x', 'y'), names), '')
  assert.is(unifiedDiff('', '', names), '')
})

unified('table: hunk headers and lines as diff -u writes them', () => {
  const ten = Array.from({ length: 10 }, (_, i) => `l${i + 1}`)
  const table: Array<[string, string, string, string[]]> = [
    ['one line changed in the middle, 3 lines of context', lines(...ten), lines(...ten.map((l) => (l === 'l5' ? 'L5' : l))), ['@@ -2,7 +2,7 @@', ' l2', ' l3', ' l4', '-l5', '+L5', ' l6', ' l7', ' l8']],
    ['added at the end', lines('a', 'b'), lines('a', 'b', 'c'), ['@@ -1,2 +1,3 @@', ' a', ' b', '+c']],
    ['removed at the start', lines('a', 'b'), lines('b'), ['@@ -1,2 +1 @@', '-a', ' b']],
    ['from nothing: every line added', '', lines('a', 'b'), ['@@ -0,0 +1,2 @@', '+a', '+b']],
    ['to nothing: every line removed', lines('a'), '', ['@@ -1 +0,0 @@', '-a']],
    ['changes far apart: two hunks', lines(...ten), lines(...ten.map((l) => (l === 'l1' || l === 'l10' ? l.toUpperCase() : l))), ['@@ -1,4 +1,4 @@', '-l1', '+L1', ' l2', ' l3', ' l4', '@@ -7,4 +7,4 @@', ' l7', ' l8', ' l9', '-l10', '+L10']],
  ]
  for (const [what, before, after, body] of table) {
    assert.is(unifiedDiff(before, after, names), ['--- a', '+++ b', ...body].join('\n') + '\n', what)
  }
})

unified('context 0 and 1', () => {
  assert.is(unifiedDiff(lines('a', 'b', 'c'), lines('a', 'B', 'c'), { ...names, context: 0 }), ['--- a', '+++ b', '@@ -2 +2 @@', '-b', '+B'].join('\n') + '\n')
  assert.is(unifiedDiff(lines('a', 'b', 'c', 'd'), lines('a', 'B', 'c', 'd'), { ...names, context: 1 }), ['--- a', '+++ b', '@@ -1,3 +1,3 @@', ' a', '-b', '+B', ' c'].join('\n') + '\n')
})

// ---------------------------------------------------------------- normalisation (pure)

const shape = suite('diff: documents in one shape, secrets masked (pure)')
const same = { from: 'deployed', to: 'file', hide: (t: string) => t }

shape('what ECS adds is no difference: revision, status, defaults, empties; keyed items in the template\'s order', () => {
  const desired = {
    family: 'api',
    memory: '512',
    tags: [{ key: 'project', value: 'cruddur' }],
    containerDefinitions: [{ name: 'api', image: 'r/api:1', mountPoints: [], environment: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }],
  }
  const deployed = {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-2:1:task-definition/api:3',
    revision: 3,
    status: 'ACTIVE',
    requiresAttributes: [{ name: 'ecs.capability.x' }],
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: new Date(0).toISOString(),
    family: 'api',
    memory: '512',
    tags: [{ key: 'kit:deployed', value: 'x' }, { key: 'project', value: 'cruddur' }],
    containerDefinitions: [{ name: 'api', image: 'r/api:1', cpu: 0, volumesFrom: [], environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }],
  }
  assert.equal(differences(desired, deployed), [])
  assert.equal(inShapeOf(desired, deployed), desired)
  assert.equal(compareDocuments(desired, deployed, same), { diff: '', changed: [], notCompared: [] })
})

shape('table: inShapeOf shows exactly what differences() finds', () => {
  const table: Array<[string, unknown, unknown]> = [
    ['a value', { memory: '512' }, { memory: '1024' }],
    ['a key the answer lacks', { memory: '512', cpu: '256' }, { memory: '512' }],
    ['an item only the answer has', { env: [{ name: 'A', value: '1' }] }, { env: [{ name: 'A', value: '1' }, { name: 'Z', value: '9' }] }],
    ['an item only the template has', { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { env: [{ name: 'A', value: '1' }] }],
    ['a tag\'s value', { tags: [{ key: 'k', value: 'v' }] }, { tags: [{ key: 'k', value: 'w' }] }],
    ['a list of another length', { command: ['a', 'b'] }, { command: ['a'] }],
    ['a type', { port: 80 }, { port: '80' }],
  ]
  for (const [what, desired, deployed] of table) {
    assert.ok(differences(desired, deployed).length > 0, what)
    assert.not.equal(inShapeOf(desired, deployed), desired, what)
    const { diff, changed } = compareDocuments(desired, deployed, same)
    assert.equal(changed, differences(desired, deployed), what)
    assert.match(diff, /^@@ /m, what)
  }
})

shape('the changed path and the line: a memory change reads "-  memory 512 / +  memory 1024"', () => {
  const { diff, changed } = compareDocuments({ family: 'api', memory: '1024' }, { family: 'api', memory: '512', revision: 4 }, { from: 'api:4 (deployed)', to: 't.json (rendered)', hide: (t) => t })
  assert.equal(changed, ['memory'])
  assert.is(diff, ['--- api:4 (deployed)', '+++ t.json (rendered)', '@@ -1,4 +1,4 @@', ' {', '   "family": "api",', '-  "memory": "512"', '+  "memory": "1024"', ' }', ''].join('\n'))
})

shape('not deployed: every line added, the whole document changed', () => {
  const { diff, changed } = compareDocuments({ a: 1 }, undefined, { ...same, from: '(not deployed)' })
  assert.equal(changed, ['(whole document)'])
  assert.is(diff, ['--- (not deployed)', '+++ file', '@@ -0,0 +1,3 @@', '+{', '+  "a": 1', '+}', ''].join('\n'))
})

shape('a service: fields the answer does not carry are not compared, and named', () => {
  const request = { desiredCount: 1, enableExecuteCommand: true, deploymentConfiguration: { maximumPercent: 200 }, loadBalancers: [], tags: [{ key: 'k', value: 'v' }] }
  const moto = { desiredCount: 1, tags: [{ key: 'k', value: 'v' }] }
  assert.equal(carriedOnly(request, moto), { desired: { desiredCount: 1, loadBalancers: [], tags: [{ key: 'k', value: 'v' }] }, notCompared: ['enableExecuteCommand', 'deploymentConfiguration'] })
  assert.equal(compareDocuments(request, moto, { ...same, carriedOnly: true }), { diff: '', changed: [], notCompared: ['enableExecuteCommand', 'deploymentConfiguration'] })
  // What the answer carries is compared, nested too.
  const aws = { ...moto, desiredCount: 2, enableExecuteCommand: true, deploymentConfiguration: { maximumPercent: 100 } }
  const compared = compareDocuments(request, aws, { ...same, carriedOnly: true })
  assert.equal(compared.changed, ['desiredCount', 'deploymentConfiguration.maximumPercent'])
  assert.equal(compared.notCompared, [])
})

shape('a running service in its request\'s words: cluster by name, family, Service Connect from the PRIMARY deployment, network as a set', () => {
  const request = { serviceName: 'api', cluster: 'cruddur', taskDefinition: 'api', networkConfiguration: { awsvpcConfiguration: { subnets: ['s-b', 's-a'], securityGroups: ['sg-1'] } } }
  const running = serviceAsRequested(
    {
      clusterArn: 'arn:aws:ecs:eu-west-2:1:cluster/cruddur',
      taskDefinition: 'arn:aws:ecs:eu-west-2:1:task-definition/api:7',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['s-a', 's-b'], securityGroups: ['sg-1'] } },
      deployments: [
        { status: 'ACTIVE', serviceConnectConfiguration: { enabled: false } },
        { status: 'PRIMARY', serviceConnectConfiguration: { enabled: true, namespace: 'cruddur' } },
      ],
    },
    request,
  )
  assert.is(running.cluster, 'cruddur')
  assert.is(running.taskDefinition, 'api')
  assert.equal(running.serviceConnectConfiguration, { enabled: true, namespace: 'cruddur' })
  assert.equal(compareDocuments(comparableRequest(request), running, { ...same, carriedOnly: true }).changed, [])
  // A revision asked for by number is compared by number.
  assert.is(serviceAsRequested({ taskDefinition: 'arn:aws:ecs:eu-west-2:1:task-definition/api:7' }, { serviceName: 'api', taskDefinition: 'api:6' }).taskDefinition, 'api:7')
  // A namespace ECS answers as an ARN cannot be compared with the file's name: not compared, not a difference.
  const arn = serviceAsRequested({ deployments: [{ status: 'PRIMARY', serviceConnectConfiguration: { enabled: true, namespace: 'arn:aws:servicediscovery:eu-west-2:1:namespace/ns-1' } }] }, { serviceName: 'api', serviceConnectConfiguration: { enabled: true, namespace: 'cruddur' } })
  const compared = compareDocuments({ serviceConnectConfiguration: { enabled: true, namespace: 'cruddur' } }, arn, { ...same, carriedOnly: true })
  assert.equal(compared.changed, [])
  assert.equal(compared.notCompared, ['serviceConnectConfiguration.namespace'])
})

shape('secrets: values of secret names, secret-looking values, registered ones; never ARNs; a changed secret still shows a line', () => {
  const desired = {
    environment: [
      { name: 'ROLLBAR_ACCESS_TOKEN', value: 'tok-new-1234' },
      { name: 'DATABASE', value: 'postgresql://u:pw-9876@db:5432/x' },
      { name: 'MY_SETTING', value: 'plain' },
      { name: 'NOTE', value: 'x-registered-secret-y' },
    ],
    secrets: [{ name: 'CONNECTION_URL', valueFrom: 'arn:aws:ssm:eu-west-2:1:parameter/cruddur/api/CONNECTION_URL' }],
  }
  const deployed = { environment: [{ name: 'ROLLBAR_ACCESS_TOKEN', value: 'tok-old-5678' }, ...desired.environment.slice(1)], secrets: desired.secrets }
  const found = secretValues([desired, deployed], new Set(['ROLLBAR_ACCESS_TOKEN']))
  assert.equal([...found].sort(), ['postgresql://u:pw-9876@db:5432/x', 'tok-new-1234', 'tok-old-5678'])
  const hide = (t: string) => maskText(t, found, (text) => text.split('registered-secret').join('****'))
  const { diff, changed } = compareDocuments(desired, deployed, { ...same, hide })
  assert.equal(changed, ['environment[ROLLBAR_ACCESS_TOKEN].value'])
  for (const secret of ['tok-new', 'tok-old', 'pw-9876', 'registered-secret']) assert.not.match(diff, secret)
  assert.match(diff, /^- {6}"value": "\*\*\*\*"$/m)
  assert.match(diff, /^\+ {6}"value": "\*\*\*\* \(changed\)"$/m)
  // Where a secret lives is not one.
  assert.equal(maskBoth(desired.secrets, deployed.secrets, hide)[0], desired.secrets)
  // Same secret on both sides: masked, no line.
  assert.equal(maskBoth({ v: 'tok-new-1234' }, { v: 'tok-new-1234' }, hide), [{ v: '****' }, { v: '****' }])
})

// ---------------------------------------------------------------- the script, against moto

const MOTO = process.env.AWS_ENDPOINT_URL as string
const ENV = { ...STACK_ENV, AWS_ENDPOINT_URL: MOTO }
const live = suite('diff: the templates against what runs (moto)')
let copy: KitCopy | undefined

const documentOf = (stdout: string): DiffDocument => JSON.parse(stdout) as DiffDocument

live.before(async () => {
  await resetMoto()
  await provisionStack(MOTO)
})
live.after(() => copy?.remove())

live('after provision: nothing differs, exit 0; what moto does not keep is named as not compared', async () => {
  const r = await runKit('diff', [], { env: ENV })
  assert.is(r.code, 0, r.all)
  assert.not.match(r.stdout, /^(---|\+\+\+|@@)/m)
  assert.match(r.stdout, /^✓ backend-flask: as task-definitions\/backend-flask.json and json\/service-backend-flask.json render$/m)
  assert.match(r.stdout, /not compared \(ECS's answer does not carry them\): .*deploymentConfiguration/)
  assert.match(r.stdout, /enableExecuteCommand/)
  assert.match(r.stdout, /no differences: backend-flask as the templates render/)
})

live('--json: per service the task definition and service parts, what runs, differs', async () => {
  const r = await runKit('diff', ['backend-flask', '--json'], { env: ENV })
  assert.is(r.code, 0, r.all)
  const document = documentOf(r.stdout)
  assert.is(document.differs, false)
  assert.is(document.cluster, 'cruddur')
  assert.is(document.services.length, 1)
  const [entry] = document.services
  assert.is(entry.service, 'backend-flask')
  assert.is(entry.deployed, true)
  assert.is(entry.differs, false)
  assert.match(entry.taskDefinition.deployed ?? '', /^backend-flask:\d+$/)
  assert.equal({ diff: entry.taskDefinition.diff, changed: entry.taskDefinition.changed, file: entry.taskDefinition.file }, { diff: '', changed: [], file: 'task-definitions/backend-flask.json' })
  assert.match(entry.serviceDefinition.deployed ?? '', /^arn:aws:ecs:.*service\/cruddur\/backend-flask$/)
  assert.equal(entry.serviceDefinition.changed, [])
  assert.ok(entry.serviceDefinition.notCompared.includes('serviceConnectConfiguration'))
})

live('a template changed (memory, an environment value): exit 1, the diff names the fields', async () => {
  copy ??= copyKit()
  const file = 'task-definitions/backend-flask.json'
  const template = JSON.parse(readFileSync(join(copy.root, file), 'utf8'))
  template.memory = '1024'
  copy.write(file, JSON.stringify(template, null, 2))
  // The README's sample is this run's output, line for line.
  const memory = await copy.run('diff', ['backend-flask'], { env: ENV })
  assert.is(memory.code, 1, memory.all)
  const sample = /\$ \.\/scripts\/diff backend-flask .*\n([\s\S]*?)\n```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1]
  assert.ok(sample, 'the diff sample is in the README')
  assert.is(memory.stdout.replace(/backend-flask:\d+ \(deployed\)/, 'backend-flask:1 (deployed)'), sample + '\n')
  template.containerDefinitions[0].environment.find((e: { name: string }) => e.name === 'FRONTEND_URL').value = 'https://cruddur.example'
  copy.write(file, JSON.stringify(template, null, 2))
  const r = await copy.run('diff', [], { env: ENV })
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, /^--- backend-flask:\d+ \(deployed\)$/m)
  assert.match(r.stdout, /^\+\+\+ task-definitions\/backend-flask.json \(rendered\)$/m)
  assert.match(r.stdout, /^- {2}"memory": "512",$/m)
  assert.match(r.stdout, /^\+ {2}"memory": "1024",$/m)
  assert.match(r.stdout, /^\+ {10}"value": "https:\/\/cruddur.example"$/m)
  assert.match(r.stdout, /✗ backend-flask: task definition differs in memory, containerDefinitions\[backend-flask\]\.environment\[FRONTEND_URL\]\.value/)
  const json = await copy.run('diff', ['--json'], { env: ENV })
  assert.is(json.code, 1)
  const entry = documentOf(json.stdout).services[0]
  assert.equal(entry.taskDefinition.changed, ['memory', 'containerDefinitions[backend-flask].environment[FRONTEND_URL].value'])
  assert.is(entry.differs, true)
  assert.equal(entry.serviceDefinition.changed, [])
})

live('a secret set as an environment value in a template never shows', async () => {
  copy ??= copyKit()
  const file = 'task-definitions/backend-flask.json'
  const template = JSON.parse(readFileSync(join(copy.root, file), 'utf8'))
  template.containerDefinitions[0].environment.push(
    { name: 'ROLLBAR_ACCESS_TOKEN', value: '${ROLLBAR_ACCESS_TOKEN}' },
    { name: 'HONEYCOMB_HEADER', value: 'x-honeycomb-team=${HONEYCOMB_API_KEY}' },
    { name: 'DB', value: '${PROD_CONNECTION_URL}' },
    // Registered nowhere: its name says it is a secret.
    { name: 'PARTNER_API_TOKEN', value: 'literal-partner-token-4711' },
  )
  copy.write(file, JSON.stringify(template, null, 2))
  for (const args of [[], ['--json']]) {
    const r = await copy.run('diff', args, { env: ENV })
    assert.is(r.code, 1, r.all)
    for (const secret of [STACK_ENV.ROLLBAR_ACCESS_TOKEN, STACK_ENV.HONEYCOMB_API_KEY, 'stack-test-pw', 'literal-partner-token-4711']) assert.not.ok(r.all.includes(secret), `${secret} in diff ${args.join(' ')}`)
    assert.match(r.stdout, /ROLLBAR_ACCESS_TOKEN/)
    assert.match(r.stdout, /x-honeycomb-team=\*\*\*\*/)
    assert.match(r.stdout, /PARTNER_API_TOKEN/)
  }
})

live('an image deployed by digest of the template\'s repository is no difference; another repository\'s is', async () => {
  const run = await openContext({ ...process.env, ...ENV }, { mode: 'apply' })
  const ecs = run.client(ECSClient, 'ECS')
  const digest = await pushImage(run, 'diff-v1')
  const current = (await ecs.send(new DescribeServicesCommand({ cluster: run.names.cluster, services: ['backend-flask'] }))).services?.[0]
  const { taskDefinition, tags } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current?.taskDefinition, include: ['TAGS'] }))
  const deployWith = async (image: (was: string) => string): Promise<void> => {
    const input = { ...(taskDefinition as RegisterTaskDefinitionCommandInput), tags, containerDefinitions: taskDefinition?.containerDefinitions?.map((c) => ({ ...c, image: image(c.image as string) })) }
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(input))
    await ecs.send(new UpdateServiceCommand({ cluster: run.names.cluster, service: 'backend-flask', taskDefinition: registered.taskDefinition?.taskDefinitionArn }))
  }
  await deployWith((was) => `${was.split(':')[0]}@${digest}`)
  const pinned = await runKit('diff', ['backend-flask', '--json'], { env: ENV })
  assert.is(pinned.code, 0, pinned.all)
  assert.match(documentOf(pinned.stdout).services[0].taskDefinition.deployed ?? '', /^backend-flask:\d+$/)
  await deployWith((was) => `${was.split('/')[0]}/another-repository@${digest}`)
  const other = await runKit('diff', ['backend-flask', '--json'], { env: ENV })
  assert.is(other.code, 1, other.all)
  assert.equal(documentOf(other.stdout).services[0].taskDefinition.changed, ['containerDefinitions[backend-flask].image'])
})

live('a service not deployed: reported as such, everything added, exit 1; an undeclared one: one line, exit 2', async () => {
  const r = await runKit('diff', ['frontend-react-js'], { env: ENV })
  assert.is(r.code, 1, r.all)
  assert.match(r.stdout, /^--- \(not deployed\)$/m)
  assert.match(r.stdout, /^\+\+\+ json\/service-frontend-react-js.json \(rendered\)$/m)
  assert.match(r.stdout, /^✗ frontend-react-js: not deployed \(everything would be added\)$/m)
  assert.not.match(r.stdout, /^-[^-]/m)
  const bad = await runKit('diff', ['no-such-service'], { env: ENV })
  assert.is(bad.code, 2)
  assert.is(bad.stdout, '')
  assert.is(bad.stderr.trim().split('\n').length, 1, bad.stderr)
  assert.match(bad.stderr, /service "no-such-service" is not declared in json\/services.json/)
})

live('--help', async () => {
  const r = await runKit('diff', ['--help'])
  assert.is(r.code, 0)
  assert.match(r.stdout, /unified diff/)
  assert.match(r.stdout, /--json/)
})

unified.run()
shape.run()
live.run()
