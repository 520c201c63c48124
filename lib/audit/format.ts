// The audit's three outputs: lines for people (grouped by severity, accepted findings listed
// apart with their reasons), the report as JSON, and SARIF 2.1.0 for code-scanning tools.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../config/paths.js'
import { colour } from '../core/output.js'
import { ACCEPTED_FILE, type AuditReport, type ReportedFinding } from './engine.js'
import { RULES } from './rules.js'
import { SEVERITIES, type Severity } from './snapshot.js'

const paint = (s: Severity): ((t: string) => string) => (s === 'critical' || s === 'high' ? colour.red : s === 'medium' ? colour.yellow : colour.dim)

function findingLines(f: ReportedFinding): string[] {
  const lines = [`  ${f.ruleId}  ${f.resource}  ${colour.bold(f.title)}`, `      why:  ${f.message}`]
  if (f.accepted) lines.push(`      accepted: ${f.accepted.reason}`)
  lines.push(`      fix:  ${f.fix}`)
  if (f.cost) lines.push(`      cost: ${f.cost}`)
  if (f.publicIds.length) lines.push(colour.dim(`      ids:  ${f.publicIds.join(', ')}`))
  return lines
}

/** The report as lines for a person. Pure (given the palette). */
export function formatHuman(report: AuditReport): string[] {
  const mode = report.mode === 'local' ? 'templates only (--local), no AWS call' : `the live stack in ${report.region}, account ${report.account}`
  const lines = [`audit of ${mode}: ${report.rules.length} rules`]
  const open = report.findings.filter((f) => !f.accepted)
  for (const severity of SEVERITIES) {
    const group = open.filter((f) => f.severity === severity)
    if (group.length === 0) continue
    lines.push('', paint(severity)(`${severity.toUpperCase()} (${group.length})`))
    for (const f of group) lines.push(...findingLines(f))
  }
  const accepted = report.findings.filter((f) => f.accepted)
  if (accepted.length) {
    lines.push('', `ACCEPTED (${accepted.length}): listed, not counted (${ACCEPTED_FILE})`)
    // One entry per rule and reason, with every resource it covers.
    const groups = new Map<string, ReportedFinding[]>()
    for (const f of accepted) groups.set(`${f.ruleId}\n${f.accepted?.reason}`, [...(groups.get(`${f.ruleId}\n${f.accepted?.reason}`) ?? []), f])
    for (const group of groups.values()) {
      const f = group[0]
      lines.push(`  ${f.ruleId}  ${colour.bold(f.title)} [${f.severity}]: ${group.map((g) => g.resource).join(', ')}`)
      lines.push(`      accepted: ${f.accepted?.reason}`)
    }
  }
  if (report.notChecked.length) {
    const why = report.mode === 'local' ? 'they need the live account' : 'their facts could not be read'
    lines.push('', `not checked (${why}): ${report.notChecked.map((id) => `${id} ${RULES.find((r) => r.id === id)?.title ?? ''}`.trim()).join('; ')}`)
  }
  if (report.absent.length) lines.push('', `not found in the account (./scripts/provision creates them; not audited): ${report.absent.join(', ')}`)
  if (report.unreadable.length) lines.push('', `could not read: ${report.unreadable.join('; ')}`)
  if (report.unusedAcceptances.length) {
    lines.push('', `accepted entries that match nothing (remove them?): ${report.unusedAcceptances.map((a) => `${a.rule} ${a.resource}`).join(', ')}`)
  }
  const s = report.summary
  const counts = `${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low open; ${s.accepted} accepted`
  const verdict =
    report.failOn === 'none' ? 'not failing (--fail-on none)' : report.failed ? colour.red(`FAILED: open findings at ${report.failOn} or above`) : colour.green(`passed at --fail-on ${report.failOn}`)
  lines.push('', `${counts}: ${verdict}`)
  return lines
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' }
/** GitHub code scanning's security-severity scale (0-10). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' }

/** The first line (1-based) of a kit file that holds the key, or undefined. */
export function lineOf(file: string, key: string | undefined, root = ROOT): number | undefined {
  if (!key) return undefined
  let text: string
  try {
    text = readFileSync(join(root, file), 'utf8')
  } catch {
    return undefined
  }
  const needle = file.endsWith('.json') ? `"${key}"` : key
  const index = text.split('\n').findIndex((line) => line.includes(needle))
  return index >= 0 ? index + 1 : undefined
}

export interface SarifLog {
  $schema: string
  version: '2.1.0'
  runs: Array<{
    tool: { driver: { name: string; version: string; rules: unknown[] } }
    invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: unknown[] }>
    results: unknown[]
  }>
}

/** The report as a SARIF 2.1.0 log. `line` finds a key's line in a file (reads the file). */
export function toSarif(report: AuditReport, version: string, line: typeof lineOf = lineOf): SarifLog {
  const rules = report.rules.map((r) => ({
    id: r.id,
    name: r.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: r.title },
    fullDescription: { text: `${r.title}${r.publicIds.length ? ` (${r.publicIds.join(', ')})` : ''}` },
    helpUri: r.helpUri,
    help: { text: `See ${r.helpUri}` },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[r.severity], severity: r.severity, publicIds: r.publicIds, tags: ['security', ...r.publicIds] },
  }))
  const results = report.findings.map((f) => {
    const startLine = f.file ? line(f.file, f.key) : undefined
    return {
      ruleId: f.ruleId,
      ruleIndex: report.rules.findIndex((r) => r.id === f.ruleId),
      level: LEVEL[f.severity],
      message: { text: `${f.resource}: ${f.message}. Fix: ${f.fix}${f.cost ? `. Cost: ${f.cost}` : ''}` },
      locations: [
        {
          ...(f.file
            ? { physicalLocation: { artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' }, ...(startLine ? { region: { startLine } } : {}) } }
            : {}),
          logicalLocations: [{ name: f.resource, kind: 'resource' }],
        },
      ],
      partialFingerprints: { 'kitFinding/v1': `${f.ruleId}:${f.resource}` },
      ...(f.accepted ? { suppressions: [{ kind: 'external', status: 'accepted', justification: f.accepted.reason }] } : {}),
      properties: { severity: f.severity, resource: f.resource, fix: f.fix, ...(f.cost ? { cost: f.cost } : {}), mode: report.mode },
    }
  })
  // What this run could not check, so a code-scanning tool does not read silence as a pass.
  const notCheckedWhy = report.mode === 'local' ? 'it needs the live account (not checked under --local)' : 'its facts could not be read'
  const notifications = [
    ...report.notChecked.map((id) => ({
      level: 'note',
      descriptor: { id: 'rule-not-checked' },
      associatedRule: { id, index: report.rules.findIndex((r) => r.id === id) },
      message: { text: `${id} not checked: ${notCheckedWhy}` },
    })),
    ...report.unreadable.map((what) => ({ level: 'warning', descriptor: { id: 'resource-unreadable' }, message: { text: `could not read ${what}: not checked` } })),
    ...report.absent.map((what) => ({ level: 'note', descriptor: { id: 'resource-absent' }, message: { text: `${what} does not exist (./scripts/provision creates it): not checked` } })),
  ]
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cruddur-ecs-kit audit', version, rules } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  }
}
