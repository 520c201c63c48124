// The moto server the test run shares: started by test/run.ts, reset between tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort, waitFor } from './net.js'

export interface Moto {
  url: string
  stop(): Promise<void>
}

/** Start moto_server on a free loopback port with AWS managed policies loaded. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  let child: ChildProcess
  try {
    child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
      stdio: 'ignore',
    })
  } catch (error) {
    throw new Error(`cannot start moto_server (${(error as Error).message}): pip install 'moto[server]'`)
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('error', () => {})
  await waitFor('moto_server to answer', async () => (await fetch(`${url}/moto-api/`)).ok, 30000)
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Forget every resource moto holds, so each test starts from an empty account. */
export async function resetMoto(url = process.env.AWS_ENDPOINT_URL as string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' })
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`)
}
