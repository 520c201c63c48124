// The moto server the test run shares: started by test/run.ts (lib/aws/emulator.ts), reset between tests.
export { startMoto, type Emulator as Moto } from '../../lib/aws/emulator.js'

/** Forget every resource moto holds, so each test starts from an empty account. */
export async function resetMoto(url = process.env.AWS_ENDPOINT_URL as string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' })
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`)
}
