// What of the front door exists, read-only: the load balancer (its ARN, DNS name and hosted
// zone) and each routed service's target group, by the kit's names. The provisioning steps
// record these in ctx.discovered as they create them; everything else (a single step's
// script, deploy, status, render) asks here, once per run.
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeListeners,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { awsErrorIs } from '../aws/clients.js'
import type { RunContext } from '../aws/context.js'
import { alternateTargetGroupName, targetGroupName } from '../config/names.js'
import { declaredServices, type ServiceDeclaration } from '../config/services.js'
import type { Discovered } from '../steps/step.js'
import { routedServices, serviceUrls } from './routes.js'

export const elbv2 = (run: Pick<RunContext, 'client'>): ElasticLoadBalancingV2Client => run.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')

/** The load balancer with this name, if any. */
export async function findLoadBalancer(client: ElasticLoadBalancingV2Client, name: string): Promise<LoadBalancer | undefined> {
  try {
    const found = await client.send(new DescribeLoadBalancersCommand({ Names: [name] }))
    return found.LoadBalancers?.find((lb) => lb.LoadBalancerName === name)
  } catch (error) {
    if (awsErrorIs(error, 'LoadBalancerNotFound') || awsErrorIs(error, 'LoadBalancerNotFoundException')) return undefined
    throw error
  }
}

/** The target groups with these names that exist, by name (one paginated listing, not a call per name). */
export async function findTargetGroups(client: ElasticLoadBalancingV2Client, names: readonly string[]): Promise<Map<string, TargetGroup>> {
  const found = new Map<string, TargetGroup>()
  if (names.length === 0) return found
  for await (const page of paginateDescribeTargetGroups({ client }, {})) {
    for (const group of page.TargetGroups ?? []) if (group.TargetGroupName && names.includes(group.TargetGroupName)) found.set(group.TargetGroupName, group)
  }
  return found
}

/**
 * Every routed service's URL (SERVICE_URL_<SERVICE>) from the front door's address as this run
 * knows it: DOMAIN_NAME, else the load balancer's DNS name recorded in ctx.discovered; none
 * while neither is known. No AWS call.
 */
export const knownServiceUrls = (ctx: Pick<RunContext, 'names'> & { discovered: Discovered }): Record<string, string> =>
  serviceUrls(declaredServices(), { domainName: ctx.names.domainName, dnsName: ctx.discovered.loadBalancerDnsName })

/**
 * Fill ctx.discovered with the front door as it exists: the load balancer's ARN, DNS name and
 * zone, each routed service's target group ARN, and every routed service's URL (with a domain,
 * the URLs need no lookup). What a step of this run already recorded is kept.
 */
export async function resolveFrontDoor(ctx: Pick<RunContext, 'client' | 'names'> & { discovered: Discovered }): Promise<Discovered> {
  const known = ctx.discovered
  const routed = routedServices(declaredServices())
  if (routed.length === 0) return known
  const client = elbv2(ctx)
  if (!known.loadBalancerArn) {
    const lb = await findLoadBalancer(client, ctx.names.loadBalancer)
    if (lb) Object.assign(known, { loadBalancerArn: lb.LoadBalancerArn, loadBalancerDnsName: lb.DNSName, loadBalancerZoneId: lb.CanonicalHostedZoneId })
  }
  const missing = routed.filter((s) => !known.targetGroupArns?.[s.name])
  if (missing.length > 0) {
    const groups = await findTargetGroups(client, missing.map((s) => targetGroupName(s.name)))
    for (const service of missing) {
      const arn = groups.get(targetGroupName(service.name))?.TargetGroupArn
      if (arn) known.targetGroupArns = { ...known.targetGroupArns, [service.name]: arn }
    }
  }
  known.serviceUrls = knownServiceUrls(ctx)
  // CANARY, LINEAR, BLUE_GREEN: what ECS shifts traffic with, so a request made from here (deploy, diff) keeps its advancedConfiguration.
  await resolveProductionRules(ctx, routed)
  return known
}

/** Whether ECS shifts the service's traffic on the front door (a strategy other than ROLLING). Pure. */
const shifts = (s: Pick<ServiceDeclaration, 'deployment' | 'frontDoor'>): boolean => s.deployment.strategy !== 'ROLLING' && s.frontDoor !== undefined

/** Record the alternate target groups of these services that exist (by name), where no step of this run has. */
export async function resolveAlternateTargetGroups(ctx: Pick<RunContext, 'client'> & { discovered: Discovered }, services: readonly ServiceDeclaration[]): Promise<void> {
  const missing = services.filter((s) => shifts(s) && !ctx.discovered.alternateTargetGroupArns?.[s.name])
  if (missing.length === 0) return
  const groups = await findTargetGroups(elbv2(ctx), missing.map((s) => alternateTargetGroupName(s.name)))
  for (const service of missing) {
    const arn = groups.get(alternateTargetGroupName(service.name))?.TargetGroupArn
    if (arn) ctx.discovered.alternateTargetGroupArns = { ...ctx.discovered.alternateTargetGroupArns, [service.name]: arn }
  }
}

/**
 * Record the production listener rule of these services (the rule of the kit's load balancer that
 * forwards to both the service's target group and its alternate), where no step of this run has.
 */
export async function resolveProductionRules(ctx: Pick<RunContext, 'client' | 'names'> & { discovered: Discovered }, services: readonly ServiceDeclaration[]): Promise<void> {
  const missing = services.filter((s) => shifts(s) && !ctx.discovered.productionRuleArns?.[s.name])
  if (missing.length === 0) return
  await resolveAlternateTargetGroups(ctx, missing)
  const client = elbv2(ctx)
  const lb = ctx.discovered.loadBalancerArn ?? (await findLoadBalancer(client, ctx.names.loadBalancer))?.LoadBalancerArn
  if (!lb?.startsWith('arn:')) return
  for await (const page of paginateDescribeListeners({ client }, { LoadBalancerArn: lb })) {
    for (const listener of page.Listeners ?? []) {
      for await (const rules of paginateDescribeRules({ client }, { ListenerArn: listener.ListenerArn })) {
        for (const rule of rules.Rules ?? []) {
          const groups = (rule.Actions ?? []).flatMap((a) => (a.Type === 'forward' ? [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn)] : []))
          for (const service of missing) {
            const pair = [ctx.discovered.targetGroupArns?.[service.name], ctx.discovered.alternateTargetGroupArns?.[service.name]]
            if (!rule.IsDefault && rule.RuleArn && pair.every((arn) => arn && groups.includes(arn))) {
              ctx.discovered.productionRuleArns = { ...ctx.discovered.productionRuleArns, [service.name]: rule.RuleArn }
            }
          }
        }
      }
    }
  }
}

