// Loopback-only networking helpers for tests.
export { freePort, isLoopbackUrl } from '../../lib/aws/emulator.js'

/** Wait until fn resolves truthy, polling; throws after timeoutMs. */
export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}
