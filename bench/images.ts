// `npx tsx bench/images.ts`: image/push and ecs/run-local against a private dockerd and registry
// (test/helpers/docker.ts) and moto, all on loopback, the test image (FROM scratch + busybox).
//  1. A second image/push of an unchanged image: time, cold start to exit, and the registry's
//     blob uploads (goal: none, under 2 s), side by side with the guide's `docker push` of the
//     same unchanged image (already logged in).
//  2. ecs/run-local --detach: time from command to the healthy verdict, against the health
//     check's own floor (the first check runs one interval after start; startPeriod 0).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { openContext } from '../lib/aws/context.js'
import { startMoto } from '../lib/aws/emulator.js'
import { ROOT } from '../lib/config/paths.js'
import { blobUploads, busyboxContext, startDockerStack } from '../test/helpers/docker.js'
import { freePort } from '../test/helpers/net.js'

interface Timed {
  ms: number
  code: number | null
  output: string
  /** When `mark` first appeared in the output, ms after the start. */
  markMs?: number
}

function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv, mark?: RegExp): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    let markMs: number | undefined
    const take = (d: Buffer) => {
      output += d
      if (mark && markMs === undefined && mark.test(output)) markMs = performance.now() - t0
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, output, ...(markMs !== undefined ? { markMs } : {}) }))
  })
}
const check = (label: string, run: Timed, code = 0) => {
  if (run.code !== code) throw new Error(`${label} exited ${run.code}:\n${run.output.slice(-2000)}`)
  return run
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`)
const script = (name: string) => join(ROOT, 'scripts', name)

const runs = Number(process.env.BENCH_RUNS ?? 5)
const moto = await startMoto()
const stack = await startDockerStack(moto.url)
const work = mkdtempSync(join(tmpdir(), 'kit-bench-images-'))
try {
  const tag = 'bench'
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...stack.env,
    AWS_ENDPOINT_URL: moto.url,
    AWS_DEFAULT_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ECR_REGISTRY: stack.registry,
    DOCKER_CONFIG: join(work, 'docker-config'),
    IMAGE_TAG: tag,
    SSM_PREFIX: '/kit-bench',
  }
  delete env.AWS_REGION
  delete env.AWS_PROFILE
  const port = await freePort()
  const ctx = busyboxContext(stack, { port, dir: join(work, 'backend-flask') })
  check('image/build', await timeCommand(script('image/build'), ['backend-flask', '--context', ctx.dir, '--tag', tag], env))
  const first = check('first image/push', await timeCommand(script('image/push'), ['backend-flask', '--tag', tag], env))
  console.log(`first image/push (uploads the image, logs in): ${fmt(first.ms)}`)

  // 1. Unchanged image, pushed again: the kit against the guide's docker push, alternating.
  const kit: number[] = []
  const guide: number[] = []
  const remote = `${stack.registry}/backend-flask:${tag}`
  let kitUploads = 0
  let guideUploads = 0
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? (['guide', 'kit'] as const) : (['kit', 'guide'] as const)
    for (const who of order) {
      const before = blobUploads(stack)
      const run =
        who === 'kit'
          ? check('image/push', await timeCommand(script('image/push'), ['backend-flask', '--tag', tag], env))
          : check('docker push', await timeCommand('docker', ['push', remote], env))
      const uploads = blobUploads(stack) - before
      if (who === 'kit') {
        if (!/nothing pushed/.test(run.output)) throw new Error(`the second image/push pushed:\n${run.output}`)
        kit.push(run.ms)
        kitUploads += uploads
      } else {
        guide.push(run.ms)
        guideUploads += uploads
      }
    }
  }
  const k = median(kit)
  const g = median(guide)
  console.log(`\nimage/push of an unchanged image, ${runs} runs each, cold start to exit:`)
  console.log(`  guide's docker push (logged in):  median ${fmt(g)}, ${guideUploads} blob uploads`)
  console.log(`  ./scripts/image/push:             median ${fmt(k)}, ${kitUploads} blob uploads  (goal < 2 s: ${k < 2000 ? 'met' : 'NOT met'}; ratio kit/guide ${(k / g).toFixed(2)})`)

  // 2. run-local to a healthy verdict against the health check's floor.
  const interval = 5
  const sdk = await openContext(env, { mode: 'read-only' })
  await sdk.client(SSMClient, 'SSM').send(new PutParameterCommand({ Name: '/kit-bench/backend-flask/CONNECTION_URL', Value: 'bench-secret-value', Type: 'SecureString', Overwrite: true }))
  const td = join(work, 'td.json')
  writeFileSync(
    td,
    JSON.stringify({
      family: 'backend-flask',
      containerDefinitions: [
        {
          name: 'backend-flask',
          image: '${ECR_REGISTRY}/backend-flask:${IMAGE_TAG}',
          secrets: [{ name: 'CONNECTION_URL', valueFrom: '${SSM_PARAMETER_ARN_PREFIX}/backend-flask/CONNECTION_URL' }],
          portMappings: [{ containerPort: port }],
          healthCheck: { command: ['CMD-SHELL', `/bin/busybox wget -q -O - http://127.0.0.1:${port}/health`], interval, timeout: 2, retries: 3, startPeriod: 0 },
          linuxParameters: { initProcessEnabled: true },
        },
      ],
    }),
  )
  const total: number[] = []
  const verdict: number[] = []
  for (let i = 0; i < Math.min(runs, 3); i++) {
    const run = check('ecs/run-local', await timeCommand(script('ecs/run-local'), ['backend-flask', '--detach', '--task-definition', td], env, /\[OK\] backend-flask is healthy/))
    if (run.markMs === undefined) throw new Error(`no healthy verdict:\n${run.output}`)
    verdict.push(run.markMs)
    total.push(run.ms)
    await timeCommand('docker', ['rm', '-f', 'backend-flask-local'], env)
  }
  const floor = interval * 1000
  console.log(`\necs/run-local --detach to a healthy verdict, ${total.length} runs (health check: interval ${interval} s, startPeriod 0; the first check runs one interval after start):`)
  console.log(`  floor set by the health check:    ${fmt(floor)}`)
  console.log(`  command start to verdict printed: median ${fmt(median(verdict))}  (${fmt(median(verdict) - floor)} over the floor)`)
  console.log(`  command start to exit:            median ${fmt(median(total))}`)
} finally {
  await stack.stop()
  await moto.stop()
  rmSync(work, { recursive: true, force: true })
}
process.exit(0)
