// `npm run bench [health|provision]`: side-by-side timings of the kit against the guide's
// own way, in one run on this machine, each cold start to exit. Reports medians and ratios.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs'
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam'
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { openContext } from '../lib/aws/context.js'
import { kitNames } from '../lib/config/names.js'
import { startMoto, type Emulator } from '../lib/aws/emulator.js'
import { onPath } from '../lib/core/shell.js'
import { ROOT } from '../lib/config/paths.js'
import { derivedValues, lookupIn, placeholderHint } from '../lib/steps/step.js'
import { loadTemplate, render } from '../lib/templates/template.js'
import { startFlask } from '../test/helpers/flask.js'

interface Timed {
  ms: number
  code: number | null
  output: string
}

function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, output }))
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`)

function check(label: string, run: Timed, expectCode = 0): void {
  if (run.code !== expectCode) throw new Error(`${label} exited ${run.code}, expected ${expectCode}:\n${run.output.slice(-2000)}`)
}

/** flask/health-check: the guide's Python script against ours, against a live Flask on :4567. */
async function benchHealth(runs: number): Promise<void> {
  const flask = await startFlask('ok', 4567).catch((e) => {
    throw new Error(`cannot start Flask on port 4567 (the guide's script hard-codes it): ${(e as Error).message}`)
  })
  try {
    const guide = join(ROOT, 'bench/guide/health-check')
    const ours = join(ROOT, 'scripts/flask/health-check')
    const python = onPath('python3') as string
    const samples = { guide: [] as number[], guideDirect: [] as number[], ours: [] as number[], node: [] as number[], nodeGet: [] as number[] }
    const interpreter = (await timeCommand(python, ['-c', 'import sys; print(sys.executable)'])).output.trim()
    const commands = {
      ours: () => timeCommand(ours, []),
      guide: () => timeCommand(guide, []),
      guideDirect: () => timeCommand(interpreter, [guide]),
      // The floor: Node starting and exiting with nothing to do.
      node: () => timeCommand(process.execPath, ['-e', '0']),
      // The floor of a Node health check: one bare GET, nothing else.
      nodeGet: () => timeCommand(process.execPath, [join(ROOT, 'bench/floor/node-get.mjs')]),
    }
    for (let i = 0; i < runs; i++) {
      // Alternate the order so drift on the machine falls on every side alike.
      const order = i % 2 ? (['ours', 'node', 'nodeGet', 'guide', 'guideDirect'] as const) : (['guide', 'guideDirect', 'nodeGet', 'node', 'ours'] as const)
      for (const who of order) {
        const run = await commands[who]()
        check(who, run)
        samples[who].push(run.ms)
      }
    }
    const g = median(samples.guide)
    const d = median(samples.guideDirect)
    const o = median(samples.ours)
    const n = median(samples.node)
    const ng = median(samples.nodeGet)
    console.log(`\nflask/health-check, ${runs} runs each, cold start to exit, healthy server:`)
    console.log(`  node -e 0 (the runtime's floor):                             median ${fmt(n)}`)
    console.log(`  a bare Node GET (bench/floor/node-get.mjs):                  median ${fmt(ng)}`)
    console.log(`  guide's Python script (#!/usr/bin/env python3 -> ${python}): median ${fmt(g)}`)
    console.log(`  guide's Python script (${interpreter} directly):            median ${fmt(d)}`)
    console.log(`  ./scripts/flask/health-check:                                median ${fmt(o)}`)
    console.log(`  ratio ours/node -e 0: ${(o / n).toFixed(2)} (goal: at most 1.15); ours/bare Node GET: ${(o / ng).toFixed(2)}; bare Node GET/node -e 0: ${(ng / n).toFixed(2)}`)
    console.log(`  ratio ours/guide: ${(o / g).toFixed(2)} (as run by its shebang), ${(o / d).toFixed(2)} (interpreter directly)`)
  } finally {
    await flask.stop()
  }
}

const DEMO_SECRETS = {
  AWS_ACCESS_KEY_ID: 'bench-access-key',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-key',
  PROD_CONNECTION_URL: 'postgresql://cruddur:bench-pw@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'bench-rollbar',
  HONEYCOMB_API_KEY: 'bench-honeycomb',
  AWS_COGNITO_USER_POOL_ID: 'eu-west-2_Bench',
  AWS_COGNITO_USER_POOL_CLIENT_ID: 'bench-client',
}

/** A fresh moto, loaded: moto sets each service up on its first request (ECS takes about a second). */
async function freshWarmMoto(env: NodeJS.ProcessEnv): Promise<Emulator> {
  const moto = await startMoto()
  const e = { ...env, AWS_ENDPOINT_URL: moto.url }
  const warm = await openContext(e, { mode: 'read-only' })
  await Promise.all([
    warm.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS').send(new DescribeLogGroupsCommand({})),
    warm.client(ECSClient, 'ECS').send(new ListClustersCommand({})),
    warm.client(ECRClient, 'ECR').send(new DescribeRepositoriesCommand({})),
    warm.client(SSMClient, 'SSM').send(new DescribeParametersCommand({})),
    warm.client(IAMClient, 'IAM').send(new ListRolesCommand({})),
    warm.client(EC2Client, 'EC2').send(new DescribeVpcsCommand({})),
    warm.client(STSClient, 'STS').send(new GetCallerIdentityCommand({})),
  ])
  return moto
}

/** The rendered policy and task-definition files the guide's commands read. */
function renderGuideFiles(env: NodeJS.ProcessEnv): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-bench-'))
  const names = kitNames(env)
  const lookup = lookupIn(derivedValues({ names, region: env.AWS_DEFAULT_REGION as string, accountId: '123456789012', discovered: {} }), env)
  for (const file of ['policies/service-assume-role-execution-policy.json', 'policies/service-execution-policy.json', 'task-definitions/backend-flask.json']) {
    mkdirSync(join(dir, dirname(file)), { recursive: true })
    writeFileSync(join(dir, file), JSON.stringify(render(loadTemplate(file), lookup, placeholderHint), null, 2))
  }
  return dir
}

/** The seconds provision's summary line reports for its steps: "0 created, ... (0.17s)". */
function stepSeconds(output: string): number {
  const match = /^\d+ created, \d+ updated, \d+ unchanged \((\d+(?:\.\d+)?)s\)$/m.exec(output)
  if (!match) throw new Error(`no summary line in provision's output:\n${output}`)
  return Number(match[1])
}

async function benchProvision(runs: number): Promise<void> {
  if (!onPath('aws')) throw new Error('the aws CLI is not on PATH: it runs the guide’s sequence (pip install awscli)')
  // The guide's commands make the backend's stack only: so does the kit here, for like work.
  const base: NodeJS.ProcessEnv = { ...process.env, AWS_DEFAULT_REGION: 'eu-west-2', AWS_ACCOUNT_ID: '123456789012', ECS_SERVICES: 'backend-flask', ...DEMO_SECRETS }
  delete base.AWS_REGION
  delete base.AWS_PROFILE
  const files = renderGuideFiles(base)
  // The rendered files go when the bench ends, however it ends.
  process.once('exit', () => rmSync(files, { recursive: true, force: true }))
  const samples = { guide: [] as number[], first: [] as number[], rerun: [] as number[], firstWork: [] as number[], rerunWork: [] as number[] }
  for (let i = 0; i < runs; i++) {
    for (const who of i % 2 ? (['kit', 'guide'] as const) : (['guide', 'kit'] as const)) {
      const moto = await freshWarmMoto(base)
      const env = { ...base, AWS_ENDPOINT_URL: moto.url }
      try {
        if (who === 'guide') {
          const run = await timeCommand('bash', [join(ROOT, 'bench/guide/provision.sh'), files], env)
          check('guide sequence', run)
          samples.guide.push(run.ms)
        } else {
          const first = await timeCommand(join(ROOT, 'scripts/provision'), [], env)
          check('provision', first)
          const rerun = await timeCommand(join(ROOT, 'scripts/provision'), [], env)
          check('provision (re-run)', rerun)
          if (!/\b0 created, 0 updated\b/.test(rerun.output)) throw new Error(`re-run changed something:\n${rerun.output}`)
          samples.first.push(first.ms)
          samples.rerun.push(rerun.ms)
          samples.firstWork.push(stepSeconds(first.output) * 1000)
          samples.rerunWork.push(stepSeconds(rerun.output) * 1000)
        }
      } finally {
        await moto.stop()
      }
    }
  }
  const g = median(samples.guide)
  const f = median(samples.first)
  const r = median(samples.rerun)
  console.log(`\nprovision, ${runs} runs each, each on a fresh moto warmed by one read per service:`)
  console.log(`  guide's aws CLI sequence (24 commands): median ${fmt(g)}`)
  console.log(`  ./scripts/provision, first run:         median ${fmt(f)}   (${(g / f).toFixed(1)}x faster)`)
  console.log(`  ./scripts/provision, converged re-run:  median ${fmt(r)}   (${(r / f).toFixed(2)} of a first run)`)
  const fw = median(samples.firstWork)
  const rw = median(samples.rerunWork)
  console.log(`  of which the steps' own work (provision's summary line, start-up excluded):`)
  console.log(`    first run ${fmt(fw)}, converged re-run ${fmt(rw)}   (${(rw / fw).toFixed(2)} of a first run)`)
}

const which = process.argv[2] ?? 'all'
if (!['all', 'health', 'provision', 'deploy', 'images'].includes(which)) {
  console.error('usage: npm run bench [-- health|provision|deploy|images]')
  process.exit(2)
}
if (which === 'all' || which === 'health') await benchHealth(Number(process.env.BENCH_RUNS ?? 30))
if (which === 'all' || which === 'provision') await benchProvision(Number(process.env.BENCH_PROVISION_RUNS ?? 3))
// Each of these is its own file (its own emulator, registry or scripted ECS), run as it is.
if (which === 'all' || which === 'deploy') await import('./deploy.js')
if (which === 'all' || which === 'images') await import('./images.js')
process.exit(0)
