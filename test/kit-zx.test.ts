// The kit as a zx library: an example in examples/ run by the real zx binary, importing
// 'cruddur-ecs-kit' through package.json's "exports" (the built dist/lib/index.js), against
// moto with ECS's rollouts scripted in front of it.
import './helpers/guard.js'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr'
import { openContext } from '../lib/aws/context.js'
import { startEcsTimeline, TIMELINES } from '../lib/aws/rollout-emulator.js'
import { ROOT } from '../lib/config/paths.js'
import type { DeployDocument, StatusDocument, StepsDocument } from '../lib/index.js'
import { FIXTURE_ENV, pushImage } from './helpers/deploy-fixture.js'
import { resetMoto } from './helpers/moto.js'
import { emptyDir, runKit } from './helpers/run.js'
import { removeTemp } from './helpers/temp.js'

const ACCOUNT = '123456789012'
const timeline = await startEcsTimeline(process.env.AWS_ENDPOINT_URL as string, ACCOUNT)
const direct = await openContext(process.env, { mode: 'read-only' })

/** What a user's Gitpod workspace holds: both services' variables, nothing else of the developer's. */
const ENV = {
  ...FIXTURE_ENV,
  AWS_ENDPOINT_URL: timeline.url,
  ECS_SERVICES: undefined,
  PROD_CONNECTION_URL: 'postgresql://cruddur:zx-example-pw@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'zx-example-rollbar',
  HONEYCOMB_API_KEY: 'zx-example-honeycomb',
  FORCE_COLOR: '0',
}

function zx(example: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...ENV })) if (v !== undefined) env[k] = v
  const cwd = emptyDir()
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'zx'), [join(ROOT, 'examples', example), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      removeTemp(cwd)
      resolve({ code, stdout, stderr })
    })
  })
}

const test = suite('examples under zx')

test('examples/ship.mjs (zx): provisions, deploys both services through openKit and reads their status (scripted ECS rollout)', async () => {
  await resetMoto()
  timeline.forget()
  timeline.use(TIMELINES.clean)
  // What image/push would have put there: one image per service, tagged v1.
  const ecr = direct.client(ECRClient, 'ECR')
  for (const repository of ['backend-flask', 'frontend-react-js']) {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }))
    await pushImage(direct, `${repository} v1`, 'v1', repository)
  }

  const r = await zx('ship.mjs', ['--skip-build', '--tag', 'v1', '--json'])
  assert.is(r.code, 0, r.stdout + r.stderr)
  const { provision, deploys, status } = JSON.parse(r.stdout) as { provision: StepsDocument; deploys: DeployDocument[]; status: StatusDocument; urls: string[] }

  assert.is(provision.dryRun, false)
  assert.is(provision.summary.failed, 0)
  assert.ok(provision.summary.created > 10, `provision created ${provision.summary.created}`)
  assert.equal(deploys.map((d) => [d.service, d.outcome]), [['backend-flask', 'success'], ['frontend-react-js', 'success']])
  for (const d of deploys) assert.match(d.image ?? '', new RegExp(`/${d.service}@sha256:[0-9a-f]{64}$`))
  assert.equal(status.services.map((s) => [s.name, s.status]), [['backend-flask', 'ACTIVE'], ['frontend-react-js', 'ACTIVE']])
  assert.is(status.ok, true, JSON.stringify(status.resources.filter((i) => i.state !== 'ok')))
  // Progress went to the callback (stderr here), masked; stdout is the documents alone.
  assert.match(r.stderr, /deploy backend-flask: backend-flask:v1 is sha256:/)
  assert.not.match(r.stdout + r.stderr, /zx-example-pw|zx-example-rollbar|zx-example-honeycomb/)
})

test('examples/ship.mjs (zx): a bad tag ends with the line provision prints for it, and exit code 2', async () => {
  const r = await zx('ship.mjs', ['--skip-build', '--tag', 'no tag!'])
  assert.is(r.code, 2, r.stdout + r.stderr)
  // --tag names IMAGE_TAG for the templates: the script refuses it the same way.
  const script = await runKit('provision', [], { env: { ...ENV, IMAGE_TAG: 'no tag!' } })
  assert.is(script.code, 2)
  assert.match(script.stderr, /IMAGE_TAG/)
  assert.is(r.stdout.trim(), script.stderr.trim().replace(/^provision: /, 'ship: '))
})

test.after(() => timeline.stop())
test.run()
