// Per service, what its templates render against what ECS runs, as unified diffs (read-only).
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { bad, ok, say } from '../lib/core/output.js'
import { envHelp, parameterHelp, VARIABLES, type Variable } from '../lib/config/variables.js'
import { diff, diffMessage, formatDiff } from '../lib/kit/diff.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'

await runScript(withAwsEnv(
  {
    name: 'diff',
    summary:
      'Per service, a unified diff of its task definition as rendered from task-definitions/SERVICE.json against the one the service runs, ' +
      'and of its service file (json/service-SERVICE.json, with the front door\'s load balancer) against the running service. ' +
      'Leaves out what ECS adds (ARNs, revision, status, defaults it fills in), the image deploy pinned by digest, and fields ' +
      'ECS\'s answer does not carry (listed as not compared). Secrets are masked. Read-only. ' +
      'Exit 1 when something differs or a service is not deployed, 0 when everything is as the templates render.',
    positionals: [{ name: 'SERVICE', description: 'one declared service (default: ECS_SERVICES, else every declared one)' }],
    options: { json: { type: 'boolean', description: 'print one JSON document (see README: "scripts/diff")' } },
    env: [...envHelp(...(Object.keys(VARIABLES) as Variable[]).filter((name) => name !== 'ECR_REGISTRY')), ...parameterHelp()],
    notes: ['Lines with - are what runs, lines with + what the templates say: what a deploy of the templates would change.', 'Example:  ./scripts/diff backend-flask'],
  }),
  async ({ values, positionals }) => {
    const kit = await scriptKit(scriptOutput(values.json === true))
    const { document, exitCode } = await diff(kit, positionals)
    if (values.json) {
      say(JSON.stringify(document, null, 2))
    } else {
      // What runs in red, what the templates say in green (on a terminal), as git diff.
      for (const line of formatDiff(document)) {
        if (/^-(?!--)/.test(line)) bad(line)
        else if (/^\+(?!\+\+)/.test(line)) ok(line)
        else say(line)
      }
      say(diffMessage(document))
    }
    return exitCode
  },
)
