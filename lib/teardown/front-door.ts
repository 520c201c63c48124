// Teardown of the front door (lib/steps/load-balancer.ts, target-group.ts, listeners.ts,
// dns-records.ts, certificate.ts), in an order AWS accepts: the kit's DNS records and the
// listeners (their rules go with them) before the load balancer; a target group once no rule
// forwards to it; the certificate once no listener holds it. Only what the kit names is touched:
// never the hosted zone, never a record that does not point at the kit's load balancer.
import { ACMClient, DeleteCertificateCommand, DescribeCertificateCommand, paginateListCertificates, type CertificateDetail } from '@aws-sdk/client-acm'
import {
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  paginateDescribeListeners,
  type Action,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { ChangeResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53'
import { dnsName, findPublicHostedZone, listRecords } from '../front-door/hosted-zone.js'
import { awsErrorIs } from '../aws/clients.js'
import { alternateTargetGroupName, targetGroupName } from '../config/names.js'
import type { ServiceDeclaration } from '../config/services.js'
import { KitError } from '../core/errors.js'
import { elbv2, findLoadBalancer, findTargetGroups } from '../front-door/lookup.js'
import { certificateNames } from '../front-door/routes.js'
import { validationRecords } from '../steps/certificate.js'
import type { Change, Step } from '../steps/step.js'
import { alreadyGone, deleted, pollUntil, TEARDOWN_IDS, type TeardownOptions, type TeardownStep } from './options.js'

/** The declarations teardown reads: a routed service has a `frontDoor` (routedServices' rule). */
export type RoutedDeclaration = Pick<ServiceDeclaration, 'name' | 'frontDoor'>

const loadBalancerMissing = (error: unknown): boolean => awsErrorIs(error, /^LoadBalancerNotFound(Exception)?$/)
const listenerMissing = (error: unknown): boolean => awsErrorIs(error, /^(ListenerNotFound|RuleNotFound)(Exception)?$/)

/** A DNS name as compared: lower case, no trailing dot, no "dualstack." (Route 53 may add it to an alias target). Pure. */
export const dnsKey = (name: string): string => dnsName(name).replace(/^dualstack\./, '')

/** The target groups an action forwards to. Pure. */
export const forwardsTo = (action: Pick<Action, 'Type' | 'TargetGroupArn' | 'ForwardConfig'>): string[] =>
  action.Type !== 'forward' ? [] : [...new Set([...(action.TargetGroupArn ? [action.TargetGroupArn] : []), ...(action.ForwardConfig?.TargetGroups ?? []).flatMap((t) => (t.TargetGroupArn ? [t.TargetGroupArn] : []))])]

/** What a rule matches, for the plan: "host-header api.example.com", "path-pattern /api/*", or "default". Pure. */
export function ruleMatch(rule: Pick<Rule, 'IsDefault' | 'Conditions'>): string {
  if (rule.IsDefault) return 'default'
  const parts = (rule.Conditions ?? []).map((c) => {
    const values = c.Values ?? c.HostHeaderConfig?.Values ?? c.PathPatternConfig?.Values ?? []
    return `${c.Field} ${values.join(',')}`
  })
  return parts.join(' and ') || 'a rule'
}

const listenerName = (l: Pick<Listener, 'Protocol' | 'Port'>): string => `${l.Protocol}:${l.Port}`

/** The load balancer's listeners with their rules; none when the load balancer is gone. */
async function listenersWithRules(client: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<Array<{ listener: Listener; rules: Rule[] }>> {
  const found: Array<{ listener: Listener; rules: Rule[] }> = []
  try {
    for await (const page of paginateDescribeListeners({ client }, { LoadBalancerArn: loadBalancerArn })) {
      for (const listener of page.Listeners ?? []) {
        const rules = (await client.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }))).Rules ?? []
        found.push({ listener, rules })
      }
    }
  } catch (error) {
    if (loadBalancerMissing(error)) return []
    throw error
  }
  return found.sort((a, b) => (a.listener.Port ?? 0) - (b.listener.Port ?? 0))
}

/**
 * The listeners of the load balancer, and with them their rules. Shared: every routed service
 * is reached through them. `needs`: the target groups and the certificate they refer to.
 */
export function deleteListenersStep(needs: readonly Step[]): TeardownStep {
  return {
    id: TEARDOWN_IDS.listeners,
    title: 'delete the load balancer’s listeners and rules',
    needs,
    shared: true,
    async run(ctx) {
      const client = elbv2(ctx)
      const lb = await findLoadBalancer(client, ctx.names.loadBalancer)
      if (!lb?.LoadBalancerArn) return []
      const listeners = await listenersWithRules(client, lb.LoadBalancerArn)
      const deleting = (ctx.discovered.deleting ??= new Set())
      for (const { listener } of listeners) if (listener.ListenerArn) deleting.add(listener.ListenerArn)
      const changes = listeners.map(({ listener, rules }) => {
        const own = rules.filter((r) => !r.IsDefault).length
        return deleted('listener', listenerName(listener), `of ${ctx.names.loadBalancer}, with ${own} rule${own === 1 ? '' : 's'} (${rules.map(ruleMatch).join('; ')})`)
      })
      if (ctx.dryRun) return changes
      for (const { listener } of listeners) {
        try {
          await client.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }))
        } catch (error) {
          if (!listenerMissing(error)) throw error
        }
      }
      return changes
    },
  }
}

/** The fixed answer a listener gives once the service its default action forwarded to is torn down. */
const tornDownAnswer = (service: string): Action[] => [
  { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain', MessageBody: `${service} is torn down` } },
]

/**
 * A routed service's target group, once nothing refers to it: the rules forwarding to it go
 * first (a listener whose default action forwards to it answers 503 instead, while the load
 * balancer stays for the other services), and ELB then deletes the group. Not shared: it is the
 * service's alone. ELB may still refuse for a moment after a listener goes (ResourceInUse):
 * retried within the teardown's bound.
 */
export function deleteTargetGroupStep(service: string, options: TeardownOptions): TeardownStep {
  const main = targetGroupName(service)
  // The alternate group a CANARY, LINEAR or BLUE_GREEN service had goes with it (none: nothing said).
  const alternate = alternateTargetGroupName(service)
  return {
    id: TEARDOWN_IDS.targetGroup(service),
    title: `delete target group ${main}`,
    needs: [],
    async run(ctx) {
      const client = elbv2(ctx)
      const found = await findTargetGroups(client, [main, alternate])
      if (!found.get(main)?.TargetGroupArn && !found.get(alternate)?.TargetGroupArn) return [alreadyGone('target group', main)]
      const groups = [main, alternate].flatMap((n) => (found.get(n)?.TargetGroupArn ? [found.get(n) as TargetGroup & { TargetGroupArn: string }] : []))
      const arns = groups.map((g) => g.TargetGroupArn)
      const lb = await findLoadBalancer(client, ctx.names.loadBalancer)
      // A listener this teardown deletes takes its rules with it: they are not planned twice.
      const going = ctx.discovered.deleting ?? new Set()
      const listeners = (lb?.LoadBalancerArn ? await listenersWithRules(client, lb.LoadBalancerArn) : []).filter(({ listener }) => !going.has(listener.ListenerArn ?? ''))
      const changes: Change[] = []
      const edits: Array<() => Promise<unknown>> = []
      const names = groups.map((g) => g.TargetGroupName).join(' and ')
      for (const { listener, rules } of listeners) {
        for (const rule of rules.filter((r) => (r.Actions ?? []).some((a) => forwardsTo(a).some((g) => arns.includes(g))))) {
          if (rule.IsDefault) {
            changes.push(deleted('listener default route', listenerName(listener), `forwarding to ${names}; the listener answers 503 instead`))
            edits.push(() => client.send(new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, DefaultActions: tornDownAnswer(service) })))
          } else {
            changes.push(deleted('listener rule', `${listenerName(listener)} ${ruleMatch(rule)}`, `forwarding to ${names}`))
            edits.push(() => client.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn })))
          }
        }
      }
      for (const group of groups) changes.push(deleted('target group', group.TargetGroupName ?? '', `port ${group.Port}, health check ${group.HealthCheckPath ?? '/'}`))
      if (ctx.dryRun) return changes
      for (const edit of edits) {
        try {
          await edit()
        } catch (error) {
          if (!listenerMissing(error)) throw error
        }
      }
      for (const { TargetGroupArn: arn, TargetGroupName: name } of groups) {
        let inUse = ''
        try {
          await pollUntil(
            `target group ${name} to be free of listeners and rules`,
            async () => {
              try {
                await client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }))
              } catch (error) {
                if (!awsErrorIs(error, /^ResourceInUse(Exception)?$/)) throw error
                inUse = String((error as Error).message ?? '')
                return undefined
              }
              return true
            },
            options,
          )
        } catch (error) {
          if (error instanceof KitError && inUse) throw new KitError(`${error.message} (AWS: ${inUse})`)
          throw error
        }
      }
      return changes
    },
  }
}

/**
 * The load balancer, once its listeners and the DNS records pointing at it are gone, waited for
 * until ELB no longer lists it. Deletion protection (ELB.6), when someone turned it on, is turned
 * off first: the plan says so. `needs`: its security group.
 */
export function deleteLoadBalancerStep(options: TeardownOptions, needs: readonly Step[]): TeardownStep {
  return {
    id: TEARDOWN_IDS.loadBalancer,
    title: 'delete the load balancer',
    needs,
    shared: true,
    async run(ctx) {
      const client = elbv2(ctx)
      const name = ctx.names.loadBalancer
      const lb = await findLoadBalancer(client, name)
      if (!lb?.LoadBalancerArn) return [alreadyGone('load balancer', name)]
      const arn = lb.LoadBalancerArn
      const attributes = (await client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))).Attributes ?? []
      const protectedLb = attributes.some((a) => a.Key === 'deletion_protection.enabled' && a.Value === 'true')
      const detail = `${lb.DNSName}, ${lb.Scheme}${protectedLb ? '; deletion protection turned off first' : ''}`
      if (ctx.dryRun) return [deleted('load balancer', name, detail)]
      if (protectedLb) {
        await client.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }))
      }
      try {
        await client.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }))
      } catch (error) {
        if (!loadBalancerMissing(error)) throw error
      }
      const { seconds } = await pollUntil(`load balancer ${name} to be deleted`, async () => ((await findLoadBalancer(client, name)) ? undefined : true), options)
      return [deleted('load balancer', name, `${detail}; gone after ${seconds.toFixed(1)}s`)]
    },
  }
}

// ---- the domain: DNS records and the certificate ----

/**
 * Whether a record is one of the kit's alias records: A or AAAA, named as a routed service is
 * reached (the domain, api.<domain>), aliasing the kit's load balancer: its DNS name when it
 * exists, else a name ELB gives a load balancer called so (<name>-<id>.<region>.elb.amazonaws.com).
 * Pure.
 */
export function isKitAlias(record: ResourceRecordSet, names: readonly string[], loadBalancer: { name: string; dnsName?: string }): boolean {
  if ((record.Type !== 'A' && record.Type !== 'AAAA') || !record.AliasTarget?.DNSName) return false
  if (!names.includes(dnsKey(record.Name ?? ''))) return false
  const target = dnsKey(record.AliasTarget.DNSName)
  if (loadBalancer.dnsName) return target === dnsKey(loadBalancer.dnsName)
  return target.startsWith(`${loadBalancer.name.toLowerCase()}-`) && target.endsWith('.elb.amazonaws.com')
}

async function deleteRecords(route53: Route53Client, zoneId: string, records: readonly ResourceRecordSet[]): Promise<void> {
  if (records.length === 0) return
  try {
    await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Comment: 'cruddur-ecs-kit teardown', Changes: records.map((r) => ({ Action: 'DELETE', ResourceRecordSet: r })) } }))
  } catch (error) {
    // One already deleted (a concurrent or earlier run) fails the whole batch: delete the rest one by one.
    if (!awsErrorIs(error, 'InvalidChangeBatch', /not found/i)) throw error
    for (const record of records) {
      try {
        await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: record }] } }))
      } catch (inner) {
        if (!awsErrorIs(inner, 'InvalidChangeBatch', /not found/i)) throw inner
      }
    }
  }
}

const recordName = (r: ResourceRecordSet): string => dnsKey(r.Name ?? '')
const recordValue = (r: ResourceRecordSet): string => dnsKey(r.ResourceRecords?.[0]?.Value ?? '')

/**
 * The kit's alias records for the domain and api.<domain>, pointing at the load balancer. The
 * hosted zone and every other record stay. Shared: every routed service is reached by them.
 * Without DOMAIN_NAME there is nothing to do. `needs`: the load balancer they point at.
 */
export function deleteDnsRecordsStep(declared: readonly RoutedDeclaration[], needs: readonly Step[]): TeardownStep {
  return {
    id: TEARDOWN_IDS.dnsRecords,
    title: 'delete the kit’s DNS records (never the hosted zone)',
    needs,
    shared: true,
    async run(ctx) {
      const domain = ctx.names.domainName
      if (!domain) return []
      const route53 = ctx.client(Route53Client, 'ROUTE_53')
      const zoneId = await findPublicHostedZone(route53, domain)
      if (!zoneId) return [alreadyGone('dns records', domain, 'no public hosted zone of that name')]
      const lb = await findLoadBalancer(elbv2(ctx), ctx.names.loadBalancer)
      // certificateNames reads only a declaration's name and frontDoor.
      const names = certificateNames(declared as ServiceDeclaration[], domain)
      const ours = (await listRecords(route53, zoneId)).filter((r) => isKitAlias(r, names, { name: ctx.names.loadBalancer, dnsName: lb?.DNSName }))
      if (ours.length === 0) return [alreadyGone('dns records', domain, `no alias record for ${names.join(', ')} to ${ctx.names.loadBalancer}`)]
      const changes = ours.map((r) => deleted('dns record', `${recordName(r)} ${r.Type}`, `alias to ${dnsKey(r.AliasTarget?.DNSName ?? '')} in zone ${zoneId}`))
      if (!ctx.dryRun) await deleteRecords(route53, zoneId, ours)
      return changes
    },
  }
}

/** Whether a certificate is the kit's: for the domain, covering only the names the kit asks for (certificateNames). Pure. */
export const isKitCertificate = (cert: Pick<CertificateDetail, 'DomainName' | 'SubjectAlternativeNames'>, names: readonly string[]): boolean =>
  cert.DomainName === names[0] && (cert.SubjectAlternativeNames ?? [cert.DomainName]).every((n) => names.includes(n))

/** The validation CNAMEs a certificate asks for (the certificate step's validationRecords), as name → value, compared as dnsKey. Pure. */
export const validationCnames = (cert: Pick<CertificateDetail, 'DomainValidationOptions'>): Map<string, string> =>
  new Map(validationRecords(cert).filter((r) => r.Type === 'CNAME').map((r) => [recordName(r), recordValue(r)]))

/**
 * With --all: the kit's ACM certificate(s) for the domain, and their DNS validation CNAMEs
 * (kept without --all, with the certificate: ACM renews it through them). A CNAME another
 * certificate of the domain also validates with stays. The certificate goes once no listener
 * holds it (`needs` of the listeners step); ACM may still count the deleted listener for a
 * moment (ResourceInUse): retried within the teardown's bound. One used by a load balancer that
 * is not the kit's stays, and the step says so.
 */
export function deleteCertificateStep(declared: readonly RoutedDeclaration[], options: TeardownOptions): TeardownStep {
  return {
    id: TEARDOWN_IDS.certificate,
    title: 'delete the ACM certificate and its validation records',
    needs: [],
    shared: true,
    data: true,
    async run(ctx) {
      const domain = ctx.names.domainName
      if (!domain) return []
      const acm = ctx.client(ACMClient, 'ACM')
      const names = certificateNames(declared as ServiceDeclaration[], domain)
      const details: CertificateDetail[] = []
      for await (const page of paginateListCertificates({ client: acm }, {})) {
        for (const summary of page.CertificateSummaryList ?? []) {
          const name = summary.DomainName ?? ''
          if (name !== domain && !name.endsWith(`.${domain}`)) continue
          const cert = (await acm.send(new DescribeCertificateCommand({ CertificateArn: summary.CertificateArn }))).Certificate
          if (cert) details.push(cert)
        }
      }
      const ours = details.filter((c) => isKitCertificate(c, names))
      if (ours.length === 0) return [alreadyGone('acm certificate', domain)]
      const foreignUse = (c: CertificateDetail) => (c.InUseBy ?? []).filter((arn) => !arn.includes(`/app/${ctx.names.loadBalancer}/`))
      const blocked = ours.filter((c) => foreignUse(c).length > 0)
      const going = ours.filter((c) => foreignUse(c).length === 0)

      // The validation records of the certificates going, bar those another certificate uses.
      const route53 = ctx.client(Route53Client, 'ROUTE_53')
      const zoneId = await findPublicHostedZone(route53, domain)
      const keptNames = new Set(details.filter((c) => !going.includes(c)).flatMap((c) => [...validationCnames(c).keys()]))
      const wanted = new Map(going.flatMap((c) => [...validationCnames(c)]).filter(([name]) => !keptNames.has(name)))
      const cnames = zoneId ? (await listRecords(route53, zoneId)).filter((r) => r.Type === 'CNAME' && wanted.get(recordName(r)) === recordValue(r)) : []

      const changes: Change[] = [
        ...going.map((c) => deleted('acm certificate', domain, `${c.CertificateArn?.split('/').pop()}, ${c.Status}, for ${(c.SubjectAlternativeNames ?? []).join(', ')}`)),
        ...cnames.map((r) => deleted('dns record', `${recordName(r)} CNAME`, `the certificate's DNS validation, in zone ${zoneId}`)),
      ]
      const refusal = blocked.length
        ? `ACM certificate ${blocked[0].CertificateArn} for ${domain} is also used by ${foreignUse(blocked[0]).join(', ')}, which the kit did not make: it stays`
        : undefined
      // Not the kit's alone: kept, and said so (not an error: nothing the kit alone made is left).
      if (refusal) changes.push({ resource: 'acm certificate', name: domain, outcome: 'unchanged', detail: refusal })
      if (ctx.dryRun) return changes
      for (const cert of going) {
        await pollUntil(
          `ACM certificate for ${domain} to be free of listeners`,
          async () => {
            try {
              await acm.send(new DeleteCertificateCommand({ CertificateArn: cert.CertificateArn }))
            } catch (error) {
              if (awsErrorIs(error, /^ResourceInUse(Exception)?$/)) return undefined
              if (!awsErrorIs(error, /^ResourceNotFound(Exception)?$/)) throw error
            }
            return true
          },
          options,
        )
      }
      if (zoneId) await deleteRecords(route53, zoneId, cnames)
      return changes
    },
  }
}
