// A real, throw-away PostgreSQL server for tests: initdb into a temp folder, password (SCRAM)
// authentication, listening on 127.0.0.1 only, on a free port. Tests run as root, and
// PostgreSQL refuses to run as root, so initdb and pg_ctl run as the `postgres` OS user.
import { execFile } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from './net.js'
import { atExit, removeTemp, runSync, tempDir } from './temp.js'

const run = promisify(execFile)

/** A recognisable password: tests assert it never appears in any output. */
export const CANARY_PASSWORD = 'canary-pw-Zq81'

export interface PostgresOptions {
  /** Serve TLS with a self-signed certificate. */
  ssl?: boolean
  /** Accept TCP connections only over TLS (pg_hba.conf `hostssl`), like RDS with rds.force_ssl=1. */
  requireSsl?: boolean
}

export interface Postgres {
  host: '127.0.0.1'
  port: number
  user: string
  password: string
  /** A database that exists (besides `postgres`). */
  database: string
  /** postgresql://postgres:PASSWORD@127.0.0.1:PORT/DATABASE, with overrides. */
  url(overrides?: { password?: string; database?: string; query?: string }): string
  stop(): Promise<void>
}

async function asPostgres(command: string, args: string[], cwd: string): Promise<void> {
  try {
    await run('runuser', ['-u', 'postgres', '--', command, ...args], { cwd, timeout: 60000 })
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    throw new Error(`${command} failed: ${(e.stderr || e.message).trim()}`)
  }
}

async function ids(): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])])
  return { uid: Number(uid), gid: Number(gid) }
}

export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  const { uid, gid } = await ids()
  const dir = tempDir('kit-pg-')
  const data = join(dir, 'data')
  const sockets = join(dir, 'sockets')
  const log = join(dir, 'server.log')
  const pwfile = join(dir, 'pwfile')
  const own = (path: string) => chownSync(path, uid, gid)
  let started = false
  // A test that fails before stop() still stops the server and removes its folder (and the password file).
  const cancelExitHook = atExit(() => {
    if (started) runSync('runuser', ['-u', 'postgres', '--', 'pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop'])
  })
  const cleanup = async () => {
    if (started) await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], dir).catch(() => {})
    started = false
    cancelExitHook()
    removeTemp(dir)
  }
  try {
    own(dir)
    chmodSync(dir, 0o700)
    mkdirSync(sockets)
    own(sockets)
    writeFileSync(pwfile, CANARY_PASSWORD + '\n', { mode: 0o600 })
    own(pwfile)
    await asPostgres(
      'initdb',
      ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
      dir,
    )
    rmSync(pwfile)

    const settings = ["listen_addresses = '127.0.0.1'", `unix_socket_directories = '${sockets}'`, 'fsync = off']
    if (options.ssl) {
      await run('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=kit-test-postgres',
        '-keyout', join(data, 'server.key'), '-out', join(data, 'server.crt'),
      ])
      chmodSync(join(data, 'server.key'), 0o600)
      own(join(data, 'server.key'))
      own(join(data, 'server.crt'))
      settings.push('ssl = on')
    }
    writeFileSync(join(data, 'postgresql.conf'), `\n# kit test settings\n${settings.join('\n')}\n`, { flag: 'a' })
    const tcp = options.requireSsl ? 'hostssl' : 'host'
    writeFileSync(
      join(data, 'pg_hba.conf'),
      `local all all scram-sha-256\n${tcp} all all 127.0.0.1/32 scram-sha-256\n`,
    )

    // A port can be taken between freePort() and the server binding it: try a few.
    let port = 0
    for (let attempt = 1; !started; attempt++) {
      port = await freePort()
      try {
        await asPostgres('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', `-p ${port}`, 'start'], dir)
        started = true
      } catch (error) {
        if (attempt >= 3) {
          const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join(' | ') : ''
          throw new Error(`${(error as Error).message}${tail ? ` (log: ${tail})` : ''}`)
        }
      }
    }

    const database = 'cruddur'
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: CANARY_PASSWORD, database: 'postgres', ssl: options.ssl ? { rejectUnauthorized: false } : false })
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE ${database}`)
    } finally {
      await admin.end()
    }

    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: CANARY_PASSWORD,
      database,
      url(overrides = {}) {
        const password = encodeURIComponent(overrides.password ?? CANARY_PASSWORD)
        const query = overrides.query ? `?${overrides.query}` : ''
        return `postgresql://postgres:${password}@127.0.0.1:${port}/${overrides.database ?? database}${query}`
      },
      stop: cleanup,
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}
