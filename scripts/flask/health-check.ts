// GET the backend's /api/health-check: [OK] and exit 0, or [BAD] with the reason and exit 1.
import { parseSeconds } from '../../lib/core/cli.js'
import { EXIT, UsageError } from '../../lib/core/errors.js'
import { DEFAULT_HEALTH_URL, checkHealth, parseHealthUrl, shownUrl, waitForHealth } from '../../lib/ops/health.js'
import { runScript } from '../../lib/core/boundary.js'
import { bad, ok } from '../../lib/core/output.js'

await runScript(
  {
    name: 'flask/health-check',
    summary: 'Check that the Flask backend answers its health check with {"success": true}.',
    options: {
      url: { type: 'string', placeholder: 'URL', description: `health-check URL (default ${DEFAULT_HEALTH_URL})` },
      timeout: { type: 'string', placeholder: 'SECONDS', description: 'deadline of each request, body included (default 5)' },
      wait: { type: 'string', placeholder: 'SECONDS', description: 'keep retrying until healthy; give up when this many seconds have passed in all' },
    },
    notes: ['Example, in a Gitpod task after `docker compose up -d`:  ./scripts/flask/health-check --wait 60'],
  },
  async ({ values }) => {
    const url = parseHealthUrl(values.url ?? DEFAULT_HEALTH_URL)
    if (typeof url === 'string') throw new UsageError(url)
    const timeoutMs = parseSeconds(values.timeout, 'timeout', 5) * 1000
    const waitMs = values.wait === undefined ? 0 : parseSeconds(values.wait, 'wait', 0) * 1000
    const result = await waitForHealth((t) => checkHealth(url, t), timeoutMs, waitMs)
    if (result.healthy) {
      ok('[OK] Flask server is running')
      return EXIT.ok
    }
    bad(`[BAD] Flask server is not healthy at ${shownUrl(url)}: ${result.reason}${waitMs ? ` (gave up after ${waitMs / 1000}s)` : ''}`)
    return EXIT.failed
  },
)
