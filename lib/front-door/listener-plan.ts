// The load balancer's listeners and rules as data: what the kit wants (from the routed services,
// DOMAIN_NAME and the certificate), and what must change to get there from what exists. The
// listeners step (lib/steps/listeners.ts) reads the load balancer and applies these operations.
// Pure.
import type { Action, FixedResponseActionConfig, RedirectActionConfig, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2'
import type { ServiceDeclaration } from '../config/services.js'
import { serviceHostName } from './routes.js'

/** TLS 1.2 and 1.3 only (Security Hub ELB.17 fails anything allowing older versions). */
export const HTTPS_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06'

/** The ports whose listeners are the kit's; a listener on another port is someone else's. */
export const KIT_PORTS = [80, 443] as const

export type ListenerAction =
  | { type: 'forward'; service: string; targetGroupArn: string }
  /** HTTP_301 to HTTPS:443, keeping host, path and query. */
  | { type: 'redirect-to-https' }
  /** What answers when no service is the default. */
  | { type: 'not-found' }
  /** The default service is declared but not in this run (ECS_SERVICES): an existing default is kept, a new listener answers 404. */
  | { type: 'outside-run'; service: string }

export interface WantedListener {
  port: number
  protocol: 'HTTP' | 'HTTPS'
  defaultAction: ListenerAction
  certificateArn?: string
  sslPolicy?: string
}

export interface RuleMatch {
  field: 'host-header' | 'path-pattern'
  values: string[]
}

export interface WantedRule {
  listenerPort: number
  priority: number
  conditions: RuleMatch[]
  service: string
  targetGroupArn: string
  /**
   * A CANARY, LINEAR or BLUE_GREEN service's production rule: it forwards to both target groups
   * with weights (100 to targetGroupArn, 0 to this one at first), and ECS moves the weights.
   */
  alternateTargetGroupArn?: string
}

/**
 * The priority of the catch-all rule (path /*) a default service with a traffic-shifting strategy
 * is reached by: ECS's productionListenerRule must be a rule, and the listener's default action
 * is none. ELB's last priority, so every other service's rules are evaluated first, exactly as
 * the default action was, and no counted rule can ever reach it.
 */
export const CATCH_ALL_PRIORITY = 50000

export interface ListenerPlan {
  listeners: WantedListener[]
  rules: WantedRule[]
}

export interface ListenerInputs {
  domainName?: string
  /** Required with a domain: the HTTPS listener's certificate. */
  certificateArn?: string
  /** Each routed service's target group, by service name. */
  targetGroupArns: Readonly<Record<string, string>>
  /** The default service when it is declared but not among `routed` (a run with ECS_SERVICES). */
  defaultOutsideRun?: string
  /** The alternate target group of each routed service whose strategy shifts traffic (CANARY, LINEAR, BLUE_GREEN). */
  alternateTargetGroupArns?: Readonly<Record<string, string>>
}

/**
 * The listeners and rules the routed services want. Without a domain: HTTP:80 forwards each
 * service's paths to it and everything else to the default service (404 when none is). With a
 * domain: HTTP:80 only redirects to HTTPS:443, which holds the certificate and routes by host
 * (<host>.<domain>) first, then by path, so the load balancer's own name still reaches /api/*.
 * Priorities count from 1 in that order (host rules, then path rules, each in declaration
 * order), so the same inputs always give the same plan.
 */
export function wantedListeners(routed: readonly ServiceDeclaration[], inputs: ListenerInputs): ListenerPlan {
  const forward = (service: ServiceDeclaration): ListenerAction => {
    const targetGroupArn = inputs.targetGroupArns[service.name]
    if (!targetGroupArn) throw new Error(`no target group known for ${service.name}`)
    return { type: 'forward', service: service.name, targetGroupArn }
  }
  const fallback = routed.find((s) => s.frontDoor?.default)
  const defaultAction: ListenerAction = fallback ? forward(fallback) : inputs.defaultOutsideRun ? { type: 'outside-run', service: inputs.defaultOutsideRun } : { type: 'not-found' }
  const routeRules = (port: number, withHosts: boolean): WantedRule[] => {
    const matches: Array<[ServiceDeclaration, RuleMatch]> = []
    if (withHosts && inputs.domainName) {
      for (const s of routed) if (s.frontDoor?.host) matches.push([s, { field: 'host-header', values: [serviceHostName(s, inputs.domainName)] }])
    }
    for (const s of routed) for (const path of s.frontDoor?.paths ?? []) matches.push([s, { field: 'path-pattern', values: [path] }])
    const alternate = (s: ServiceDeclaration) => {
      const arn = inputs.alternateTargetGroupArns?.[s.name]
      return arn ? { alternateTargetGroupArn: arn } : {}
    }
    const rules: WantedRule[] = matches.map(([s, match], i) => {
      const action = forward(s) as Extract<ListenerAction, { type: 'forward' }>
      return { listenerPort: port, priority: i + 1, conditions: [match], service: s.name, targetGroupArn: action.targetGroupArn, ...alternate(s) }
    })
    if (fallback && inputs.alternateTargetGroupArns?.[fallback.name]) {
      const action = forward(fallback) as Extract<ListenerAction, { type: 'forward' }>
      rules.push({ listenerPort: port, priority: CATCH_ALL_PRIORITY, conditions: [{ field: 'path-pattern', values: ['/*'] }], service: fallback.name, targetGroupArn: action.targetGroupArn, ...alternate(fallback) })
    }
    return rules
  }
  if (!inputs.domainName) {
    return { listeners: [{ port: 80, protocol: 'HTTP', defaultAction }], rules: routeRules(80, false) }
  }
  if (!inputs.certificateArn) throw new Error(`no certificate known for ${inputs.domainName}`)
  return {
    listeners: [
      { port: 80, protocol: 'HTTP', defaultAction: { type: 'redirect-to-https' } },
      { port: 443, protocol: 'HTTPS', defaultAction, certificateArn: inputs.certificateArn, sslPolicy: HTTPS_SSL_POLICY },
    ],
    rules: routeRules(443, true),
  }
}

/** The SDK's form of an action. */
export function sdkAction(action: ListenerAction): Action {
  switch (action.type) {
    case 'forward':
      return { Type: 'forward', TargetGroupArn: action.targetGroupArn }
    case 'redirect-to-https':
      return { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' } }
    case 'not-found':
    case 'outside-run':
      return { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' } }
  }
}

/** The SDK's form of a rule's action: a forward, weighted to both groups for a production rule. */
export function ruleAction(rule: Pick<WantedRule, 'service' | 'targetGroupArn' | 'alternateTargetGroupArn'>): Action {
  if (!rule.alternateTargetGroupArn) return sdkAction({ type: 'forward', service: rule.service, targetGroupArn: rule.targetGroupArn })
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: rule.targetGroupArn, Weight: 100 },
        { TargetGroupArn: rule.alternateTargetGroupArn, Weight: 0 },
      ],
    },
  }
}

/**
 * Why a service's strategy cannot shift its traffic, or undefined: ECS moves the weights of ONE
 * production rule, so a routed CANARY, LINEAR or BLUE_GREEN service must be reached by exactly
 * one (the default by its catch-all rule; any other by one path, or by its host with a domain).
 * A second rule would keep forwarding to the old tasks' group after the shift. Pure.
 */
export function strategyRouteProblem(service: ServiceDeclaration, domainName: string | undefined): string | undefined {
  const route = service.frontDoor
  if (!route || service.deployment.strategy === 'ROLLING') return undefined
  const rules = [
    ...(route.default ? ['the default (a catch-all rule, path /*)'] : []),
    ...(domainName && route.host ? [`host ${serviceHostName(service, domainName)}`] : []),
    ...route.paths.map((p) => `path ${p}`),
  ]
  if (rules.length === 1) return undefined
  const how = rules.length === 0 ? 'no listener rule (its host needs DOMAIN_NAME)' : `${rules.length} listener rules (${rules.join(', ')})`
  return `${service.name} deploys ${service.deployment.strategy}, and ECS shifts traffic on one production listener rule, but the front door reaches it by ${how}: give its "frontDoor" one route, or make its "deployment" ROLLING`
}

/** The SDK's form of a rule's conditions. */
export function sdkConditions(conditions: readonly RuleMatch[]): RuleCondition[] {
  return conditions.map((c) =>
    c.field === 'host-header'
      ? { Field: 'host-header', HostHeaderConfig: { Values: [...c.values] } }
      : { Field: 'path-pattern', PathPatternConfig: { Values: [...c.values] } },
  )
}

/** One action as a comparable string: what it does, whichever of AWS's equivalent forms it is in. */
function oneActionKey(a: Action): string {
  switch (a.Type) {
    case 'forward': {
      const groups = a.ForwardConfig?.TargetGroups ?? []
      const arns = a.TargetGroupArn ? [a.TargetGroupArn] : groups.map((g) => g.TargetGroupArn ?? '').sort()
      return `forward to ${arns.join(' + ')}`
    }
    case 'redirect': {
      const r: RedirectActionConfig = a.RedirectConfig ?? { StatusCode: undefined }
      return `redirect ${r.StatusCode} to ${r.Protocol ?? '#{protocol}'}://${r.Host ?? '#{host}'}:${r.Port ?? '#{port}'}${r.Path ?? '/#{path}'}?${r.Query ?? '#{query}'}`
    }
    case 'fixed-response': {
      const f: FixedResponseActionConfig = a.FixedResponseConfig ?? { StatusCode: undefined }
      return `fixed ${f.StatusCode} ${f.ContentType ?? ''} ${f.MessageBody ?? ''}`
    }
    default:
      return String(a.Type)
  }
}

/** A list of actions (in their Order) as one comparable string. */
export const actionsKey = (actions: readonly Action[]): string =>
  [...actions].sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0)).map(oneActionKey).join(', then ')

/** Conditions as one comparable string (AWS answers with both Values and the field's config). */
export function conditionsKey(conditions: readonly RuleCondition[]): string {
  return conditions
    .map((c) => {
      const values = new Set([...(c.Values ?? []), ...(c.HostHeaderConfig?.Values ?? []), ...(c.PathPatternConfig?.Values ?? [])].map((v) => (c.Field === 'host-header' ? v.toLowerCase() : v)))
      return `${c.Field} ${[...values].sort().join(',')}`
    })
    .sort()
    .join(' and ')
}

/** Target group ARNs in a text shortened to their names, for reports. Pure. */
export const shortArns = (text: string): string => text.replace(/arn:[\w-]+:elasticloadbalancing:[^ ]*?:targetgroup\/([^/ ]+)\/\w+/g, '$1')

/** What a wanted action does, for reports: "forwards to backend-flask". */
export function describeAction(action: ListenerAction): string {
  switch (action.type) {
    case 'forward':
      return `forwards to ${action.service}`
    case 'redirect-to-https':
      return 'redirects to HTTPS:443 (301, host, path and query kept)'
    case 'not-found':
      return 'answers 404 (no service is the default)'
    case 'outside-run':
      return `default action left as it is (the default, ${action.service}, is not in ECS_SERVICES; 404 on a new listener)`
  }
}

export const listenerName = (l: { protocol?: string; port?: number }): string => `${l.protocol ?? '?'}:${l.port ?? '?'}`

export const describeConditions = (conditions: readonly RuleMatch[]): string =>
  conditions.map((c) => `${c.field === 'host-header' ? 'host' : 'path'} ${c.values.join(',')}`).join(' and ')

export const ruleName = (rule: WantedRule): string => `${listenerName({ protocol: rule.listenerPort === 443 ? 'HTTPS' : 'HTTP', port: rule.listenerPort })} ${describeConditions(rule.conditions)}`

/** A listener as read from the load balancer, with its non-default rules. */
export interface ExistingListener {
  arn: string
  port: number
  protocol?: string
  defaultActions: Action[]
  certificateArn?: string
  sslPolicy?: string
  rules: ExistingRule[]
}

export interface ExistingRule {
  arn: string
  priority: number
  conditions: RuleCondition[]
  actions: Action[]
}

export type ListenerOperation =
  | { op: 'create-listener'; listener: WantedListener }
  | { op: 'modify-listener'; arn: string; listener: WantedListener; differs: string[] }
  | { op: 'keep-listener'; arn: string; listener: WantedListener }
  | { op: 'delete-listener'; arn: string; name: string; rules: number }
  /** A listener on a port the kit does not use: left alone, mentioned. */
  | { op: 'other-listener'; name: string }
  | { op: 'create-rule'; rule: WantedRule }
  | { op: 'modify-rule'; arn: string; rule: WantedRule }
  | { op: 'set-priority'; arn: string; rule: WantedRule; from: number }
  | { op: 'keep-rule'; arn: string; rule: WantedRule }
  | { op: 'delete-rule'; arn: string; name: string }
  /** A rule that does not forward to one of the run's target groups: left alone, mentioned. */
  | { op: 'other-rule'; name: string }

export interface ListenerChanges {
  operations: ListenerOperation[]
  /** Why the plan cannot be applied (a rule not the kit's holds a priority the kit needs). */
  problems: string[]
}

/** What differs between a listener and the wanted one, in words (none: nothing to change). */
export function listenerDifferences(existing: ExistingListener, wanted: WantedListener): string[] {
  const differs: string[] = []
  if (existing.protocol !== wanted.protocol) differs.push(`protocol ${existing.protocol} → ${wanted.protocol}`)
  const was = actionsKey(existing.defaultActions)
  if (wanted.defaultAction.type !== 'outside-run' && was !== actionsKey([sdkAction(wanted.defaultAction)])) differs.push(`default action was: ${shortArns(was) || 'none'}`)
  if (wanted.protocol === 'HTTPS') {
    if (existing.certificateArn !== wanted.certificateArn) differs.push(`certificate ${existing.certificateArn ?? 'none'} → ${wanted.certificateArn}`)
    if (existing.sslPolicy !== wanted.sslPolicy) differs.push(`SSL policy ${existing.sslPolicy ?? 'none'} → ${wanted.sslPolicy}`)
  }
  return differs
}

const forwardsTo = (actions: readonly Action[]): string[] =>
  actions.flatMap((a) => (a.Type === 'forward' ? (a.TargetGroupArn ? [a.TargetGroupArn] : (a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn ?? '')) : []))

/**
 * The operations that take the existing listeners to the plan. Listeners on the kit's ports
 * (80, 443) are the kit's: changed in place, or deleted when the plan no longer has them. A rule
 * is the kit's when it forwards only to the run's target groups (`kitTargetGroups`); it is kept
 * when its conditions are wanted (its action and priority brought back), deleted otherwise.
 * Anything else is left alone and mentioned.
 */
export function listenerChanges(existing: readonly ExistingListener[], plan: ListenerPlan, kitTargetGroups: readonly string[]): ListenerChanges {
  const operations: ListenerOperation[] = []
  const problems: string[] = []
  const wantedPorts = new Set(plan.listeners.map((l) => l.port))
  for (const listener of plan.listeners) {
    const found = existing.find((e) => e.port === listener.port)
    const wantedRules = plan.rules.filter((r) => r.listenerPort === listener.port)
    if (!found) {
      operations.push({ op: 'create-listener', listener })
      for (const rule of wantedRules) operations.push({ op: 'create-rule', rule })
      continue
    }
    const differs = listenerDifferences(found, listener)
    operations.push(differs.length ? { op: 'modify-listener', arn: found.arn, listener, differs } : { op: 'keep-listener', arn: found.arn, listener })
    const isKits = (rule: ExistingRule) => {
      const groups = forwardsTo(rule.actions)
      return groups.length > 0 && groups.every((g) => kitTargetGroups.includes(g))
    }
    const kits = found.rules.filter(isKits)
    const matched = new Set<ExistingRule>()
    for (const rule of wantedRules) {
      const key = conditionsKey(sdkConditions(rule.conditions))
      const same = kits.find((e) => !matched.has(e) && conditionsKey(e.conditions) === key)
      if (!same) {
        operations.push({ op: 'create-rule', rule })
        continue
      }
      matched.add(same)
      // Weights are not compared: on a production rule they are ECS's to move.
      const actionDiffers = actionsKey(same.actions) !== actionsKey([ruleAction(rule)])
      if (actionDiffers) operations.push({ op: 'modify-rule', arn: same.arn, rule })
      if (same.priority !== rule.priority) operations.push({ op: 'set-priority', arn: same.arn, rule, from: same.priority })
      if (!actionDiffers && same.priority === rule.priority) operations.push({ op: 'keep-rule', arn: same.arn, rule })
    }
    const name = (e: ExistingRule) => `${listenerName(found)} #${e.priority} ${conditionsKey(e.conditions)}`
    for (const e of kits) if (!matched.has(e)) operations.push({ op: 'delete-rule', arn: e.arn, name: name(e) })
    for (const e of found.rules.filter((r) => !isKits(r))) {
      operations.push({ op: 'other-rule', name: `${name(e)} (${shortArns(actionsKey(e.actions))})` })
      const clash = wantedRules.find((r) => r.priority === e.priority)
      if (clash) problems.push(`rule ${name(e)} on ${listenerName(found)} is not the kit's and holds priority ${e.priority}, which ${ruleName(clash)} needs: move or delete it`)
    }
  }
  for (const e of existing) {
    if (wantedPorts.has(e.port)) continue
    if ((KIT_PORTS as readonly number[]).includes(e.port)) operations.push({ op: 'delete-listener', arn: e.arn, name: listenerName(e), rules: e.rules.length })
    else operations.push({ op: 'other-listener', name: listenerName(e) })
  }
  return { operations, problems }
}
