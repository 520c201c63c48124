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
import { isTransientAwsError } from '../aws/clients.js'
import { describeError } from '../core/describe-error.js'

export interface LogLine {
  eventId: string
  /** Milliseconds since the epoch. */
  timestamp: number
  stream: string
  taskId: string
  message: string
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** YYYY-MM-DD...: a date only when its day exists in its month (Date.parse rolls 2026-02-30 over to March 2). Pure. */
function realDate(text: string): number {
  const parts = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
  if (!parts) return NaN
  const [year, month, day] = parts.slice(1).map(Number)
  const calendar = new Date(Date.UTC(year, month - 1, day))
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return NaN
  return Date.parse(text)
}

/** --since: "30s", "10m", "2h", "1d", or an ISO date; the start time in ms. Pure. */
export function parseSince(text: string, now: number): number {
  const relative = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim())
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]]
  const absolute = realDate(text.trim())
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
    message: (event.message ?? '').replace(/\r?\n$/, ''),
  }
}

/**
 * A message made safe for a terminal: control characters (escape sequences, carriage returns,
 * embedded newlines, C1 controls) are printed escaped, so a log line is one line and cannot
 * move the cursor, recolour or retitle the terminal. Tabs stay. Pure.
 */
export function escapeControls(message: string): string {
  return message.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** "2026-11-27T10:00:00.123Z  <task id>  message", the message escaped. Pure. */
export const formatLine = (line: LogLine): string => `${new Date(line.timestamp).toISOString()}  ${escapeControls(line.taskId)}  ${escapeControls(line.message)}`

/** How late (after its own timestamp) a line may reach CloudWatch Logs and still be shown by --follow. */
export const LATE_WINDOW_MS = 60_000

/**
 * Where the next read starts and what was shown, across polls. Each read starts `overlapMs`
 * before the earlier of the newest event shown and the previous read's time, so an event that
 * reaches CloudWatch Logs up to `overlapMs` after its own timestamp is still found (a line
 * stamped in the future cannot push the window past the present); ids already shown are
 * dropped. Pure (no I/O).
 */
export class LogCursor {
  private readonly seen = new Map<string, number>()
  private newest: number
  private lastRead = Infinity

  constructor(
    private readonly since: number,
    private readonly overlapMs = LATE_WINDOW_MS,
  ) {
    this.newest = since
  }

  /** The startTime of the next read. */
  get start(): number {
    return Math.max(this.since, Math.min(this.newest, this.lastRead) - this.overlapMs)
  }

  /**
   * The lines of a read not shown before, oldest first; they count as shown from now on.
   * `readAt`: when that read was sent (ms since the epoch).
   */
  accept(lines: readonly LogLine[], readAt = Infinity): LogLine[] {
    this.lastRead = readAt
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

/** How long --follow keeps retrying reads that fail transiently (throttling, 5xx, timeouts) before it gives up. */
export const FOLLOW_RETRY_MS = 5 * 60_000

/**
 * What --follow does after a failed read: retry (after how long), or give up. A transient
 * failure is retried with a doubling delay (from the poll interval, at most 30 s) until
 * failures have lasted `deadlineMs`; anything else ends the follow. Pure.
 */
export function retryAfterFailure(error: unknown, failingForMs: number, failures: number, pollMs: number, deadlineMs = FOLLOW_RETRY_MS): number | undefined {
  if (!isTransientAwsError(error) || failingForMs >= deadlineMs) return undefined
  return Math.min(30_000, pollMs * 2 ** Math.max(0, failures - 1), Math.max(0, deadlineMs - failingForMs))
}

/** What showLogs and logLines take: what to read, whether to follow, how often, and where a retried read is said. */
export type FollowOptions = ReadOptions & { follow: boolean; pollMs: number; stop?: () => boolean; retryForMs?: number; notice?: (text: string) => void }

/**
 * Show the service's lines since `since`; with `follow`, keep polling every `pollMs` until
 * `stop()` says so (never, for a user: Ctrl-C ends it). While following, a read that fails
 * transiently is said on `notice` and retried (retryAfterFailure).
 */
export async function showLogs(
  logs: CloudWatchLogsClient,
  options: FollowOptions,
  emit: (line: LogLine) => void,
): Promise<number> {
  let shown = 0
  for await (const line of logLines(logs, options)) {
    emit(line)
    shown += 1
  }
  return shown
}

/**
 * The same lines as they come, for `for await` (the kit's API and showLogs); a caller that
 * stops iterating stops the polling. While following, a read that fails transiently is said on
 * `notice` and retried (retryAfterFailure).
 */
export async function* logLines(logs: CloudWatchLogsClient, options: FollowOptions): AsyncGenerator<LogLine, void, undefined> {
  const cursor = new LogCursor(options.since)
  let failingSince: number | undefined
  let failures = 0
  for (;;) {
    const readAt = Date.now()
    let delay = options.pollMs
    let fresh: LogLine[] = []
    try {
      fresh = cursor.accept(await readLines(logs, options, cursor.start), readAt)
      if (failingSince !== undefined) options.notice?.(`reading again after ${failures} failed read${failures === 1 ? '' : 's'}`)
      failingSince = undefined
      failures = 0
    } catch (error) {
      if (!options.follow) throw error
      failingSince ??= readAt
      failures += 1
      const retryIn = retryAfterFailure(error, Date.now() - failingSince, failures, options.pollMs, options.retryForMs)
      if (retryIn === undefined) throw error
      options.notice?.(`read failed, retrying in ${(retryIn / 1000).toFixed(1)} s: ${describeError(error).line}`)
      delay = retryIn
    }
    yield* fresh
    if (!options.follow || options.stop?.()) return
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
}
