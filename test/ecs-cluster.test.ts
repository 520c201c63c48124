import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { namespaceDiffers } from '../lib/steps/cluster.js'
import { clusterProblems } from '../lib/config/names.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

const SCRIPT = 'ecs/create-cluster'
const ecs = sdkContext.client(ECSClient, 'ECS')

async function describe(name = 'cruddur') {
  const r = await ecs.send(new DescribeClustersCommand({ clusters: [name] }))
  return { cluster: r.clusters?.[0], failures: r.failures ?? [] }
}

const live = suite('ecs/create-cluster against moto')
live.before.each(() => resetMoto())

live('from empty: creates cruddur with Service Connect namespace cruddur, exit 0', async () => {
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /created\s+ecs cluster cruddur: Service Connect namespace cruddur/)
  assert.match(r.stdout, '1 created, 0 updated, 0 unchanged')
  const { cluster } = await describe()
  assert.is(cluster?.status, 'ACTIVE')
  // moto keeps what CreateCluster was sent; real ECS reports the namespace's ARN.
  assert.is(cluster?.serviceConnectDefaults?.namespace, 'cruddur')
})

live('second run: unchanged, and the cluster is the same one', async () => {
  assert.is((await runKit(SCRIPT)).code, 0)
  const before = (await describe()).cluster
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /unchanged\s+ecs cluster cruddur/)
  assert.match(r.stdout, '0 created, 0 updated, 1 unchanged')
  const after = (await describe()).cluster
  assert.is(after?.clusterArn, before?.clusterArn)
  assert.equal(after?.serviceConnectDefaults, before?.serviceConnectDefaults)
})

live('drift: a cluster with another default namespace is updated to cruddur', async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur', serviceConnectDefaults: { namespace: 'elsewhere' } }))
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+ecs cluster cruddur: Service Connect namespace cruddur \(was elsewhere\)/)
  assert.is((await describe()).cluster?.serviceConnectDefaults?.namespace, 'cruddur')
  const again = await runKit(SCRIPT)
  assert.match(again.stdout, '0 created, 0 updated, 1 unchanged')
})

live('a deleted (INACTIVE) cluster is created again', async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur' }))
  await ecs.send(new DeleteClusterCommand({ cluster: 'cruddur' }))
  assert.is((await describe()).cluster?.status, 'INACTIVE')
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /created\s+ecs cluster cruddur: .*previous cluster of that name was deleted/)
  const { cluster } = await describe()
  assert.is(cluster?.status, 'ACTIVE')
  assert.is(cluster?.serviceConnectDefaults?.namespace, 'cruddur')
})

live('ECS_CLUSTER and SERVICE_CONNECT_NAMESPACE override the names', async () => {
  const r = await runKit(SCRIPT, [], { env: { ECS_CLUSTER: 'cruddur-staging', SERVICE_CONNECT_NAMESPACE: 'staging' } })
  assert.is(r.code, 0, r.all)
  const { cluster } = await describe('cruddur-staging')
  assert.is(cluster?.status, 'ACTIVE')
  assert.is(cluster?.serviceConnectDefaults?.namespace, 'staging')
  assert.is((await describe('cruddur')).failures[0]?.reason, 'MISSING')
})

live('--dry-run: reports the plan and creates nothing; on drift, changes nothing', async () => {
  const r = await runKit(SCRIPT, ['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /would create\s+ecs cluster cruddur/)
  assert.match(r.stdout, 'plan: 1 to create, 0 to update, 0 unchanged')
  assert.is((await describe()).failures[0]?.reason, 'MISSING')

  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur', serviceConnectDefaults: { namespace: 'elsewhere' } }))
  const drift = await runKit(SCRIPT, ['--dry-run'])
  assert.match(drift.stdout, /would update\s+ecs cluster cruddur/)
  assert.is((await describe()).cluster?.serviceConnectDefaults?.namespace, 'elsewhere')
})

live('--json: one JSON document with the change', async () => {
  const r = await runKit(SCRIPT, ['--json'])
  assert.is(r.code, 0, r.all)
  const doc = JSON.parse(r.stdout)
  assert.is(doc.dryRun, false)
  assert.is(doc.account, '123456789012')
  assert.equal(doc.steps[0].changes, [
    { resource: 'ecs cluster', name: 'cruddur', outcome: 'created', detail: 'Service Connect namespace cruddur' },
  ])
  assert.equal(doc.summary, { created: 1, updated: 0, unchanged: 0, failed: 0 })
})

live('bad ECS_CLUSTER: exit 2, one line naming it, nothing created', async () => {
  const r = await runKit(SCRIPT, [], { env: { ECS_CLUSTER: 'my cluster!' } })
  assert.is(r.code, 2)
  assert.is(r.stdout, '')
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /nothing was changed: ECS_CLUSTER must be .*"my cluster!"/)
  assert.equal((await ecs.send(new ListClustersCommand({}))).clusterArns ?? [], [])
})

live('--help lists the variables it reads; unknown flag exits 2', async () => {
  const help = await runKit(SCRIPT, ['--help'])
  assert.is(help.code, 0)
  for (const name of ['ECS_CLUSTER', 'SERVICE_CONNECT_NAMESPACE', '--dry-run', '--json']) assert.match(help.stdout, name)
  const bad = await runKit(SCRIPT, ['--force'])
  assert.is(bad.code, 2)
  assert.is(bad.stderr.trim().split('\n').length, 1)
})

live.run()

const pure = suite('cluster step: pure parts')

pure('namespaceDiffers compares like with like only', () => {
  assert.is(namespaceDiffers(undefined, 'cruddur'), false)
  assert.is(namespaceDiffers('cruddur', 'cruddur'), false)
  assert.is(namespaceDiffers('other', 'cruddur'), true)
  // Real ECS reports the Cloud Map ARN; a name cannot be compared with it.
  assert.is(namespaceDiffers('arn:aws:servicediscovery:eu-west-2:123456789012:namespace/ns-abc', 'cruddur'), false)
  assert.is(
    namespaceDiffers('arn:aws:servicediscovery:eu-west-2:123456789012:namespace/ns-abc', 'arn:aws:servicediscovery:eu-west-2:123456789012:namespace/ns-def'),
    true,
  )
})

pure('clusterProblems names the bad variable', () => {
  assert.equal(clusterProblems({ cluster: 'cruddur', namespace: 'cruddur' }), [])
  assert.match(clusterProblems({ cluster: 'a/b', namespace: 'cruddur' })[0], 'ECS_CLUSTER')
  assert.match(clusterProblems({ cluster: 'cruddur', namespace: 'a b' })[0], 'SERVICE_CONNECT_NAMESPACE')
})

pure.run()
