// A throwaway Docker registry on 127.0.0.1 (Debian's docker-registry, Distribution 2.8), with
// one htpasswd (bcrypt) user, for the demo and the tests: a real registry, so the kit's login
// (docker login --password-stdin), push and registry-API checks run for real, on this machine
// only. Docker talks plain HTTP to 127.0.0.0/8 registries without being configured to.
import { execFileSync, spawn } from 'node:child_process'
import { openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../aws/emulator.js'
import { CheckFailed } from '../core/errors.js'
import { onPath } from '../core/shell.js'

export interface LocalRegistry {
  /** 127.0.0.1:PORT */
  registry: string
  /** Its log: one "response completed" line per HTTP request. */
  log: string
  stop(): Promise<void>
}

/** The registry's configuration file. Pure. */
export function registryConfig(address: string, storage: string, htpasswd: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${address}`,
    'auth:',
    '  htpasswd:',
    '    realm: cruddur-kit-local-registry',
    `    path: ${htpasswd}`,
    '',
  ].join('\n')
}

/** Start docker-registry in `dir` (config, storage, users, log) and wait until it answers. */
export async function startLocalRegistry(dir: string, user: string, password: string): Promise<LocalRegistry> {
  if (!onPath('docker-registry')) throw new CheckFailed('docker-registry is not installed: sudo apt-get install docker-registry')
  if (!onPath('htpasswd')) throw new CheckFailed('htpasswd is not installed: sudo apt-get install apache2-utils')
  // -i: the password on stdin, never in htpasswd's arguments.
  const users = execFileSync('htpasswd', ['-niB', user], { input: password, encoding: 'utf8' })
  writeFileSync(join(dir, 'htpasswd'), users, { mode: 0o600 })
  const registry = `127.0.0.1:${await freePort()}`
  const config = join(dir, 'registry.yml')
  writeFileSync(config, registryConfig(registry, join(dir, 'registry'), join(dir, 'htpasswd')))
  const log = join(dir, 'registry.log')
  const fd = openSync(log, 'a')
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', fd, fd] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('error', () => {})
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 15000
  for (;;) {
    const status = await fetch(`http://${registry}/v2/`).then((r) => r.status, () => 0)
    if (status === 401) break
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new CheckFailed(`docker-registry did not start on ${registry} (see ${log})`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return { registry, log, stop }
}
