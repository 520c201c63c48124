// Runs the rules over a snapshot and decides: which findings are accepted on purpose (by
// policies/audit-accepted.json, listed as accepted, never hidden), which rules could not be
// checked in this mode, and whether the run fails at --fail-on. Pure, except loadAccepted.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../config/paths.js'
import { ConfigError, UsageError } from '../core/errors.js'
import { RULES, type Finding, type Rule } from './rules.js'
import { SEVERITIES, taskDefinitions, type Severity, type Snapshot } from './snapshot.js'

export const ACCEPTED_FILE = 'policies/audit-accepted.json'

export interface Acceptance {
  rule: string
  /** The finding's resource, "*" matching any run of characters: "container:*", "service:backend-flask". */
  resource: string
  reason: string
}

export interface ReportedFinding extends Finding {
  ruleId: string
  title: string
  severity: Severity
  publicIds: string[]
  /** Set when the finding is accepted on purpose. */
  accepted?: { reason: string }
}

export type FailOn = Severity | 'none'

export interface AuditReport {
  mode: Snapshot['mode']
  region: string
  account: string
  rules: Array<Pick<Rule, 'id' | 'title' | 'severity' | 'publicIds' | 'helpUri'>>
  /** Open findings first (most severe first), then accepted ones. */
  findings: ReportedFinding[]
  /** Rules this mode has no facts for (e.g. CloudTrail under --local). */
  notChecked: string[]
  /** Acceptances that matched no finding although their rule and resource were checked (stale entries). */
  unusedAcceptances: Acceptance[]
  unreadable: string[]
  /** What the kit manages that does not exist (live): provision creates it. */
  absent: string[]
  summary: Record<Severity, number> & { accepted: number }
  failOn: FailOn
  /** True when an open finding is at or above failOn. */
  failed: boolean
}

/** Whether a glob ("*" = any characters) matches the whole text. Pure. */
export function globMatch(pattern: string, text: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
  return regex.test(text)
}

/** Check the accepted-findings file's content. Throws a ConfigError naming the entry. Pure. */
export function parseAccepted(json: unknown, rules: readonly Rule[] = RULES, file = ACCEPTED_FILE): Acceptance[] {
  const list = (json as { accepted?: unknown } | undefined)?.accepted
  if (!Array.isArray(list)) throw new ConfigError(`${file}: must be {"accepted": [{"rule", "resource", "reason"}, ...]}`)
  return list.map((entry, i) => {
    const e = (entry ?? {}) as Record<string, unknown>
    const where = `${file}: accepted[${i}]`
    if (typeof e.rule !== 'string' || !rules.some((r) => r.id === e.rule)) {
      throw new ConfigError(`${where}.rule ${JSON.stringify(e.rule)} is not a rule id (see ./scripts/audit --help for the list)`)
    }
    if (typeof e.resource !== 'string' || e.resource.trim() === '') throw new ConfigError(`${where}.resource must be a resource such as "service:backend-flask" (globs with * allowed)`)
    if (typeof e.reason !== 'string' || e.reason.trim().length < 10) throw new ConfigError(`${where}.reason must say why it is accepted, in a sentence`)
    return { rule: e.rule, resource: e.resource, reason: e.reason }
  })
}

/** Read policies/audit-accepted.json (none: nothing accepted). */
export function loadAccepted(root = ROOT): Acceptance[] {
  let text: string
  try {
    text = readFileSync(join(root, ACCEPTED_FILE), 'utf8')
  } catch {
    return []
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`${ACCEPTED_FILE}: malformed JSON (${(error as Error).message.split('\n')[0]}): fix the file so it parses`)
  }
  return parseAccepted(json)
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s)

/**
 * Every resource the snapshot holds facts for, named as findings name them ("service:NAME",
 * "container:FAMILY/NAME", ...). What does not exist (an empty account) or could not be read
 * was not checked. Pure.
 */
export function checkedResources(snapshot: Snapshot): string[] {
  const resources: string[] = []
  if (snapshot.cluster.exists) resources.push(`cluster:${snapshot.cluster.name}`)
  for (const svc of snapshot.services) resources.push(`service:${svc.name}`)
  for (const td of taskDefinitions(snapshot)) {
    resources.push(`task-definition:${td.family}`, ...td.containerDefinitions.map((c) => `container:${td.family}/${c.name ?? '?'}`))
  }
  resources.push(...snapshot.roles.map((r) => `role:${r.name}`), ...snapshot.securityGroups.map((g) => `security-group:${g.name}`))
  resources.push(...snapshot.parameters.map((p) => `parameter:${p.name}`))
  for (const r of snapshot.repositories.filter((r) => r.exists)) resources.push(`repository:${r.name}`, ...(r.scans ?? []).map((scan) => `image:${scan.image}`))
  resources.push(...snapshot.logGroups.filter((g) => g.exists !== false).map((g) => `log-group:${g.name}`))
  if (snapshot.trails !== undefined || snapshot.recorders !== undefined) resources.push(`region:${snapshot.region}`)
  const lb = snapshot.loadBalancer
  if (lb) resources.push(`load-balancer:${lb.name}`, ...lb.listeners.map((l) => `listener:${lb.name}/${l.protocol}:${l.port ?? '?'}`))
  return resources
}

/** Parse --fail-on. Pure. */
export function parseFailOn(text: string | undefined): FailOn {
  if (text === undefined) return 'high'
  const value = text.toLowerCase()
  if (value === 'none' || (SEVERITIES as readonly string[]).includes(value)) return value as FailOn
  throw new UsageError(`--fail-on must be one of ${[...SEVERITIES, 'none'].join(', ')}, got "${text}"`)
}

/** Run every rule over the snapshot and judge the result. Pure. */
export function evaluate(snapshot: Snapshot, accepted: readonly Acceptance[], failOn: FailOn, rules: readonly Rule[] = RULES): AuditReport {
  const findings: ReportedFinding[] = []
  const notChecked: string[] = []
  const used = new Set<Acceptance>()
  for (const rule of rules) {
    const found = rule.check(snapshot)
    if (found === undefined) {
      notChecked.push(rule.id)
      continue
    }
    for (const f of found) {
      const acceptance = accepted.find((a) => a.rule === rule.id && globMatch(a.resource, f.resource))
      if (acceptance) used.add(acceptance)
      // A finding with no file of its own points at where the kit defines its resource.
      const source = f.file ? undefined : snapshot.sources?.[f.resource]
      findings.push({
        ruleId: rule.id,
        title: rule.title,
        publicIds: rule.publicIds,
        ...(source ? { file: source.file, ...(source.key ? { key: source.key } : {}) } : {}),
        ...f,
        severity: f.severity ?? rule.severity,
        ...(acceptance ? { accepted: { reason: acceptance.reason } } : {}),
      })
    }
  }
  findings.sort((a, b) => Number(!!a.accepted) - Number(!!b.accepted) || rank(a.severity) - rank(b.severity) || a.ruleId.localeCompare(b.ruleId))
  const open = findings.filter((f) => !f.accepted)
  const summary = { critical: 0, high: 0, medium: 0, low: 0, accepted: findings.length - open.length }
  for (const f of open) summary[f.severity] += 1
  const failed = failOn !== 'none' && open.some((f) => rank(f.severity) <= rank(failOn))
  const checked = checkedResources(snapshot)
  return {
    mode: snapshot.mode,
    region: snapshot.region,
    account: snapshot.account,
    rules: rules.map(({ id, title, severity, publicIds, helpUri }) => ({ id, title, severity, publicIds, helpUri })),
    findings,
    notChecked,
    // Stale only when it could have matched: its rule ran and a resource it names was checked.
    unusedAcceptances: accepted.filter((a) => !used.has(a) && !notChecked.includes(a.rule) && checked.some((r) => globMatch(a.resource, r))),
    unreadable: snapshot.unreadable,
    absent: snapshot.absent,
    summary,
    failOn,
    failed,
  }
}
