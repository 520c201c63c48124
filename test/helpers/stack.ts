// The stack as `provision` makes it, for tests of the commands that act on it afterwards
// (teardown, logs, scale, pause, resume): provision runs like a user runs it.
import { runKit, type RunResult } from './run.js'

/**
 * Throwaway values for every variable provision needs (see test/provision.test.ts), for the
 * guide's backend alone: the commands under test act on one service's stack (both declared
 * services together are tested through provision and the demo).
 */
export const STACK_ENV = {
  ECS_SERVICES: 'backend-flask',
  PROD_CONNECTION_URL: 'postgresql://cruddur:stack-test-pw@db.example.invalid:5432/cruddur',
  ROLLBAR_ACCESS_TOKEN: 'stack-test-rollbar',
  HONEYCOMB_API_KEY: 'stack-test-honeycomb',
  AWS_COGNITO_USER_POOL_ID: 'eu-west-2_TestPool',
  AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client-id',
}

/** Run provision against `endpoint`; throws with its output when it fails. */
export async function provisionStack(endpoint: string, env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const r = await runKit('provision', [], { env: { ...STACK_ENV, AWS_ENDPOINT_URL: endpoint, ...env } })
  if (r.code !== 0) throw new Error(`provision failed (exit ${r.code}):\n${r.all}`)
  return r
}
