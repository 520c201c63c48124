// Loopback-only networking helpers for tests.
import { createServer } from 'node:net'

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Wait until fn resolves truthy, polling; throws after timeoutMs. */
export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/

export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false
  try {
    return LOOPBACK.test(new URL(url).hostname)
  } catch {
    return false
  }
}
