// Every test file imports this first. Tests never reach real AWS: they refuse to run unless
// AWS_ENDPOINT_URL points at loopback (npm test starts moto there), and they drop any
// per-service endpoint, profile or real-looking credential that could route elsewhere.
import { isLoopbackUrl } from './net.js'

const endpoint = process.env.AWS_ENDPOINT_URL
if (!isLoopbackUrl(endpoint)) {
  process.stderr.write(
    `refusing to run tests: AWS_ENDPOINT_URL must point at a loopback emulator (got ${endpoint ? `"${endpoint}"` : 'nothing'}). ` +
      'Run them with `npm test`, which starts moto on 127.0.0.1.\n',
  )
  process.exit(2)
}
for (const name of Object.keys(process.env)) {
  if (name.startsWith('AWS_ENDPOINT_URL_') && !isLoopbackUrl(process.env[name])) delete process.env[name]
}
delete process.env.AWS_PROFILE
process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
delete process.env.AWS_SESSION_TOKEN

export const ENDPOINT = endpoint as string
