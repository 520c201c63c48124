// kit.logs(): a service's container log lines from the one log group (scripts/logs/tail).
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { parseSeconds } from '../core/cli.js'
import { UsageError } from '../core/errors.js'
import { declaredServices, serviceNamed } from '../config/services.js'
import { logLines, parseSince, type LogLine } from '../ops/logs.js'
import type { KitCore as Kit } from './core.js'

/** One line, as logs/tail --json prints it. */
export type LogEvent = Omit<LogLine, 'timestamp'> & { timestamp: string }

export interface LogsOptions {
  /** Keep yielding new lines (an async iterator) until the caller stops. */
  follow?: boolean
  /** Start this long ago (30s, 10m, 2h, 1d), at a date, or a time in ms (default 10m). */
  since?: string | Date | number
  /** Only lines matching a CloudWatch Logs filter pattern. */
  filter?: string
  /** With follow, seconds between reads (default 2); a read that fails transiently is retried for up to 5 minutes, said on progress. */
  poll?: number | string
}

/** The service's lines; the script and the API both read them through this. */
export async function* readLogs(
  kit: Kit,
  name: string | undefined,
  options: LogsOptions,
  /** Told, once the arguments are checked, what is about to be read. */
  onStart?: (reading: { service: string; since: number; logGroup: string }) => void,
): AsyncGenerator<LogEvent, void, undefined> {
  const run = await kit.run('read-only')
  if (!name) throw new UsageError(`name a service (declared: ${declaredServices().map((s) => s.name).join(', ')}); see logs/tail --help`)
  const service = serviceNamed(name)
  const given = options.since ?? '10m'
  const since = typeof given === 'string' ? parseSince(given, Date.now()) : new Date(given).getTime()
  const pollMs = parseSeconds(options.poll === undefined ? undefined : String(options.poll), 'poll', 2) * 1000
  const logs = run.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
  onStart?.({ service: service.name, since, logGroup: run.names.logGroup })
  const lines = logLines(logs, { logGroup: run.names.logGroup, service: service.name, since, filter: options.filter, follow: options.follow === true, pollMs, notice: (text) => kit.out.warn(`logs/tail: ${text}`) })
  for await (const line of lines) yield { ...line, timestamp: new Date(line.timestamp).toISOString() }
}
