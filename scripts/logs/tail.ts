// A service's container log lines, from the one log group, by the service's stream prefix.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { runAwsScript } from '../../lib/core/boundary.js'
import { parseSeconds } from '../../lib/core/cli.js'
import { EXIT, UsageError } from '../../lib/core/errors.js'
import { say, warn } from '../../lib/core/output.js'
import { declaredServices, serviceNamed } from '../../lib/config/services.js'
import { envHelp } from '../../lib/config/variables.js'
import { formatLine, parseSince, showLogs } from '../../lib/ops/logs.js'

await runAwsScript(
  {
    name: 'logs/tail',
    summary:
      "Print a service's container log lines (timestamp, task id, message) from the kit's log group, oldest first. " +
      '--follow keeps printing new lines, none twice, none lost that reaches CloudWatch Logs within 60 s of its timestamp; ' +
      'failed reads are retried for up to 5 minutes. Control characters in messages are printed escaped. Read-only.',
    positionals: [{ name: 'SERVICE', description: 'a service declared in json/services.json, e.g. backend-flask' }],
    options: {
      follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until Ctrl-C' },
      since: { type: 'string', placeholder: 'WHEN', description: 'start this long ago (30s, 10m, 2h, 1d) or at a date (default 10m)' },
      filter: { type: 'string', placeholder: 'PATTERN', description: 'only lines matching a CloudWatch Logs filter pattern, e.g. ERROR or "GET /api"' },
      poll: { type: 'string', placeholder: 'SECONDS', description: 'with --follow, seconds between reads (default 2)' },
      json: { type: 'boolean', description: 'one JSON object per line: timestamp, taskId, stream, message, eventId' },
    },
    env: envHelp('LOG_GROUP', 'AWS_DEFAULT_REGION'),
    notes: ['Example:  ./scripts/logs/tail backend-flask --since 1h --filter ERROR', '          ./scripts/logs/tail frontend-react-js -f'],
  },
  'read-only',
  async ({ values, positionals }, run) => {
    const [name] = positionals
    if (!name) throw new UsageError(`name a service (declared: ${declaredServices().map((s) => s.name).join(', ')}); see logs/tail --help`)
    const service = serviceNamed(name)
    const since = parseSince(values.since ?? '10m', Date.now())
    const pollMs = parseSeconds(values.poll, 'poll', 2) * 1000
    const logs = run.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
    const follow = values.follow === true
    if (follow && values.json !== true) warn(`following ${service.name} in ${run.names.logGroup} (Ctrl-C stops)`)
    const shown = await showLogs(
      logs,
      { logGroup: run.names.logGroup, service: service.name, since, filter: values.filter, follow, pollMs, notice: (text) => warn(`logs/tail: ${text}`) },
      (line) => say(values.json ? JSON.stringify({ ...line, timestamp: new Date(line.timestamp).toISOString() }) : formatLine(line)),
    )
    if (shown === 0 && values.json !== true) {
      warn(`no log lines from ${service.name} since ${new Date(since).toISOString()}${values.filter ? ` matching ${values.filter}` : ''} in ${run.names.logGroup}`)
    }
    return EXIT.ok
  },
)
