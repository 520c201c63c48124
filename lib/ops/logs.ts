// A service's container logs from the one log group, by stream prefix (awslogs names a
// stream <prefix>/<container>/<task id>, and the kit's prefix is the service's name). Read
// with FilterLogEvents; --follow polls, re-reading an overlap window each time so an event
// that arrives late is not lost, and dropping by event id what was already shown, so no line
// appears twice.
// Why not StartLiveTail: it pushes instead of polling, but it samples an update down to 500
// events when more match in a second, drops the oldest when the client reads slowly, ends
// after three hours, carries no event id to dedupe by, and is billed per session minute; the
// SDK also prefixes the endpoint's host name for it ("streaming-"), which an emulator cannot
// take without the client option disableHostPrefix. Polling loses nothing and works everywhere.
import { CloudWatchLogsClient, paginateFilterLogEvents, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs'
import { CheckFailed, UsageError } from '../core/errors.js'

export interface LogLine {
  eventId: string
  /** Milliseconds since the epoch. */
  timestamp: number
  stream: string
  taskId: string
  message: string
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** --since: "30s", "10m", "2h", "1d", or an ISO date; the start time in ms. Pure. */
export function parseSince(text: string, now: number): number {
  const relative = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim())
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]]
  const absolute = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN
  if (Number.isFinite(absolute)) return absolute
  throw new UsageError(`--since must be a duration such as 30s, 10m, 2h or 1d, or a date such as 2026-11-27T10:00:00Z, got "${text}"`)
}

/** The stream prefix of a service's containers. Pure. */
export const streamPrefix = (service: string): string => `${service}/`

/** A stream's task id: awslogs' <prefix>/<container>/<task id>. Pure. */
export const taskIdOf = (stream: string): string => stream.split('/').pop() ?? stream

/** An event as a line, or undefined when it lacks what a line needs. Pure. */
export function toLine(event: FilteredLogEvent): LogLine | undefined {
  if (event.eventId === undefined || event.timestamp === undefined || event.logStreamName === undefined) return undefined
  return {
    eventId: event.eventId,
    timestamp: event.timestamp,
    stream: event.logStreamName,
    taskId: taskIdOf(event.logStreamName),
    message: (event.message ?? '').replace(/\n$/, ''),
  }
}

/** "2026-11-27T10:00:00.123Z  <task id>  message". Pure. */
export const formatLine = (line: LogLine): string => `${new Date(line.timestamp).toISOString()}  ${line.taskId}  ${line.message}`

/**
 * Where the next read starts and what was shown, across polls. Each read starts `overlapMs`
 * before the newest event shown, so events that reach CloudWatch late (a task's buffered
 * batch) are still found; ids already shown are dropped. Pure (no I/O).
 */
export class LogCursor {
  private readonly seen = new Map<string, number>()
  private newest: number

  constructor(
    private readonly since: number,
    private readonly overlapMs = 60_000,
  ) {
    this.newest = since
  }

  /** The startTime of the next read. */
  get start(): number {
    return Math.max(this.since, this.newest - this.overlapMs)
  }

  /** The lines of a read not shown before, oldest first; they count as shown from now on. */
  accept(lines: readonly LogLine[]): LogLine[] {
    const fresh = lines
      .filter((l) => !this.seen.has(l.eventId))
      .sort((a, b) => a.timestamp - b.timestamp || a.stream.localeCompare(b.stream) || a.eventId.localeCompare(b.eventId))
    for (const line of fresh) {
      this.seen.set(line.eventId, line.timestamp)
      this.newest = Math.max(this.newest, line.timestamp)
    }
    // What the next read cannot return (older than its start) need not be remembered.
    const start = this.start
    for (const [id, timestamp] of this.seen) if (timestamp < start) this.seen.delete(id)
    return fresh
  }

  /** How many ids are remembered (bounded by the overlap window). */
  get remembered(): number {
    return this.seen.size
  }
}

export interface ReadOptions {
  logGroup: string
  service: string
  since: number
  filter?: string
}

/** One read: every event of the service's streams from `start`, through the paginator. */
export async function readLines(logs: CloudWatchLogsClient, { logGroup, service, filter }: ReadOptions, start: number): Promise<LogLine[]> {
  const prefix = streamPrefix(service)
  const lines: LogLine[] = []
  try {
    for await (const page of paginateFilterLogEvents(
      { client: logs },
      { logGroupName: logGroup, logStreamNamePrefix: prefix, startTime: start, ...(filter ? { filterPattern: filter } : {}) },
    )) {
      for (const event of page.events ?? []) {
        const line = toLine(event)
        // The prefix again here: not every endpoint applies logStreamNamePrefix.
        if (line && line.stream.startsWith(prefix)) lines.push(line)
      }
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') {
      throw new CheckFailed(`log group ${logGroup} not found: run ./scripts/provision (or ./scripts/logs/create-log-group) first`)
    }
    throw error
  }
  return lines
}

/**
 * Show the service's lines since `since`; with `follow`, keep polling every `pollMs` until
 * `stop()` says so (never, for a user: Ctrl-C ends it).
 */
export async function showLogs(
  logs: CloudWatchLogsClient,
  options: ReadOptions & { follow: boolean; pollMs: number; stop?: () => boolean },
  emit: (line: LogLine) => void,
): Promise<number> {
  let shown = 0
  for await (const line of logLines(logs, options)) {
    emit(line)
    shown += 1
  }
  return shown
}

/** The same lines as they come, for `for await` (the kit's API); a caller that stops iterating stops the polling. */
export async function* logLines(
  logs: CloudWatchLogsClient,
  options: ReadOptions & { follow: boolean; pollMs: number; stop?: () => boolean },
): AsyncGenerator<LogLine, void, undefined> {
  const cursor = new LogCursor(options.since)
  for (;;) {
    const fresh = cursor.accept(await readLines(logs, options, cursor.start))
    yield* fresh
    if (!options.follow || options.stop?.()) return
    await new Promise((resolve) => setTimeout(resolve, options.pollMs))
  }
}
