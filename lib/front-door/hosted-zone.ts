// DOMAIN_NAME's public hosted zone in Route 53, and its records: found, read and compared here
// for the certificate step (validation records) and the DNS records step (alias records). The
// kit never creates or deletes the zone: the user makes it once and points the registrar at it.
import {
  ChangeResourceRecordSetsCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53'
import type { RunContext } from '../aws/context.js'
import { KitError } from '../core/errors.js'

export const route53 = (run: Pick<RunContext, 'client'>): Route53Client => run.client(Route53Client, 'ROUTE_53')

/** A DNS name as Route 53 and ACM compare it: lower case, no trailing dot. Pure. */
export const dnsName = (name: string): string => name.toLowerCase().replace(/\.$/, '')

/** The one line a missing zone gets: how to make it. Pure. */
export const missingZoneMessage = (domain: string): string =>
  `no public hosted zone for ${domain} in Route 53: make it with \`aws route53 create-hosted-zone --name ${domain} --caller-reference <unique>\`, ` +
  `point the domain's registrar at its name servers, then re-run (nothing was changed)`

/** The id (without "/hostedzone/") of the domain's public hosted zone, if it exists. */
export async function findPublicHostedZone(client: Route53Client, domain: string): Promise<string | undefined> {
  const wanted = dnsName(domain)
  let next: { DNSName?: string; HostedZoneId?: string } = { DNSName: wanted }
  // Zones come sorted by name from DNSName on: the exact name's zones (public and private) first.
  for (;;) {
    const page = await client.send(new ListHostedZonesByNameCommand({ ...next, MaxItems: 100 }))
    for (const zone of page.HostedZones ?? []) {
      if (dnsName(zone.Name ?? '') !== wanted) return undefined
      if (!zone.Config?.PrivateZone && zone.Id) return zone.Id.replace(/^\/hostedzone\//, '')
    }
    if (!page.IsTruncated || dnsName(page.NextDNSName ?? '') !== wanted) return undefined
    next = { DNSName: page.NextDNSName, HostedZoneId: page.NextHostedZoneId }
  }
}

/** The zone's id, or a KitError saying how to make it. */
export async function requirePublicHostedZone(client: Route53Client, domain: string): Promise<string> {
  const id = await findPublicHostedZone(client, domain)
  if (!id) throw new KitError(missingZoneMessage(domain))
  return id
}

/** Every record set of the zone (ListResourceRecordSets has no SDK paginator). */
export async function listRecords(client: Route53Client, zoneId: string): Promise<ResourceRecordSet[]> {
  const records: ResourceRecordSet[] = []
  let next: { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = {}
  for (;;) {
    const page = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...next }))
    records.push(...(page.ResourceRecordSets ?? []))
    if (!page.IsTruncated) return records
    next = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType, StartRecordIdentifier: page.NextRecordIdentifier }
  }
}

/** What a record set answers, comparably: its alias target, or its sorted values. Pure. */
export function recordValue(record: ResourceRecordSet): string {
  if (record.AliasTarget) {
    // Route 53 may keep the alias as "dualstack.<name>." (the console adds it): the same target.
    const target = dnsName(record.AliasTarget.DNSName ?? '').replace(/^dualstack\./, '')
    return `alias ${target} in ${record.AliasTarget.HostedZoneId} (evaluate health: ${record.AliasTarget.EvaluateTargetHealth === true})`
  }
  return (record.ResourceRecords ?? []).map((r) => dnsName(r.Value ?? '')).sort().join(', ')
}

export type RecordOutcome = { record: ResourceRecordSet; outcome: 'created' | 'updated' | 'unchanged'; was?: string }

/** Each wanted record, compared with the zone's record of the same name and type. Pure. */
export function compareRecords(existing: readonly ResourceRecordSet[], wanted: readonly ResourceRecordSet[]): RecordOutcome[] {
  return wanted.map((record) => {
    const found = existing.find((e) => dnsName(e.Name ?? '') === dnsName(record.Name ?? '') && e.Type === record.Type && !e.SetIdentifier)
    if (!found) return { record, outcome: 'created' }
    const was = recordValue(found)
    return was === recordValue(record) ? { record, outcome: 'unchanged' } : { record, outcome: 'updated', was }
  })
}

/** UPSERT these records in one change batch (nothing when none). */
export async function upsertRecords(client: Route53Client, zoneId: string, records: readonly ResourceRecordSet[], comment: string): Promise<void> {
  if (records.length === 0) return
  await client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Comment: comment, Changes: records.map((r) => ({ Action: 'UPSERT', ResourceRecordSet: r })) },
    }),
  )
}
