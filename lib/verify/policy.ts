// A small IAM policy evaluator, enough for a pre-flight: may this role do this action on this
// resource, given its policy documents (inline and attached)? Allow statements with Action /
// NotAction and Resource / NotResource wildcards (* and ?), and an explicit Deny wins over any
// Allow. Conditions are not evaluated (a statement with a Condition counts as applying), nor
// are permission boundaries, SCPs or session policies: this answers "did we forget to grant
// it", not "will AWS's full evaluation allow it". Pure.
import { decodePolicy } from '../aws/iam.js'

export interface PolicyStatement {
  Sid?: string
  Effect?: string
  Action?: string | string[]
  NotAction?: string | string[]
  Resource?: string | string[]
  NotResource?: string | string[]
  Principal?: unknown
  Condition?: unknown
}

export type Decision = 'allowed' | 'denied' | 'not granted'

const list = (value: string | string[] | undefined): string[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value.map(String) : [String(value)]

/** Whether an IAM wildcard pattern (* any run, ? one character) matches the text. Pure. */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text)
}

/** The statements of a policy document (one statement or a list); none when it is not a policy. Pure. */
export function statementsOf(document: unknown): PolicyStatement[] {
  const doc = typeof document === 'string' ? decodePolicy(document) : document
  if (!doc || typeof doc !== 'object') return []
  const statement = (doc as { Statement?: unknown }).Statement
  const all = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement]
  return all.filter((s): s is PolicyStatement => !!s && typeof s === 'object')
}

function applies(statement: PolicyStatement, action: string, resource: string): boolean {
  const actions = list(statement.Action)
  const notActions = list(statement.NotAction)
  const actionOk = actions
    ? actions.some((a) => wildcardMatch(a, action, true))
    : notActions
      ? !notActions.some((a) => wildcardMatch(a, action, true))
      : false
  if (!actionOk) return false
  const resources = list(statement.Resource)
  const notResources = list(statement.NotResource)
  if (resources) return resources.some((r) => wildcardMatch(r, resource))
  if (notResources) return !notResources.some((r) => wildcardMatch(r, resource))
  return false
}

/** Whether the documents allow `action` on `resource`: an explicit Deny wins, then any Allow. Pure. */
export function decide(documents: readonly unknown[], action: string, resource: string): Decision {
  const statements = documents.flatMap(statementsOf)
  if (statements.some((s) => s.Effect === 'Deny' && applies(s, action, resource))) return 'denied'
  if (statements.some((s) => s.Effect === 'Allow' && applies(s, action, resource))) return 'allowed'
  return 'not granted'
}

export interface Permission {
  action: string
  resource: string
}

export interface Refusal extends Permission {
  decision: Exclude<Decision, 'allowed'>
}

/** The permissions the documents do not allow, each with why. Pure. */
export function refusals(documents: readonly unknown[], needed: readonly Permission[]): Refusal[] {
  return needed.flatMap((p) => {
    const decision = decide(documents, p.action, p.resource)
    return decision === 'allowed' ? [] : [{ ...p, decision }]
  })
}

/** Whether a trust policy lets the AWS service principal (e.g. ecs-tasks.amazonaws.com) assume the role. Pure. */
export function trustsService(document: unknown, service: string): boolean {
  const statements = statementsOf(document)
  const names = (principal: unknown): string[] => {
    if (principal === '*') return ['*']
    if (!principal || typeof principal !== 'object') return []
    return list((principal as { Service?: string | string[] }).Service) ?? []
  }
  const grants = (s: PolicyStatement) =>
    (list(s.Action) ?? []).some((a) => wildcardMatch(a, 'sts:AssumeRole', true)) && names(s.Principal).some((n) => n === '*' || n === service)
  return !statements.some((s) => s.Effect === 'Deny' && grants(s)) && statements.some((s) => s.Effect === 'Allow' && grants(s))
}
