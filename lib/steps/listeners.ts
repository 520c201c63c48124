// The load balancer's listeners and rules: without a domain, HTTP:80 forwarding by path; with
// one, HTTP:80 redirecting to HTTPS:443, which holds the certificate and routes by host and path.
// The plan and its diff are pure (lib/front-door/listener-plan.ts); this reads and applies.
import {
  CreateListenerCommand,
  CreateRuleCommand,
  DeleteListenerCommand,
  DeleteRuleCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  paginateDescribeListeners,
  paginateDescribeRules,
  SetRulePrioritiesCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { alternateTargetGroupName, targetGroupName } from '../config/names.js'
import { declaredServices, type ServiceDeclaration } from '../config/services.js'
import { KitError } from '../core/errors.js'
import {
  describeAction,
  describeConditions,
  listenerChanges,
  listenerName,
  ruleAction,
  ruleName,
  sdkAction,
  sdkConditions,
  wantedListeners,
  type ExistingListener,
  type ListenerOperation,
  type WantedListener,
  type WantedRule,
} from '../front-door/listener-plan.js'
import { elbv2, findTargetGroups, resolveAlternateTargetGroups, resolveFrontDoor } from '../front-door/lookup.js'
import { certificateNames, routedServices } from '../front-door/routes.js'
import { shiftsThroughFrontDoor, standInRuleArn, standInTargetGroupArn } from '../front-door/service-request.js'
import { acm, certificateStep, findCertificate, standInCertificateArn } from './certificate.js'
import { loadBalancerStep } from './load-balancer.js'
import { runFirst, type Change, type StepContext } from './step.js'
import type { Step } from './step.js'
import { targetGroupStep } from './target-group.js'

/** Every listener of the load balancer with its non-default rules. */
async function readListeners(client: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<ExistingListener[]> {
  const listeners: ExistingListener[] = []
  for await (const page of paginateDescribeListeners({ client }, { LoadBalancerArn: loadBalancerArn })) {
    for (const l of page.Listeners ?? []) {
      if (!l.ListenerArn || l.Port === undefined) continue
      const rules: ExistingListener['rules'] = []
      for await (const rulePage of paginateDescribeRules({ client }, { ListenerArn: l.ListenerArn })) {
        for (const r of rulePage.Rules ?? []) {
          if (r.IsDefault || !r.RuleArn) continue
          rules.push({ arn: r.RuleArn, priority: Number(r.Priority), conditions: r.Conditions ?? [], actions: r.Actions ?? [] })
        }
      }
      listeners.push({
        arn: l.ListenerArn,
        port: l.Port,
        protocol: l.Protocol,
        defaultActions: l.DefaultActions ?? [],
        certificateArn: l.Certificates?.[0]?.CertificateArn,
        sslPolicy: l.SslPolicy,
        rules,
      })
    }
  }
  return listeners
}

const listenerDetail = (l: WantedListener): string =>
  [describeAction(l.defaultAction), l.certificateArn && `certificate ${l.certificateArn}`, l.sslPolicy && `SSL policy ${l.sslPolicy}`].filter(Boolean).join('; ')

const ruleDetail = (rule: WantedRule): string =>
  `priority ${rule.priority}, forwards to ${rule.service}${rule.alternateTargetGroupArn ? ` (its production rule: weighted to ${targetGroupName(rule.service)} and ${alternateTargetGroupName(rule.service)}, ECS shifts the weights)` : ''}`

/** The certificate's ARN: recorded by the certificate step, else an ISSUED one covering the names. */
async function resolveCertificate(ctx: StepContext, domain: string): Promise<string> {
  if (ctx.discovered.certificateArn) return ctx.discovered.certificateArn
  const found = await findCertificate(acm(ctx), certificateNames(ctx.services, domain), ['ISSUED'])
  if (found?.CertificateArn) return found.CertificateArn
  if (ctx.dryRun) return standInCertificateArn(domain)
  throw new KitError(`no ISSUED certificate covers ${certificateNames(ctx.services, domain).join(', ')}: ${runFirst(certificateStep)}`)
}

/** The listeners step for the routed services of a run (it needs their target groups). */
export function listenersStep(routed: readonly ServiceDeclaration[]): Step {
  return {
    id: 'elbv2/create-listeners',
    title: "the load balancer's listeners and rules",
    needs: [loadBalancerStep, certificateStep, ...routed.map(targetGroupStep)],
    async run(ctx) {
      if (routed.length === 0) return []
      const known = ctx.discovered
      const missingGroups = routed.filter((s) => !known.targetGroupArns?.[s.name])
      if (!known.loadBalancerArn || missingGroups.length > 0) await resolveFrontDoor(ctx)
      const loadBalancerArn = known.loadBalancerArn
      if (!loadBalancerArn && !ctx.dryRun) throw new KitError(`load balancer ${ctx.names.loadBalancer} not found: ${runFirst(loadBalancerStep)}`)
      const targetGroupArns: Record<string, string> = {}
      for (const service of routed) {
        const arn = known.targetGroupArns?.[service.name]
        if (arn) targetGroupArns[service.name] = arn
        else if (ctx.dryRun) targetGroupArns[service.name] = standInTargetGroupArn(targetGroupName(service.name))
        else throw new KitError(`target group ${targetGroupName(service.name)} of ${service.name} not found: ${runFirst(targetGroupStep(service))}`)
      }
      const domainName = ctx.names.domainName
      const certificateArn = domainName ? await resolveCertificate(ctx, domainName) : undefined
      const defaultOutsideRun = routed.some((s) => s.frontDoor?.default) ? undefined : routedServices(declaredServices()).find((s) => s.frontDoor?.default)?.name
      // CANARY, LINEAR, BLUE_GREEN: the production rule forwards to both target groups.
      const shifting = routed.filter(shiftsThroughFrontDoor)
      if (shifting.some((s) => !known.alternateTargetGroupArns?.[s.name])) await resolveAlternateTargetGroups(ctx, shifting)
      const alternateTargetGroupArns: Record<string, string> = {}
      for (const service of shifting) {
        const arn = known.alternateTargetGroupArns?.[service.name]
        if (arn) alternateTargetGroupArns[service.name] = arn
        else if (ctx.dryRun) alternateTargetGroupArns[service.name] = standInTargetGroupArn(alternateTargetGroupName(service.name))
        else throw new KitError(`target group ${alternateTargetGroupName(service.name)} of ${service.name} (its ${service.deployment.strategy} deployments) not found: ${runFirst(targetGroupStep(service))}`)
      }
      const plan = wantedListeners(routed, { domainName, certificateArn, targetGroupArns, defaultOutsideRun, alternateTargetGroupArns })

      const client = elbv2(ctx)
      // A dry run's stand-in (a load balancer still to be made) has no listeners to read.
      const existing = loadBalancerArn?.startsWith('arn:') ? await readListeners(client, loadBalancerArn) : []
      // An alternate group left from an earlier strategy is the kit's too: its weighted rule is brought back to a plain forward.
      const leftAlternates = existing.length ? [...(await findTargetGroups(client, routed.map((s) => alternateTargetGroupName(s.name)))).values()].map((g) => g.TargetGroupArn as string) : []
      const kitGroups = [...new Set([...Object.values(targetGroupArns), ...Object.values(alternateTargetGroupArns), ...leftAlternates])]
      const { operations, problems } = listenerChanges(existing, plan, kitGroups)
      if (problems.length > 0) throw new KitError(`nothing was changed on ${ctx.names.loadBalancer}: ${problems.join('; ')}`)
      return apply(ctx, client, loadBalancerArn, existing, operations)
    },
  }
}

/**
 * Apply the operations in an order AWS accepts: listeners first (a new rule needs its
 * listener), then stale rules deleted (freeing their priorities), priorities moved in one call
 * (SetRulePriorities swaps atomically), actions changed, rules created, stale listeners deleted.
 */
async function apply(
  ctx: StepContext,
  client: ElasticLoadBalancingV2Client,
  loadBalancerArn: string | undefined,
  existing: readonly ExistingListener[],
  operations: readonly ListenerOperation[],
): Promise<Change[]> {
  const changes: Change[] = []
  const act = !ctx.dryRun
  const listenerArns = new Map(existing.map((l) => [l.port, l.arn]))
  const of = <K extends ListenerOperation['op']>(op: K) => operations.filter((o): o is Extract<ListenerOperation, { op: K }> => o.op === op)
  /** A production rule's ARN, for the service's advancedConfiguration. */
  const recordProduction = (rule: WantedRule, arn: string | undefined) => {
    if (rule.alternateTargetGroupArn && arn) ctx.discovered.productionRuleArns = { ...ctx.discovered.productionRuleArns, [rule.service]: arn }
  }
  for (const o of operations) if (o.op === 'keep-rule' || o.op === 'modify-rule' || o.op === 'set-priority') recordProduction(o.rule, o.arn)
  const listenerRequest = (l: WantedListener, modify = false) => ({
    Protocol: l.protocol,
    Port: l.port,
    // A default left to a service outside the run is not sent: the listener keeps its own.
    ...(modify && l.defaultAction.type === 'outside-run' ? {} : { DefaultActions: [sdkAction(l.defaultAction)] }),
    ...(l.certificateArn ? { Certificates: [{ CertificateArn: l.certificateArn }] } : {}),
    ...(l.sslPolicy ? { SslPolicy: l.sslPolicy } : {}),
  })

  for (const o of operations) {
    if (o.op === 'keep-listener') changes.push({ resource: 'listener', name: listenerName(o.listener), outcome: 'unchanged', detail: listenerDetail(o.listener) })
    if (o.op === 'create-listener') {
      if (act) {
        const created = await client.send(new CreateListenerCommand({ LoadBalancerArn: loadBalancerArn, DefaultActions: [sdkAction(o.listener.defaultAction)], ...listenerRequest(o.listener) }))
        const arn = created.Listeners?.[0]?.ListenerArn
        if (!arn) throw new KitError(`ELB returned no ARN for the new listener ${listenerName(o.listener)}`)
        listenerArns.set(o.listener.port, arn)
      }
      changes.push({ resource: 'listener', name: listenerName(o.listener), outcome: 'created', detail: listenerDetail(o.listener) })
    }
    if (o.op === 'modify-listener') {
      if (act) await client.send(new ModifyListenerCommand({ ListenerArn: o.arn, ...listenerRequest(o.listener, true) }))
      changes.push({ resource: 'listener', name: listenerName(o.listener), outcome: 'updated', detail: `${listenerDetail(o.listener)} (${o.differs.join('; ')})` })
    }
  }
  for (const o of of('delete-rule')) {
    if (act) await client.send(new DeleteRuleCommand({ RuleArn: o.arn }))
    changes.push({ resource: 'listener rule', name: o.name, outcome: 'deleted', detail: 'no longer routed' })
  }
  const moves = of('set-priority')
  if (moves.length > 0 && act) {
    await client.send(new SetRulePrioritiesCommand({ RulePriorities: moves.map((m) => ({ RuleArn: m.arn, Priority: m.rule.priority })) }))
  }
  for (const o of moves) changes.push({ resource: 'listener rule', name: ruleName(o.rule), outcome: 'updated', detail: `priority ${o.from} → ${o.rule.priority}` })
  for (const o of of('modify-rule')) {
    if (act) await client.send(new ModifyRuleCommand({ RuleArn: o.arn, Conditions: sdkConditions(o.rule.conditions), Actions: [ruleAction(o.rule)] }))
    changes.push({ resource: 'listener rule', name: ruleName(o.rule), outcome: 'updated', detail: ruleDetail(o.rule) })
  }
  for (const o of of('keep-rule')) changes.push({ resource: 'listener rule', name: ruleName(o.rule), outcome: 'unchanged', detail: ruleDetail(o.rule) })
  for (const o of of('create-rule')) {
    if (act) {
      const listenerArn = listenerArns.get(o.rule.listenerPort)
      if (!listenerArn) throw new KitError(`no listener on port ${o.rule.listenerPort} for the rule ${describeConditions(o.rule.conditions)}`)
      const created = await client.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: o.rule.priority,
          Conditions: sdkConditions(o.rule.conditions),
          Actions: [ruleAction(o.rule)],
        }),
      )
      recordProduction(o.rule, created.Rules?.[0]?.RuleArn)
    } else recordProduction(o.rule, standInRuleArn(ruleName(o.rule)))
    changes.push({ resource: 'listener rule', name: ruleName(o.rule), outcome: 'created', detail: ruleDetail(o.rule) })
  }
  for (const o of of('delete-listener')) {
    if (act) await client.send(new DeleteListenerCommand({ ListenerArn: o.arn }))
    changes.push({ resource: 'listener', name: o.name, outcome: 'deleted', detail: `no longer wanted${o.rules ? ` (with its ${o.rules} rule${o.rules === 1 ? '' : 's'})` : ''}` })
  }
  const others = [...of('other-listener').map((o) => `listener ${o.name}`), ...of('other-rule').map((o) => `rule ${o.name}`)]
  if (others.length > 0) {
    changes.push({ resource: 'load balancer', name: ctx.names.loadBalancer, outcome: 'unchanged', detail: `also has ${others.join(', ')} (not the kit's: left as is)` })
  }
  return changes
}
