// A real Flask server (test/fixtures/flask_app.py) on a free loopback port.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../../lib/config/paths.js'
import { freePort, waitFor } from './net.js'
import { connect } from 'node:net'

export type FlaskMode = 'ok' | 'error' | 'hang' | 'wrong-body'

export interface Flask {
  port: number
  url: string
  stop(): Promise<void>
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

export async function startFlask(mode: FlaskMode = 'ok', port?: number): Promise<Flask> {
  const chosen = port ?? (await freePort())
  const child = spawn('python3', [join(ROOT, 'test/fixtures/flask_app.py'), String(chosen), mode], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitFor(`Flask (${mode}) on port ${chosen}`, () => portOpen(chosen))
  return {
    port: chosen,
    url: `http://127.0.0.1:${chosen}/api/health-check`,
    async stop() {
      child.kill('SIGKILL')
      await exited
    },
  }
}
