// The guide's security advice as checks: the templates (--local) or the live stack.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ACCEPTED_FILE } from '../lib/audit/engine.js'
import { formatHuman, toSarif } from '../lib/audit/format.js'
import { RULES } from '../lib/audit/rules.js'
import { ROOT } from '../lib/config/paths.js'
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { UsageError } from '../lib/core/errors.js'
import { say } from '../lib/core/output.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { audit } from '../lib/kit/audit.js'

const version = (): string => {
  try {
    return String(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  } catch {
    return '0.0.0'
  }
}

await runScript(
  withAwsEnv({
    name: 'audit',
    summary:
      'Check the stack against the guide\'s security advice (ECS, IAM, ECR, network, CloudTrail, Config): the live account (read-only), ' +
      'or the templates alone with --local. Each finding names its rule, the public checks it matches, the resource, why, how to fix it in this kit, and what the fix costs.',
    options: {
      local: { type: 'boolean', description: 'check the templates only, with stand-in values: no AWS call' },
      json: { type: 'boolean', description: 'print the report as JSON' },
      sarif: { type: 'boolean', description: 'print SARIF 2.1.0 (for code-scanning tools)' },
      'fail-on': { type: 'string', placeholder: 'SEVERITY', description: 'exit 1 when an open finding is at or above: critical, high (default), medium, low, none' },
    },
    env: [
      { name: 'AWS_DEFAULT_REGION', description: 'region to read (--local: only used in rendered ARNs)' },
      { name: 'ECS_SERVICES', description: 'the services to check (default: every service in json/services.json)' },
    ],
    notes: [
      `Accepted findings: ${ACCEPTED_FILE}, entries {"rule", "resource" (glob), "reason"}; they are listed as accepted, never hidden.`,
      'Rules:',
      ...RULES.map((r) => `  ${r.id}  ${r.severity.padEnd(8)} ${r.title}${r.publicIds.length ? ` (${r.publicIds.join(', ')})` : ''}`),
    ],
  }),
  async ({ values }) => {
    if (values.json && values.sarif) throw new UsageError('--json and --sarif are two formats: pick one')
    // Progress for a person waiting; machines reading --json or --sarif get only the document.
    const note = (line: string) => void (process.stderr.isTTY && process.stderr.write(`${line}\n`))
    const kit = await scriptKit(scriptOutput(true, { note }))
    const { document: report, exitCode } = await audit(kit, { local: values.local === true, failOn: values['fail-on'] })
    if (values.sarif) say(JSON.stringify(toSarif(report, version()), null, 2))
    else if (values.json) say(JSON.stringify(report, null, 2))
    else for (const line of formatHuman(report)) say(line)
    return exitCode
  },
)
