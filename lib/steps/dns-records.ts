// With DOMAIN_NAME: alias A records for the domain and each routed host under it, pointing at
// the load balancer, in the domain's existing public hosted zone (never created or deleted here).
import type { ResourceRecordSet } from '@aws-sdk/client-route-53'
import { KitError } from '../core/errors.js'
import { compareRecords, dnsName, listRecords, requirePublicHostedZone, route53, upsertRecords } from '../front-door/hosted-zone.js'
import { resolveFrontDoor } from '../front-door/lookup.js'
import { certificateNames } from '../front-door/routes.js'
import { runFirst, type Change, type Step } from './step.js'
import { loadBalancerStep } from './load-balancer.js'

/** Alias A records for each name, to the load balancer; its health is not evaluated (one ALB, nowhere to fail over to). Pure. */
export function aliasRecords(names: readonly string[], loadBalancer: { dnsName: string; zoneId: string }): ResourceRecordSet[] {
  return names.map((name) => ({
    Name: name,
    Type: 'A',
    AliasTarget: { DNSName: loadBalancer.dnsName, HostedZoneId: loadBalancer.zoneId, EvaluateTargetHealth: false },
  }))
}

export const dnsRecordsStep: Step = {
  id: 'route53/create-records',
  title: 'DNS records for DOMAIN_NAME',
  needs: [loadBalancerStep],
  async run(ctx) {
    const domain = ctx.names.domainName
    if (!domain) return []
    const names = certificateNames(ctx.services, domain)
    const dns = route53(ctx)
    const zoneId = await requirePublicHostedZone(dns, domain)
    if (!ctx.discovered.loadBalancerDnsName || !ctx.discovered.loadBalancerZoneId) await resolveFrontDoor(ctx)
    const { loadBalancerDnsName, loadBalancerZoneId } = ctx.discovered
    if (!loadBalancerDnsName || !loadBalancerZoneId) {
      if (!ctx.dryRun) throw new KitError(`load balancer ${ctx.names.loadBalancer} not found: ${runFirst(loadBalancerStep)}`)
      return names.map((name) => ({ resource: 'DNS alias record', name: `${name} A`, outcome: 'created', detail: `to the new load balancer ${ctx.names.loadBalancer}` }))
    }
    const wanted = aliasRecords(names, { dnsName: loadBalancerDnsName, zoneId: loadBalancerZoneId })
    const outcomes = compareRecords(await listRecords(dns, zoneId), wanted)
    if (!ctx.dryRun) {
      await upsertRecords(dns, zoneId, outcomes.filter((o) => o.outcome !== 'unchanged').map((o) => o.record), `the front door of ${domain} (cruddur-ecs-kit)`)
    }
    return outcomes.map(({ record, outcome, was }): Change => ({
      resource: 'DNS alias record',
      name: `${dnsName(record.Name ?? '')} A`,
      outcome,
      detail: `to ${loadBalancerDnsName}${was ? ` (was ${was})` : ''}`,
    }))
  },
}
