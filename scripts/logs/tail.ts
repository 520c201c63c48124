// A service's container log lines, from the one log group, by the service's stream prefix.
import { runScript, withAwsEnv } from '../../lib/core/boundary.js'
import { EXIT } from '../../lib/core/errors.js'
import { say, warn } from '../../lib/core/output.js'
import { envHelp } from '../../lib/config/variables.js'
import { formatLine } from '../../lib/ops/logs.js'
import { scriptKit, scriptOutput } from '../../lib/kit/script.js'
import { readLogs } from '../../lib/kit/logs.js'

await runScript(withAwsEnv(
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
  }),
  async ({ values, positionals }) => {
    const kit = await scriptKit(scriptOutput(values.json === true))
    const follow = values.follow === true
    const { since = '10m', filter, poll } = values
    let reading = { service: '', since: 0, logGroup: '' }
    const started = (r: typeof reading) => {
      reading = r
      if (follow && values.json !== true) warn(`following ${r.service} in ${r.logGroup} (Ctrl-C stops)`)
    }
    // The lines kit.logs() gives, as they come.
    let shown = 0
    for await (const line of readLogs(kit, positionals[0], { since, filter, poll, follow }, started)) {
      say(values.json ? JSON.stringify(line) : formatLine({ ...line, timestamp: Date.parse(line.timestamp) }))
      shown += 1
    }
    if (shown === 0 && values.json !== true) {
      warn(`no log lines from ${reading.service} since ${new Date(reading.since).toISOString()}${filter ? ` matching ${filter}` : ''} in ${reading.logGroup}`)
    }
    return EXIT.ok
  },
)
