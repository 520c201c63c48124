// Can we reach the database? Connect, print the server's version, disconnect (the guide's
// bin/db/test). Exit 0 connected, 1 the connection failed (one line: which way, and the fix),
// 2 no URL or a malformed one.
import { parseSeconds } from '../../lib/core/cli.js'
import { DB_URL_VARIABLES } from '../../lib/config/env.js'
import { passwordsOf } from '../../lib/core/redact.js'
import { parseDbUrl, probeDatabase, resolveDbUrl } from '../../lib/ops/db.js'
import { EXIT } from '../../lib/core/errors.js'
import { runScript } from '../../lib/core/boundary.js'
import { ok, say } from '../../lib/core/output.js'
import { registerSecret } from '../../lib/core/redact.js'

await runScript(
  {
    name: 'db/test',
    summary: 'Test the connection to the PostgreSQL database (e.g. RDS): connect, print the server version, disconnect.',
    options: {
      url: {
        type: 'string',
        placeholder: 'URL',
        description: 'connection URL, overriding the environment (a password here shows in ps and shell history)',
      },
      timeout: { type: 'string', placeholder: 'SECONDS', description: 'give up after this long, connecting and querying (default 5)' },
    },
    env: [
      { name: DB_URL_VARIABLES[0], description: 'postgresql://USER:PASSWORD@HOST:5432/DATABASE, tried first' },
      { name: DB_URL_VARIABLES[1], description: `used when ${DB_URL_VARIABLES[0]} is not set` },
    ],
    notes: [
      'sslmode in the URL has its libpq (psql, psycopg) meaning: require encrypts without verifying the certificate.',
      'Example:  ./scripts/db/test --timeout 10',
    ],
  },
  async ({ values }) => {
    const found = resolveDbUrl(values.url, process.env)
    for (const password of passwordsOf(found.url)) registerSecret(password)
    registerSecret(process.env.PGPASSWORD)
    const target = parseDbUrl(found)
    const timeoutMs = parseSeconds(values.timeout, 'timeout', 5) * 1000
    say(`attempting connection to ${target.masked} (from ${target.source})`)
    const { version } = await probeDatabase(target, timeoutMs)
    ok('Connection successful!')
    say(`server version: ${version}`)
    return EXIT.ok
  },
)
