import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs'
import { openContext } from '../lib/aws/context.js'
import { containerInsightsOn, namespaceDiffers, wantsContainerInsights } from '../lib/steps/cluster.js'
import { declaredServices, DEFAULT_ROLLBACK_ALARMS } from '../lib/config/services.js'
import { clusterProblems } from '../lib/config/names.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

const SCRIPT = 'ecs/create-cluster'
const ecs = sdkContext.client(ECSClient, 'ECS')

async function describe(name = 'cruddur') {
  const r = await ecs.send(new DescribeClustersCommand({ clusters: [name], include: ['SETTINGS'] }))
  return { cluster: r.clusters?.[0], failures: r.failures ?? [] }
}
const insightsSetting = async (name = 'cruddur') => (await describe(name)).cluster?.settings?.find((s) => s.name === 'containerInsights')?.value

const live = suite('ecs/create-cluster against moto')
live.before.each(() => resetMoto())

live('from empty: creates cruddur with Service Connect namespace cruddur and Container Insights on, exit 0', async () => {
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /created\s+ecs cluster cruddur: Service Connect namespace cruddur, Container Insights enabled \(for the tasks-below-desired alarms\)/)
  // The rollback alarms' task counts come from Container Insights only.
  assert.is(await insightsSetting(), 'enabled')
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

live('an existing cluster without Container Insights: the plan names the setting, the run turns it on, a re-run changes nothing', async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur', serviceConnectDefaults: { namespace: 'cruddur' } }))
  const before = (await describe()).cluster
  assert.is(await insightsSetting(), 'disabled', "moto's default, as the account default is on AWS")
  const plan = await runKit(SCRIPT, ['--dry-run'])
  assert.is(plan.code, 0, plan.all)
  assert.match(plan.stdout, /would update\s+ecs cluster cruddur: Container Insights enabled \(for the tasks-below-desired alarms\) \(was disabled\)/)
  assert.is(await insightsSetting(), 'disabled', 'a dry run changes nothing')
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /updated\s+ecs cluster cruddur: Container Insights enabled/)
  assert.match(r.stdout, '0 created, 1 updated, 0 unchanged')
  assert.is(await insightsSetting(), 'enabled')
  const after = (await describe()).cluster
  assert.is(after?.clusterArn, before?.clusterArn, 'updated in place')
  assert.is(after?.serviceConnectDefaults?.namespace, 'cruddur', 'the namespace is left as it was')
  const again = await runKit(SCRIPT)
  assert.match(again.stdout, /unchanged\s+ecs cluster cruddur: Service Connect namespace cruddur, Container Insights enabled/)
  assert.match(again.stdout, '0 created, 0 updated, 1 unchanged')
})

live("Container Insights someone set to enhanced is kept (more than the alarms need, never turned down)", async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur', serviceConnectDefaults: { namespace: 'cruddur' }, settings: [{ name: 'containerInsights', value: 'enhanced' }] }))
  const r = await runKit(SCRIPT)
  assert.match(r.stdout, '0 created, 0 updated, 1 unchanged')
  assert.is(await insightsSetting(), 'enhanced')
})

live('drift: a cluster with another default namespace is updated to cruddur', async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: 'cruddur', serviceConnectDefaults: { namespace: 'elsewhere' } }))
  const r = await runKit(SCRIPT)
  assert.is(r.code, 0, r.all)
  // One UpdateCluster puts both right.
  assert.match(r.stdout, /updated\s+ecs cluster cruddur: Service Connect namespace cruddur \(was elsewhere\), Container Insights enabled/)
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
    { resource: 'ecs cluster', name: 'cruddur', outcome: 'created', detail: 'Service Connect namespace cruddur, Container Insights enabled (for the tasks-below-desired alarms)' },
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

pure('Container Insights is wanted while a service has the tasks-below-desired alarm; on means enabled or enhanced', () => {
  const shipped = declaredServices()
  assert.ok(wantsContainerInsights(shipped), 'the shipped services have rollback alarms')
  assert.is(wantsContainerInsights(shipped.map((s) => ({ ...s, rollbackAlarms: undefined }))), false, 'every service opted out ("rollbackAlarms": false)')
  assert.ok(wantsContainerInsights([{ ...shipped[0], rollbackAlarms: undefined }, shipped[1]]), 'one service with it is enough')
  const withoutTaskCount = shipped.map((s) => ({ ...s, rollbackAlarms: { ...DEFAULT_ROLLBACK_ALARMS, tasksBelowDesired: false as const } }))
  assert.is(wantsContainerInsights(withoutTaskCount), false, 'every service keeps its other alarms but drops the task count ("tasksBelowDesired": false)')
  assert.is(wantsContainerInsights([]), false)
  assert.is(containerInsightsOn(undefined), false)
  assert.is(containerInsightsOn([{ name: 'containerInsights', value: 'disabled' }]), false)
  assert.ok(containerInsightsOn([{ name: 'containerInsights', value: 'enabled' }]))
  assert.ok(containerInsightsOn([{ name: 'containerInsights', value: 'enhanced' }]))
})

pure('clusterProblems names the bad variable', () => {
  assert.equal(clusterProblems({ cluster: 'cruddur', namespace: 'cruddur' }), [])
  assert.match(clusterProblems({ cluster: 'a/b', namespace: 'cruddur' })[0], 'ECS_CLUSTER')
  assert.match(clusterProblems({ cluster: 'cruddur', namespace: 'a b' })[0], 'SERVICE_CONNECT_NAMESPACE')
})

pure.run()
