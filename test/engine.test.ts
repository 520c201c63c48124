import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { formatReport, formatSummary, fullSummary, runSteps, summarize, waitsFor, type StepReport } from '../lib/steps/engine.js'
import type { Change, Outcome, Step, StepContext } from '../lib/steps/step.js'

// A step that logs when it starts and ends, takes `ms`, and fails when asked. Its needs are
// references, as in lib/steps; the engine goes by their ids, so a stand-in with the id will do.
const ref = (id: string): Step => ({ id, title: id, needs: [], run: async () => [] })
const step = (id: string, needs: string[], log: string[], options: { fail?: boolean; ms?: number; outcome?: Outcome } = {}): Step => ({
  id,
  title: id,
  needs: needs.map(ref),
  async run() {
    log.push(`start ${id}`)
    await new Promise((r) => setTimeout(r, options.ms ?? 15))
    log.push(`end ${id}`)
    if (options.fail) throw new Error(`${id} broke`)
    return [{ resource: 'r', name: id, outcome: options.outcome ?? 'created' }]
  },
})
const ctx = {} as StepContext

// A small provisioning graph, as in lib/steps: service needs cluster, task definition and group;
// the task definition needs the role and the log group.
const graph = (log: string[], failing: string[] = []): Step[] =>
  [
    ['log', []],
    ['cluster', []],
    ['role', []],
    ['taskdef', ['role', 'log']],
    ['group', []],
    ['service', ['cluster', 'taskdef', 'group']],
  ].map(([id, needs]) => step(id as string, needs as string[], log, { fail: failing.includes(id as string), outcome: 'deleted' }))

const order = suite('lib/steps/engine: order')

const WAITS: Array<[string, boolean, Record<string, string[]>]> = [
  ['forward: each step waits for what it needs', false, { log: [], cluster: [], role: [], taskdef: ['role', 'log'], group: [], service: ['cluster', 'taskdef', 'group'] }],
  ['reverse: each step waits for what needs it', true, { log: ['taskdef'], cluster: ['service'], role: ['taskdef'], taskdef: ['service'], group: ['service'], service: [] }],
]
for (const [name, reverse, expected] of WAITS) {
  order(`waitsFor, ${name}`, () => {
    assert.equal(Object.fromEntries(waitsFor(graph([]), { reverse })), expected)
  })
}

order('waitsFor ignores needs outside the list and a step naming itself', () => {
  const steps = [step('a', ['a', 'elsewhere'], []), step('b', ['a', 'a'], [])]
  assert.equal(Object.fromEntries(waitsFor(steps, { reverse: true })), { a: ['b'], b: [] })
  assert.equal(Object.fromEntries(waitsFor(steps)), { a: [], b: ['a'] })
})

order('reverse: a step starts only after every step that needs it has ended', async () => {
  const log: string[] = []
  const reports = await runSteps(graph(log), ctx, () => {}, { reverse: true })
  const at = (event: string) => log.indexOf(event)
  for (const [before, after] of [
    ['service', 'cluster'],
    ['service', 'group'],
    ['service', 'taskdef'],
    ['taskdef', 'role'],
    ['taskdef', 'log'],
  ]) {
    assert.ok(at(`end ${before}`) < at(`start ${after}`), `${before} ends before ${after} starts: ${log.join(', ')}`)
  }
  // Results keep the order given, whatever order they ran in.
  assert.equal(reports.map((r) => r.id), ['log', 'cluster', 'role', 'taskdef', 'group', 'service'])
  assert.equal(summarize(reports), { created: 0, updated: 0, unchanged: 0, deleted: 6, failed: 0 })
})

order('reverse: independent steps run at the same time', async () => {
  const log: string[] = []
  await runSteps(graph(log), ctx, () => {}, { reverse: true })
  // cluster, taskdef and group wait only for service: all three start before any of them ends.
  const starts = ['cluster', 'taskdef', 'group'].map((id) => log.indexOf(`start ${id}`))
  const firstEnd = Math.min(...['cluster', 'taskdef', 'group'].map((id) => log.indexOf(`end ${id}`)))
  assert.ok(Math.max(...starts) < firstEnd, log.join(', '))
})

order('reverse: a failed step skips what waits for it, and only that', async () => {
  const log: string[] = []
  const reports = await runSteps(graph(log, ['taskdef']), ctx, () => {}, { reverse: true })
  const by = (id: string) => reports.find((r) => r.id === id) as StepReport
  assert.match(by('taskdef').error ?? '', 'taskdef broke')
  assert.is(by('role').skipped, true)
  assert.is(by('log').skipped, true)
  assert.is(by('role').error, 'skipped: taskdef failed')
  for (const id of ['service', 'cluster', 'group']) assert.is(by(id).error, undefined, id)
  assert.not.ok(log.includes('start role'))
  assert.is(formatSummary(summarize(reports), false, ['deleted', 'unchanged']), '3 deleted, 0 unchanged, 3 steps failed')
})

order('forward order is unchanged: a failed need skips its dependents', async () => {
  const log: string[] = []
  const reports = await runSteps(graph(log, ['role']), ctx)
  assert.is(reports.find((r) => r.id === 'taskdef')?.skipped, true)
  assert.is(reports.find((r) => r.id === 'service')?.skipped, true)
  assert.is(reports.find((r) => r.id === 'cluster')?.error, undefined)
})
order.run()

const format = suite('lib/steps/engine: the deleted outcome')
const report = (changes: Change[]): StepReport => ({ id: 'ecs/delete-cluster', title: 't', changes, seconds: 0.25 })
const deleted: Change = { resource: 'ecs cluster', name: 'cruddur', outcome: 'deleted', detail: 'was ACTIVE' }
const gone: Change = { resource: 'log group', name: '/x', outcome: 'unchanged', detail: 'already gone' }

const LINES: Array<[string, Change[], boolean, string[]]> = [
  ['done', [deleted], false, ['✓ ecs/delete-cluster                 1 deleted  (0.25s)', '    deleted      ecs cluster cruddur: was ACTIVE']],
  ['planned', [deleted], true, ['✓ ecs/delete-cluster                 1 would delete  (0.25s)', '    would delete ecs cluster cruddur: was ACTIVE']],
  ['mixed', [deleted, gone], false, ['✓ ecs/delete-cluster                 1 deleted, 1 unchanged  (0.25s)', '    deleted      ecs cluster cruddur: was ACTIVE', '    unchanged    log group /x: already gone']],
]
for (const [name, changes, dryRun, expected] of LINES) {
  format(`formatReport: ${name}`, () => assert.equal(formatReport(report(changes), dryRun), expected))
}

const SUMMARIES: Array<[string, Partial<Record<Outcome | 'failed', number>>, boolean, Outcome[] | undefined, string]> = [
  ['provisioning, as before', { created: 2, unchanged: 3 }, false, undefined, '2 created, 0 updated, 3 unchanged'],
  ['provisioning plan, as before', { created: 2 }, true, undefined, 'plan: 2 to create, 0 to update, 0 unchanged'],
  ['a deletion in a provisioning run is counted', { created: 1, deleted: 1 }, false, undefined, '1 created, 0 updated, 1 deleted, 0 unchanged'],
  ['teardown', { deleted: 7, unchanged: 2 }, false, ['deleted', 'unchanged'], '7 deleted, 2 unchanged'],
  ['teardown plan', { deleted: 7 }, true, ['deleted', 'unchanged'], 'plan: 7 to delete, 0 unchanged'],
  ['teardown with a failure', { deleted: 1, failed: 1 }, false, ['deleted', 'unchanged'], '1 deleted, 0 unchanged, 1 step failed'],
]
for (const [name, counts, dryRun, always, expected] of SUMMARIES) {
  format(`formatSummary: ${name}`, () => {
    const summary = { created: 0, updated: 0, unchanged: 0, failed: 0, ...counts }
    assert.is(formatSummary(summary, dryRun, always), expected)
  })
}

format('summarize counts deleted apart from the rest, and only when there is one (provisioning keeps its shape)', () => {
  assert.equal(summarize([report([deleted, deleted, gone])]), { created: 0, updated: 0, unchanged: 1, failed: 0, deleted: 2 })
  assert.equal(summarize([report([gone])]), { created: 0, updated: 0, unchanged: 1, failed: 0 })
  assert.equal(fullSummary(summarize([report([gone])])), { created: 0, updated: 0, unchanged: 1, failed: 0, deleted: 0 })
})
format.run()
