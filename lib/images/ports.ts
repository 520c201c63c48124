// Who holds a TCP port on this machine, as far as this user can see: the listening sockets in
// /proc/net/tcp and tcp6, and the process whose open files include that socket. Linux only;
// elsewhere (or without permission) the owner is unknown. Only a process's name (comm) is
// read, never its arguments, which may hold another program's secrets.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/** The socket inodes listening on `port` in a /proc/net/tcp-style table. Pure. */
export function listeningInodes(table: string, port: number): string[] {
  const inodes: string[] = []
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 10) continue
    const [, local, , state] = fields
    const localPort = Number.parseInt(local.split(':').at(-1) ?? '', 16)
    // 0A is LISTEN.
    if (state === '0A' && localPort === port && fields[9] !== '0') inodes.push(fields[9])
  }
  return inodes
}

export type PortHolder = { listening: false } | { listening: true; pid?: number; command?: string }

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** Whether something listens on `port`, and which process when this user can see it; undefined without /proc. */
export function portHolder(port: number, proc = '/proc'): PortHolder | undefined {
  const tables = [read(`${proc}/net/tcp`), read(`${proc}/net/tcp6`)]
  if (!tables[0] && !tables[1]) return undefined
  const inodes = new Set(tables.flatMap((t) => listeningInodes(t, port)))
  if (inodes.size === 0) return { listening: false }
  let pids: string[] = []
  try {
    pids = readdirSync(proc).filter((p) => /^\d+$/.test(p))
  } catch {
    return { listening: true }
  }
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = readdirSync(`${proc}/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      let target: string
      try {
        target = readlinkSync(`${proc}/${pid}/fd/${fd}`)
      } catch {
        continue
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
      if (inode && inodes.has(inode)) return { listening: true, pid: Number(pid), command: read(`${proc}/${pid}/comm`).trim() || undefined }
    }
  }
  return { listening: true }
}

/** The line saying a port is taken, and by whom when known. Pure. */
export function portTakenLine(port: number, holder: { pid?: number; command?: string }): string {
  const who = holder.pid !== undefined ? `by pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}` : '(by a process this user cannot see)'
  return (
    `port ${port} is already taken ${who}: the container shares the host's network and could not listen on it; ` +
    `stop that process${holder.pid !== undefined ? ` (kill ${holder.pid})` : ''}, or give the container another containerPort`
  )
}
