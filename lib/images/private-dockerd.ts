// A private Docker daemon on this machine, for the tests and for the demo when no daemon
// answers: Debian's dockerd with its own data root, exec root, pid file, log and unix socket in
// a folder of its own, no bridge and no iptables (containers use --network host), so it touches
// neither the machine's networking nor another daemon's state. Needs root. stop() removes its
// containers, stops it, unmounts what it left mounted (the nsfs of its network namespace) and
// removes its folder. Nothing starts at import.
import { execFile, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { CheckFailed } from '../core/errors.js'
import { warn } from '../core/output.js'
import { onPath } from '../core/shell.js'
import { docker } from './docker.js'

export const DOCKERD_PACKAGES = 'docker.io containerd runc'

export interface PrivateDockerd {
  /** unix://DIR/docker.sock */
  host: string
  /** What a docker client needs to talk to it: DOCKER_HOST, and PATH with Debian's client first. */
  env: { DOCKER_HOST: string; PATH: string }
  /** dockerd's own log. */
  log: string
  /** Stop it and remove its folder; safe to call more than once, never rejects. */
  stop(): Promise<void>
}

/** dockerd's arguments for a daemon whose every file is under `dir`. Pure. */
export function privateDockerdArgs(dir: string): string[] {
  return [
    '--bridge=none', '--iptables=false', '--ip6tables=false',
    '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'),
    '-H', `unix://${join(dir, 'docker.sock')}`,
  ]
}

/** The mount points under `dir` in /proc/mounts' text, deepest first (to unmount in that order). Pure. */
export function mountsUnder(procMounts: string, dir: string): string[] {
  // Fields are space-separated; a space, tab or backslash in a path is written as an octal escape.
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
  return procMounts
    .split('\n')
    .map((line) => unescape(line.split(' ')[1] ?? ''))
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length)
}

/** The longest unix socket path the daemon makes under `dir` (its containerd's ttrpc socket). */
const longestSocket = (dir: string) => join(dir, 'exec', 'containerd', 'containerd.sock.ttrpc')
/** A unix socket's path fits in 107 bytes (sockaddr_un's 108, its NUL included). */
export const SOCKET_PATH_MAX = 107

const run = (program: string, args: string[]) => new Promise<void>((resolve) => execFile(program, args, { timeout: 15000 }, () => resolve()))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Start dockerd in `dir` (a new folder, empty or not yet made, that it then owns: stop() removes it) and wait until it
 * answers (`timeoutMs`, default 30 s). `path` is the PATH its clients use (default this
 * process's). Throws CheckFailed when the folder is too deep for its sockets, dockerd is
 * missing, this is not root, or it does not come up (with the end of its log); nothing is left
 * behind then, the folder included.
 */
export async function startPrivateDockerd(dir: string, options: { path?: string; timeoutMs?: number } = {}): Promise<PrivateDockerd> {
  const path = options.path ?? process.env.PATH ?? ''
  // Too long a path and containerd cannot bind its socket: dockerd then fails after a timeout, saying only that.
  // Refused: the folder it was given goes too, as it would at stop().
  const refuse = (why: string): never => {
    rmSync(dir, { recursive: true, force: true })
    throw new CheckFailed(why)
  }
  const socketBytes = Buffer.byteLength(longestSocket(dir))
  if (socketBytes > SOCKET_PATH_MAX) refuse(`the private Docker daemon's folder ${dir} is too deep for its sockets (${socketBytes} bytes, at most ${SOCKET_PATH_MAX}): set TMPDIR to a shorter folder`)
  if (!onPath('dockerd', path)) refuse(`dockerd is not installed: sudo apt-get install ${DOCKERD_PACKAGES}`)
  if (process.getuid?.() !== 0) refuse('a private Docker daemon needs root: run this as root')
  const bin = join(dir, 'bin')
  for (const folder of [dir, join(dir, 'data'), join(dir, 'exec'), bin]) mkdirSync(folder, { recursive: true })
  // Debian's client first: it matches Debian's dockerd, and its DOCKER_BUILDKIT=1 uses the
  // daemon's BuildKit (a newer client in /usr/local/bin may have no buildx plugin).
  if (existsSync('/usr/bin/docker')) symlinkSync('/usr/bin/docker', join(bin, 'docker'))
  const host = `unix://${join(dir, 'docker.sock')}`
  const env = { DOCKER_HOST: host, PATH: `${bin}:${path}` }
  const log = join(dir, 'dockerd.log')

  const fd = openSync(log, 'a')
  const child = spawn('dockerd', privateDockerdArgs(dir), { stdio: ['ignore', fd, fd], env: { ...process.env, PATH: path } })
  closeSync(fd)
  let exited = false
  const exit = new Promise<void>((resolve) => child.once('close', () => ((exited = true), resolve())))
  child.once('error', () => {})

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => (stopping ??= stopNow())
  async function stopNow(): Promise<void> {
    const clientEnv = { ...process.env, ...env, DOCKER_TIMEOUT: '10' }
    if (!exited) {
      // Containers go first (docker rm -f is quicker than dockerd's own shutdown of them).
      try {
        const ids = (await docker(['ps', '-aq'], clientEnv)).stdout.split('\n').filter(Boolean)
        if (ids.length) await docker(['rm', '-f', ...ids], { ...clientEnv, DOCKER_TIMEOUT: '30' })
      } catch {
        // it may be down already
      }
      child.kill('SIGTERM')
      const late = setTimeout(() => child.kill('SIGKILL'), 15000)
      await exit
      clearTimeout(late)
    }
    // dockerd leaves its network namespace's nsfs mount under the exec root (and, when killed,
    // its containers' mounts too).
    for (const point of mountsUnder(readFileSync('/proc/mounts', 'utf8'), dir)) await run('umount', [point])
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch (error) {
      warn(`could not remove the private Docker daemon's folder ${dir}: ${(error as Error).message}`)
    }
  }

  const deadline = Date.now() + (options.timeoutMs ?? 30000)
  for (;;) {
    if (exited) break
    const answered = await docker(['version', '--format', '{{.Server.Version}}'], { ...process.env, ...env, DOCKER_TIMEOUT: '5' }).then((r) => r.code === 0, () => false)
    if (answered) return { host, env, log, stop }
    if (Date.now() > deadline) break
    await sleep(100)
  }
  const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : ''
  await stop()
  throw new CheckFailed(`dockerd ${exited ? 'exited at start-up' : 'did not answer'}${tail ? `: ${tail}` : ''}`)
}
