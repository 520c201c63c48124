import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageScanningConfigurationCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import { openContext } from '../lib/aws/context.js'
import { kitNames } from '../lib/config/names.js'
import type { StepContext } from '../lib/steps/step.js'
import { ecrRepositoriesStep, repositoryDrift } from '../lib/steps/ecr-repositories.js'
import { repositoryProblems } from '../lib/config/names.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

const SCRIPT = 'ecr/create-repositories'
const NAMES = ['cruddur-python', 'backend-flask', 'frontend-react-js']
const REGISTRY = '123456789012.dkr.ecr.eu-west-2.amazonaws.com'
const ecr = sdkContext.client(ECRClient, 'ECR')

async function repositories() {
  const r = await ecr.send(new DescribeRepositoriesCommand({}))
  return new Map((r.repositories ?? []).map((repo) => [repo.repositoryName as string, repo]))
}

const live = suite('ecr/create-repositories against moto')
live.before.each(() => resetMoto())

live('from empty: creates the three repositories, MUTABLE, scan on push, URIs printed', async () => {
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '3 created, 0 updated, 0 unchanged')
  for (const name of NAMES) assert.match(r.stdout, `created      ecr repository ${name}: ${REGISTRY}/${name}`)
  const repos = await repositories()
  assert.equal([...repos.keys()].sort(), [...NAMES].sort())
  for (const name of NAMES) {
    assert.is(repos.get(name)?.imageTagMutability, 'MUTABLE')
    assert.is(repos.get(name)?.imageScanningConfiguration?.scanOnPush, true)
  }
})

live('second run: all unchanged, URIs still printed, nothing re-created', async () => {
  assert.is((await runKit(SCRIPT)).code, 0)
  const before = await repositories()
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '0 created, 0 updated, 3 unchanged')
  for (const name of NAMES) assert.match(r.stdout, `unchanged    ecr repository ${name}: ${REGISTRY}/${name}`)
  const after = await repositories()
  for (const name of NAMES) assert.is(after.get(name)?.createdAt?.getTime(), before.get(name)?.createdAt?.getTime())
})

live('drift: a pre-existing repository with scan on push off is turned back on', async () => {
  await ecr.send(
    new CreateRepositoryCommand({ repositoryName: 'backend-flask', imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: false } }),
  )
  assert.is((await repositories()).get('backend-flask')?.imageScanningConfiguration?.scanOnPush, false)
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+ecr repository backend-flask: \S+\/backend-flask \(scan on push on \(was off\)\)/)
  assert.match(r.stdout, '2 created, 1 updated, 0 unchanged')
  assert.is((await repositories()).get('backend-flask')?.imageScanningConfiguration?.scanOnPush, true)
  assert.match((await runKit(SCRIPT)).stdout, '0 created, 0 updated, 3 unchanged')
})

live('drift: an IMMUTABLE repository is set back to MUTABLE (the guide’s setting)', async () => {
  await ecr.send(
    new CreateRepositoryCommand({ repositoryName: 'cruddur-python', imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true } }),
  )
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+ecr repository cruddur-python: .*tags MUTABLE \(was IMMUTABLE\)/)
  assert.is((await repositories()).get('cruddur-python')?.imageTagMutability, 'MUTABLE')
})

live('ECR_REPOSITORIES overrides the list', async () => {
  const r = await runKit(SCRIPT, [], { env: { ECR_REPOSITORIES: 'team/backend-flask, extra' } })
  assert.is(r.code, 0, r.all)
  assert.equal([...(await repositories()).keys()].sort(), ['extra', 'team/backend-flask'])
  assert.match(r.stdout, `${REGISTRY}/team/backend-flask`)
})

live('--dry-run: reports the plan and changes nothing, even on drift', async () => {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'backend-flask', imageScanningConfiguration: { scanOnPush: false } }))
  const r = await runKit(SCRIPT, ['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would create\s+ecr repository cruddur-python: 123456789012\.dkr\.ecr\.eu-west-2\.amazonaws\.com\/cruddur-python/)
  assert.match(r.stdout, /would update\s+ecr repository backend-flask/)
  assert.match(r.stdout, 'plan: 2 to create, 1 to update, 0 unchanged')
  const repos = await repositories()
  assert.equal([...repos.keys()], ['backend-flask'])
  assert.is(repos.get('backend-flask')?.imageScanningConfiguration?.scanOnPush, false)
})

live('--json: one JSON document, a change per repository with its URI', async () => {
  const r = await runKit(SCRIPT, ['--json'])
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout)
  const changes = doc.steps[0].changes as Array<{ name: string; outcome: string; detail: string }>
  assert.equal(
    changes.map((c) => [c.name, c.outcome]),
    NAMES.map((n) => [n, 'created']),
  )
  for (const c of changes) assert.ok(c.detail.startsWith(`${REGISTRY}/${c.name} `), c.detail)
  assert.equal(doc.summary, { created: 3, updated: 0, unchanged: 0, failed: 0 })
})

live('bad repository name: exit 2, one line naming it, nothing created', async () => {
  const r = await runKit(SCRIPT, [], { env: { ECR_REPOSITORIES: 'cruddur-python,Backend_Flask!' } })
  assert.is(r.code, 2)
  assert.is(r.stdout, '')
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /nothing was changed: ECR_REPOSITORIES: "Backend_Flask!" is not a valid repository name/)
  assert.is((await repositories()).size, 0)
})

live('--help lists ECR_REPOSITORIES and the step flags', async () => {
  const help = await runKit(SCRIPT, ['--help'])
  assert.is(help.code, 0)
  for (const s of ['ECR_REPOSITORIES', '--dry-run', '--json']) assert.match(help.stdout, s)
})

live.run()

const pure = suite('ecr step: pure parts')

pure('repositoryDrift names each difference', () => {
  assert.equal(repositoryDrift({ imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: true } }).phrases, [])
  const both = repositoryDrift({ imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: false } })
  assert.is(both.scan, true)
  assert.is(both.mutability, true)
  assert.equal(both.phrases, ['scan on push on (was off)', 'tags MUTABLE (was IMMUTABLE)'])
  // No scanning configuration reported: scan on push is off.
  assert.is(repositoryDrift({ imageTagMutability: 'MUTABLE' }).scan, true)
})

pure('repositoryProblems: empty list and bad names', () => {
  assert.equal(repositoryProblems(['cruddur-python', 'team/backend-flask']), [])
  assert.match(repositoryProblems([])[0], 'ECR_REPOSITORIES lists no repository')
  assert.match(repositoryProblems(['UPPER', 'a'])[0], '"UPPER", "a" are not valid repository names')
})

pure.run()

const scripted = suite('ecr step: concurrent runs (scripted ECR responses)')

scripted('"already exists" from CreateRepository counts as found, and its drift is still converged', async () => {
  const client = new ECRClient({ region: 'eu-west-2' })
  const mock = mockClient(client)
  const uri = `${REGISTRY}/backend-flask`
  // Our read finds nothing; another run creates it (scan on push off) before our create.
  mock
    .on(DescribeRepositoriesCommand)
    .rejectsOnce(new RepositoryNotFoundException({ message: 'not found', $metadata: {} }))
    .resolves({ repositories: [{ repositoryName: 'backend-flask', repositoryUri: uri, imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: false } }] })
  mock.on(CreateRepositoryCommand).rejects(new RepositoryAlreadyExistsException({ message: 'exists', $metadata: {} }))
  mock.on(PutImageScanningConfigurationCommand).resolves({})
  const ctx = {
    env: {},
    names: { ...kitNames({}), repositories: ['backend-flask'] },
    region: 'eu-west-2',
    account: '123456789012',
    dryRun: false,
    discovered: {},
    client: () => client,
    render: () => undefined,
  } as unknown as StepContext
  const changes = await ecrRepositoriesStep.run(ctx)
  assert.equal(changes, [{ resource: 'ecr repository', name: 'backend-flask', outcome: 'updated', detail: `${uri} (scan on push on (was off))` }])
  assert.is(mock.commandCalls(CreateRepositoryCommand).length, 1)
  assert.equal(mock.commandCalls(PutImageScanningConfigurationCommand)[0].args[0].input, {
    repositoryName: 'backend-flask',
    imageScanningConfiguration: { scanOnPush: true },
  })
  mock.restore()
})

scripted('any other error from DescribeRepositories fails the step (no blind create)', async () => {
  const client = new ECRClient({ region: 'eu-west-2' })
  const mock = mockClient(client)
  const denied = Object.assign(new Error('User is not authorized to perform: ecr:DescribeRepositories'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })
  mock.on(DescribeRepositoriesCommand).rejects(denied)
  const ctx = {
    env: {}, names: kitNames({}), region: 'eu-west-2', account: '123456789012', dryRun: false, discovered: {},
    client: () => client, render: () => undefined,
  } as unknown as StepContext
  await ecrRepositoriesStep.run(ctx).then(
    () => assert.unreachable('should have failed'),
    (error: Error) => assert.is(error.name, 'AccessDeniedException'),
  )
  assert.is(mock.commandCalls(CreateRepositoryCommand).length, 0)
  mock.restore()
})

scripted.run()
