// `npx tsx bench/deploy.ts`: time to verdict on scripted ECS rollouts (lib/aws/rollout-emulator.ts
// in front of a local moto), the kit's wait against the SDK's waitUntilServicesStable and
// against ecspresso's rule (services-stable waiter, then "the PRIMARY deployment runs the new
// task definition"), each on the same timeline, with the same poll interval. Frames advance
// by wall-clock time here (every FRAME_MS), so every waiter sees the same ECS. Reports how long
// after ECS first shows the outcome each one reports, and whether what it reports is true. The
// timelines with ECS's service deployment records (a canary, a canary and a blue/green rolled
// back by an alarm, a rolling deployment rolled back by the circuit breaker) come last.
// Then an unchanged re-deploy through scripts/deploy: its time and its mutating calls.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { DescribeServicesCommand, ECSClient, waitUntilServicesStable } from '@aws-sdk/client-ecs'
import { openContext, type RunContext } from '../lib/aws/context.js'
import { startMoto } from '../lib/aws/emulator.js'
import { ROOT } from '../lib/config/paths.js'
import { waitForDeployment } from '../lib/deploy/wait.js'
import { deployFixture, FIXTURE_ENV, pushImage } from '../test/helpers/deploy-fixture.js'
import { RECORD_TIMELINES, startEcsTimeline, TIMELINES, type EcsTimeline, type Timeline } from '../lib/aws/rollout-emulator.js'

const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 50)
const FRAME_MS = Number(process.env.BENCH_FRAME_MS ?? 250)
const REDEPLOYS = Number(process.env.BENCH_REDEPLOY_RUNS ?? 5)

type Reported = 'success' | 'failure' | 'timeout'
interface Outcome {
  reported: Reported
  /** performance.now() when the waiter returned. */
  at: number
  detail: string
}
type Waiter = (ecs: ECSClient, expected: { deploymentId: string; taskDefinition: string }, maxMs: number) => Promise<Outcome>

const service = { cluster: 'cruddur', services: ['backend-flask'] }

const kit: Waiter = async (ecs, expected, maxMs) => {
  const devNull = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream
  const r = await waitForDeployment(ecs, { cluster: 'cruddur', service: 'backend-flask', expected, intervalMs: POLL_MS, timeoutMs: maxMs, stream: devNull })
  const v = r.verdict
  if (v.kind !== 'failure') return { reported: 'success', at: performance.now(), detail: v.kind }
  return { reported: v.cause === 'timeout' ? 'timeout' : 'failure', at: performance.now(), detail: `${v.cause}${r.judgedBy === 'records' ? ', from the record' : ''}` }
}

const sdkWaiter: Waiter = async (ecs, _expected, maxMs) => {
  const r = await waitUntilServicesStable({ client: ecs, maxWaitTime: maxMs / 1000, minDelay: POLL_MS / 1000, maxDelay: POLL_MS / 1000 }, service).then(
    (x) => x.state as string,
    (e: Error & { state?: string }) => e.state ?? e.name,
  )
  const reported: Reported = r === 'SUCCESS' ? 'success' : /TIMEOUT|TimeoutError/i.test(r) ? 'timeout' : 'failure'
  return { reported, at: performance.now(), detail: r }
}

const ecspresso: Waiter = async (ecs, expected, maxMs) => {
  const first = await sdkWaiter(ecs, expected, maxMs)
  if (first.reported !== 'success') return first
  // ecspresso's confirmPrimaryTD: after "stable", the PRIMARY deployment must run the new task definition.
  const primary = (await ecs.send(new DescribeServicesCommand(service))).services?.[0]?.deployments?.find((d) => d.status === 'PRIMARY')
  const ok = primary?.taskDefinition?.split('/').pop() === expected.taskDefinition.split('/').pop()
  return { reported: ok ? 'success' : 'failure', at: performance.now(), detail: ok ? 'stable, PRIMARY runs it' : 'stable, PRIMARY runs another revision' }
}

const WAITERS: Array<[string, Waiter]> = [
  ['kit', kit],
  ['waitUntilServicesStable', sdkWaiter],
  ["ecspresso's rule", ecspresso],
]

async function timeToVerdict(timeline: EcsTimeline, run: RunContext, proxied: RunContext): Promise<string[]> {
  const ecs = proxied.client(ECSClient, 'ECS')
  const account = await run.account()
  const newTd = `arn:aws:ecs:${run.region}:${account}:task-definition/backend-flask:2`
  const oldTd = `arn:aws:ecs:${run.region}:${account}:task-definition/backend-flask:1`
  const rows: string[] = [
    `| timeline | truth | ${WAITERS.map(([name]) => name).join(' | ')} |`,
    `| --- | --- | ${WAITERS.map(() => '---').join(' | ')} |`,
  ]
  // The last four keep ECS's service deployment records (where the kit judges from them); the others leave the records to moto (HTTP 500).
  // Timelines that script target health need a service behind a load balancer, which this fixture has not (test/front-door-deploy.test.ts runs them).
  const behindLoadBalancer = (t: Timeline) => t.frames.some((f) => f.targets)
  for (const t of [...Object.values(TIMELINES), ...Object.values(RECORD_TIMELINES)].filter((t) => !behindLoadBalancer(t)) as Timeline[]) {
    const cells: string[] = []
    const maxMs = (t.frames.length + 4) * FRAME_MS
    for (const [, waiter] of WAITERS) {
      timeline.forget()
      timeline.use(t, { everyMs: FRAME_MS })
      const c = timeline.arm({ serviceName: 'backend-flask', newTd, oldTd, region: run.region, clusterArn: `arn:aws:ecs:${run.region}:${account}:cluster/cruddur` })
      const out = await waiter(ecs, { deploymentId: c.newId, taskDefinition: newTd }, maxMs)
      const truthful = out.reported === t.truth
      const shown = timeline.shownAt.get(t.shows)
      let when: string
      if (out.reported === 'timeout') when = `gave up after ${(maxMs / 1000).toFixed(1)} s`
      else if (shown === undefined) when = `before ECS shows it`
      else when = `+${Math.max(0, out.at - shown).toFixed(0)} ms`
      const judged = truthful ? 'true' : out.reported === 'timeout' ? 'no verdict' : '**false**'
      cells.push(`${out.reported}${out.reported === 'failure' ? ` (${out.detail})` : ''}, ${when}, ${judged}`)
    }
    rows.push(`| ${t.name} | ${t.truth} | ${cells.join(' | ')} |`)
  }
  return rows
}

function timed(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(join(ROOT, 'scripts', script), args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, output }))
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const moto = await startMoto()
const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: moto.url, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION ?? 'eu-west-2', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', ...FIXTURE_ENV }
delete env.AWS_REGION
delete env.AWS_PROFILE
const timeline = await startEcsTimeline(moto.url)
try {
  const run = await openContext(env, { mode: 'read-only' })
  const proxied = await openContext({ ...env, AWS_ENDPOINT_URL: timeline.url }, { mode: 'read-only' })
  await deployFixture(run)

  console.log(`\nTime to verdict, scripted ECS rollouts (a frame every ${FRAME_MS} ms, every waiter polling every ${POLL_MS} ms):`)
  console.log('time = after ECS first shows the outcome (the failure, or the completed rollout); true = the verdict is what happened\n')
  for (const row of await timeToVerdict(timeline, run, proxied)) console.log(row)

  // An unchanged re-deploy through the real script: first a deploy to converge, then re-deploys.
  const kitEnv = { ...env, AWS_ENDPOINT_URL: timeline.url }
  timeline.forget()
  timeline.use(TIMELINES.clean)
  await pushImage(run, 'v2')
  const first = await timed('deploy', ['backend-flask', '--interval', String(POLL_MS / 1000)], kitEnv)
  if (first.code !== 0) throw new Error(`the first deploy failed:\n${first.output}`)
  console.log(`\nA deploy (clean scripted rollout), its output:\n\n${first.output.replace(/^/gm, '    ')}`)
  const times: number[] = []
  let mutations = 0
  let last = ''
  for (let i = 0; i < REDEPLOYS; i++) {
    timeline.calls.length = 0
    const again = await timed('deploy', ['backend-flask'], kitEnv)
    if (again.code !== 0) throw new Error(`the re-deploy failed:\n${again.output}`)
    times.push(again.ms)
    mutations += timeline.mutations().length
    last = again.output.trim()
  }
  console.log(`Unchanged re-deploy (scripts/deploy, cold start to exit), median of ${REDEPLOYS}: ${median(times).toFixed(0)} ms; mutating calls: ${mutations}`)
  console.log(`    ${last.split('\n').join('\n    ')}`)
} finally {
  await timeline.stop()
  await moto.stop()
}
