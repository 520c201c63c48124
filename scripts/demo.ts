// The main job, locally: provision the whole stack into a local AWS emulator twice (the second
// run must change nothing), show what exists, and stop the emulator.
import { isLoopbackUrl, startMoto, type Emulator } from '../lib/aws/emulator.js'
import { registerEnvSecrets } from '../lib/config/env.js'
import { declaredSecretVariables } from '../lib/config/services.js'
import { ConfigError, EXIT } from '../lib/core/errors.js'
import { formatInventory, inventory } from '../lib/ops/inventory.js'
import { runScript } from '../lib/core/boundary.js'
import { colour, say, warn } from '../lib/core/output.js'
import { registerSecret } from '../lib/core/redact.js'
import { openContext } from '../lib/aws/context.js'
import { applySteps } from '../lib/steps/apply.js'
import { allSteps } from '../lib/steps/index.js'

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

await runScript(
  {
    name: 'demo',
    summary:
      'Provision the whole stack into a local moto emulator (started here unless AWS_ENDPOINT_URL points at one), ' +
      'run provision again to show nothing changes, list what exists, and stop the emulator. Uses throwaway secrets; never real AWS.',
    options: {},
    env: [{ name: 'AWS_ENDPOINT_URL', description: 'a running local emulator to use instead of starting moto (loopback only)' }],
  },
  async () => {
    const given = process.env.AWS_ENDPOINT_URL
    if (given && !isLoopbackUrl(given)) {
      throw new ConfigError(`AWS_ENDPOINT_URL is ${given}: the demo only runs against a local emulator on 127.0.0.1; unset it to let the demo start moto`)
    }
    let emulator: Emulator | undefined
    if (!given) {
      say(colour.bold('Starting a local AWS emulator (moto) on 127.0.0.1...'))
      emulator = await startMoto()
    }
    try {
      const env = demoEnv(given ?? (emulator as Emulator).url)
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
      say(colour.green(`\nDone: ${first.summary.created} resources created, then all ${second.summary.unchanged} unchanged on the second run.`))
      return EXIT.ok
    } finally {
      await emulator?.stop()
    }
  },
)
