// The demo behind `npm run demo` (moved from scripts/demo.ts): provision the whole stack into a
// local AWS emulator twice (the second run must change nothing), show what exists, images
// (and, with them, deploy the image built and pushed, and its status), logs, teardown, and stop the emulator.
import { isLoopbackUrl, startMoto, type Emulator } from '../aws/emulator.js'
import { registerEnvSecrets } from '../config/env.js'
import { declaredSecretVariables } from '../config/services.js'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { startEcsTimeline } from '../aws/rollout-emulator.js'
import { ROOT } from '../config/paths.js'
import { imageDemo } from '../images/demo.js'
import { ConfigError, EXIT, type ExitCode } from '../core/errors.js'
import { formatInventory, inventory } from '../ops/inventory.js'
import { colour, say, warn } from '../core/output.js'
import { registerSecret } from '../core/redact.js'
import { cleanUpOnSignal } from '../core/on-signal.js'
import { openContext } from '../aws/context.js'
import { applySteps } from '../steps/apply.js'
import { allSteps } from '../steps/index.js'

/** Throwaway values for everything provision needs, so the demo needs no set-up. */
function demoEnv(endpoint: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    // Nothing from the user's own AWS set-up may route the demo elsewhere or sign as them.
    if (/^AWS_/.test(name) && name !== 'AWS_DEFAULT_REGION' && name !== 'AWS_REGION') continue
    env[name] = value
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_DEFAULT_REGION: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'demo-access-key-id',
    AWS_SECRET_ACCESS_KEY: 'demo-secret-access-key',
    PROD_CONNECTION_URL: 'postgresql://cruddur:demo-db-password@cruddur-db.example.invalid:5432/cruddur',
    ROLLBAR_ACCESS_TOKEN: 'demo-rollbar-token',
    HONEYCOMB_API_KEY: 'demo-honeycomb-key',
    AWS_COGNITO_USER_POOL_ID: 'eu-west-2_DemoPool1',
    AWS_COGNITO_USER_POOL_CLIENT_ID: 'demo-cognito-client-id',
  }
}

/** A kit script run as a user would, its output shown as it comes; resolves its exit code. */
function runKitScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  say(colour.dim(`$ ./scripts/${script} ${args.join(' ')}`))
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'scripts', script), args, { env, stdio: ['ignore', 'inherit', 'inherit'] })
    child.once('error', reject)
    child.once('close', (code) => resolve(code ?? 1))
  })
}

/**
 * Deploy the backend image the demo built and pushed (imageEnv: ECR_REGISTRY is the local
 * registry it went to, IMAGE_TAG its tag), and show its status. moto does not roll
 * deployments, so ECS's answers for a clean rollout are scripted in front of it (and said so).
 */
async function deployAndStatus(imageEnv: NodeJS.ProcessEnv, emulatorUrl: string, account: string): Promise<boolean> {
  const rollout = await startEcsTimeline(emulatorUrl, account)
  try {
    const throughRollout = { ...imageEnv, AWS_ENDPOINT_URL: rollout.url }
    say(colour.bold("\n5. deploy backend-flask, the image just pushed (moto does not roll deployments: ECS's answers for a clean rollout are scripted in front of it)"))
    if ((await runKitScript('deploy', ['backend-flask', '--interval', '0.5'], throughRollout)) !== EXIT.ok) {
      warn('\nThe deploy did not succeed: see above.')
      return false
    }
    say(colour.bold('\n6. status of backend-flask'))
    await runKitScript('status', ['backend-flask'], throughRollout)
    return true
  } finally {
    await rollout.stop()
  }
}

/** Show the backend's logs, and tear everything down. */
async function logsAndTearDown(env: NodeJS.ProcessEnv): Promise<ExitCode> {
  const run = await openContext(env, { mode: 'apply' })
  say(colour.bold('\n7. its logs (moto runs no containers: the demo writes two lines as the task would)'))
  const logs = run.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
  const stream = `backend-flask/backend-flask/${'0a1b2c3d4e5f60718293a4b5c6d7e8f9'}`
  await logs.send(new CreateLogStreamCommand({ logGroupName: run.names.logGroup, logStreamName: stream }))
  const now = Date.now()
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: run.names.logGroup,
      logStreamName: stream,
      logEvents: [
        { timestamp: now - 2000, message: '[INFO] Starting gunicorn: listening at http://0.0.0.0:4567' },
        { timestamp: now - 1000, message: '127.0.0.1 - - "GET /api/health-check HTTP/1.1" 200' },
      ],
    }),
  )
  await runKitScript('logs/tail', ['backend-flask', '--since', '10m'], env)

  say(colour.bold('\n8. teardown: everything the kit made, data included (--all)'))
  if ((await runKitScript('teardown', ['--yes', '--all'], env)) !== EXIT.ok) {
    warn('\nThe teardown did not complete: see above.')
    return EXIT.failed
  }
  return EXIT.ok
}

/** The whole demo; its exit code. Refuses any AWS_ENDPOINT_URL that is not loopback. */
export async function runDemo(): Promise<ExitCode> {
  const given = process.env.AWS_ENDPOINT_URL
  if (given && !isLoopbackUrl(given)) {
    throw new ConfigError(`AWS_ENDPOINT_URL is ${given}: the demo only runs against a local emulator on 127.0.0.1; unset it to let the demo start moto`)
  }
  let emulator: Emulator | undefined
  if (!given) {
    say(colour.bold('Starting a local AWS emulator (moto) on 127.0.0.1...'))
    emulator = await startMoto()
  }
  // Ctrl-C stops it too (the image part stops what it started first).
  const release = cleanUpOnSignal(async () => emulator?.stop())
  try {
    const emulatorUrl = given ?? (emulator as Emulator).url
    const env = demoEnv(emulatorUrl)
    registerEnvSecrets(env, registerSecret, declaredSecretVariables())
    const run = await openContext(env, { mode: 'apply' })
    const steps = allSteps(run.services)
    say(colour.bold(`\n1. provision (first run) against ${env.AWS_ENDPOINT_URL}`))
    const first = await applySteps(steps, run, { json: false })
    say(colour.bold('\n2. provision again: every resource must be unchanged'))
    const second = await applySteps(steps, run, { json: false })
    say(colour.bold('\n3. what exists now'))
    for (const line of formatInventory(await inventory(await openContext(env, { mode: 'read-only' })))) say(line)
    const converged = second.summary.created === 0 && second.summary.updated === 0 && second.summary.failed === 0
    if (first.summary.failed > 0 || !converged) {
      warn('\nThe demo did not converge: see the lines marked ✗ above.')
      return EXIT.failed
    }
    say(colour.green(`\nProvisioned: ${first.summary.created} resources created, then all ${second.summary.unchanged} unchanged on the second run.`))

    say(colour.bold('\n4. images: build, push to a local registry, run locally to a healthy verdict'))
    const account = await run.account()
    let deployed: boolean | undefined
    const images = await imageDemo(env, say, 'backend-flask', async (imageEnv) => (deployed = await deployAndStatus(imageEnv, emulatorUrl, account)))
    if (images.skipped) say(`Skipped the image part, and with it the deploy (it deploys the image built and pushed here): ${images.skipped}`)
    else if (!images.ok) {
      if (deployed === undefined) warn('\nThe image part of the demo failed: see above.')
      return EXIT.failed
    }

    const code = await logsAndTearDown(env)
    if (code === EXIT.ok) say(colour.green('\nDone: provisioned, deployed, inspected and torn down, all on this machine.'))
    return code
  } finally {
    await emulator?.stop()
    release()
  }
}
