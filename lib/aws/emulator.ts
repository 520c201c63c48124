// A local moto server on loopback: the demo's and the benchmark's stand-in for AWS.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { ConfigError } from '../core/errors.js'
import { onPath } from '../core/shell.js'

export interface Emulator {
  url: string
  stop(): Promise<void>
}

export const MOTO_INSTALL_HINT = "install it with: pip install 'moto[server]' (Python 3), then re-run"

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/

/** Whether a URL targets this machine only (127.0.0.0/8, localhost, ::1). Pure. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false
  try {
    return LOOPBACK.test(new URL(url).hostname)
  } catch {
    return false
  }
}

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

/** Start moto_server on a free loopback port, with AWS managed policies loaded, and wait until it answers. */
export async function startMoto(): Promise<Emulator> {
  const binary = onPath('moto_server')
  if (!binary) throw new ConfigError(`moto_server (the local AWS emulator) is not on PATH: ${MOTO_INSTALL_HINT}`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
    // ACM keeps a certificate PENDING_VALIDATION this long (moto's default 60 s): a few seconds shows the wait without slowing runs.
    env: { MOTO_ACM_VALIDATION_WAIT: '3', ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    stdio: 'ignore',
  })
  let exited = false
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())))
  child.once('error', () => {})
  const deadline = Date.now() + 30000
  for (;;) {
    if (exited) throw new ConfigError(`moto_server exited at start-up: check it runs (moto_server --help), or ${MOTO_INSTALL_HINT}`)
    const up = await fetch(`${url}/moto-api/`).then((r) => r.ok, () => false)
    if (up) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new ConfigError(`moto_server did not answer on ${url} within 30s`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    async stop() {
      if (!exited) child.kill('SIGTERM')
      await exit
    },
  }
}
