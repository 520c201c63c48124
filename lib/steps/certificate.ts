// With DOMAIN_NAME: an ACM certificate for the domain and each routed host under it, validated
// by DNS records the kit writes into the domain's hosted zone. Without a domain: nothing.
import { randomUUID } from 'node:crypto'
import {
  ACMClient,
  DescribeCertificateCommand,
  paginateListCertificates,
  RequestCertificateCommand,
  type CertificateDetail,
  type CertificateStatus,
} from '@aws-sdk/client-acm'
import type { ResourceRecordSet } from '@aws-sdk/client-route-53'
import type { RunContext } from '../aws/context.js'
import { secondsVariable, type Env } from '../config/env.js'
import { KitError } from '../core/errors.js'
import { redact } from '../core/redact.js'
import { compareRecords, dnsName, listRecords, requirePublicHostedZone, route53, upsertRecords } from '../front-door/hosted-zone.js'
import { certificateNames } from '../front-door/routes.js'
import type { Change, Step, StepContext } from './step.js'

export const acm = (run: Pick<RunContext, 'client'>): ACMClient => run.client(ACMClient, 'ACM')

export const DEFAULT_CERTIFICATE_WAIT_SECONDS = 600
const MAX_CERTIFICATE_WAIT_SECONDS = 3600
/** How often the wait asks ACM, and prints its progress line. */
export const CERTIFICATE_POLL_SECONDS = 5

/** CERTIFICATE_WAIT_SECONDS, or a ConfigError naming it. Pure. */
export const certificateWaitSeconds = (env: Env): number =>
  secondsVariable(env, 'CERTIFICATE_WAIT_SECONDS', DEFAULT_CERTIFICATE_WAIT_SECONDS, MAX_CERTIFICATE_WAIT_SECONDS)

/** Whether a certificate's names cover every name (a wildcard covers one label under it). Pure. */
export function coversNames(certificateNames: readonly string[], names: readonly string[]): boolean {
  const held = certificateNames.map(dnsName)
  return names.map(dnsName).every((name) => held.includes(name) || held.includes(`*.${name.split('.').slice(1).join('.')}`))
}

/** The names a certificate holds: its domain and its subject alternative names. Pure. */
const namesOf = (c: CertificateDetail): string[] => [c.DomainName ?? '', ...(c.SubjectAlternativeNames ?? [])]

/**
 * A certificate covering the names, ISSUED preferred over PENDING_VALIDATION (a request still
 * being validated is resumed, not requested again). Undefined when none does.
 */
export async function findCertificate(
  client: ACMClient,
  names: readonly string[],
  statuses: CertificateStatus[] = ['ISSUED', 'PENDING_VALIDATION'],
): Promise<CertificateDetail | undefined> {
  const found: CertificateDetail[] = []
  for await (const page of paginateListCertificates({ client }, { CertificateStatuses: statuses })) {
    for (const summary of page.CertificateSummaryList ?? []) {
      if (dnsName(summary.DomainName ?? '') !== dnsName(names[0])) continue
      const detail = (await client.send(new DescribeCertificateCommand({ CertificateArn: summary.CertificateArn }))).Certificate
      if (detail && statuses.includes(detail.Status as CertificateStatus) && coversNames(namesOf(detail), names)) found.push(detail)
    }
  }
  return found.find((c) => c.Status === 'ISSUED') ?? found[0]
}

/**
 * A request's idempotency token, new for each run: the SDK's retries of the request (the same
 * input) get the same certificate, while a run after a teardown does not get back the deleted
 * one, as a token derived from the names would for an hour. Runs that change the stack take the
 * run lock, so two do not request at once.
 */
const idempotencyToken = (): string => randomUUID().replace(/-/g, '')

/** The DNS validation records a certificate asks for (one per distinct record). Pure. */
export function validationRecords(certificate: Pick<CertificateDetail, 'DomainValidationOptions'>): ResourceRecordSet[] {
  const records = new Map<string, ResourceRecordSet>()
  for (const option of certificate.DomainValidationOptions ?? []) {
    const r = option.ResourceRecord
    if (!r?.Name || !r.Value) continue
    records.set(dnsName(r.Name), { Name: r.Name, Type: r.Type ?? 'CNAME', TTL: 300, ResourceRecords: [{ Value: r.Value }] })
  }
  return [...records.values()]
}

/** A stand-in for a certificate a dry run would request. */
export const standInCertificateArn = (domain: string): string => `(new certificate for ${domain})`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A progress line on stderr (stdout stays the report, or --json's document). */
const progress = (line: string): void => {
  process.stderr.write(redact(line) + '\n')
}

async function describe(client: ACMClient, arn: string): Promise<CertificateDetail> {
  const certificate = (await client.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate
  if (!certificate) throw new KitError(`ACM does not describe certificate ${arn}`)
  return certificate
}

/**
 * ACM fills a new certificate's DomainValidationOptions[].ResourceRecord a few seconds after the
 * request: ask until every name has its record (bounded).
 */
async function withValidationRecords(client: ACMClient, arn: string, names: readonly string[]): Promise<CertificateDetail> {
  for (let attempt = 0; ; attempt++) {
    const certificate = await describe(client, arn)
    const options = certificate.DomainValidationOptions ?? []
    if (certificate.Status !== 'PENDING_VALIDATION' || (options.length >= names.length && options.every((o) => o.ResourceRecord?.Value))) return certificate
    if (attempt >= 30) throw new KitError(`ACM has not given the DNS validation records of ${arn} after 30 s: re-run to resume`)
    await sleep(1000)
  }
}

/**
 * Wait until the certificate is ISSUED, printing a line every poll. The SDK's
 * waitUntilCertificateValidated is not used: it waits 60 to 120 s between its calls (its
 * defaults), so even a certificate ACM issues in seconds (an emulator's 3 s, a zone that
 * already holds the records) costs a minute, and it prints nothing while it waits. Polling here
 * every CERTIFICATE_POLL_SECONDS keeps the wait short and shows where it stands.
 */
async function waitForIssued(client: ACMClient, arn: string, domain: string, boundSeconds: number): Promise<CertificateDetail> {
  const t0 = performance.now()
  for (;;) {
    const certificate = await describe(client, arn)
    if (certificate.Status === 'ISSUED') return certificate
    if (certificate.Status !== 'PENDING_VALIDATION') {
      throw new KitError(`certificate ${arn} for ${domain} is ${certificate.Status}${certificate.FailureReason ? ` (${certificate.FailureReason})` : ''}: it will not be issued; delete it and re-run`)
    }
    const elapsed = (performance.now() - t0) / 1000
    if (elapsed >= boundSeconds) {
      const pending = (certificate.DomainValidationOptions ?? []).filter((o) => o.ValidationStatus !== 'SUCCESS').map((o) => `${o.DomainName} (CNAME ${o.ResourceRecord?.Name})`)
      throw new KitError(
        `certificate for ${domain} still PENDING_VALIDATION after ${boundSeconds} s: ACM is waiting to find the validation records of ${pending.join(', ') || 'its names'} in public DNS ` +
          `(the registrar must point at the hosted zone's name servers); re-run to resume waiting (CERTIFICATE_WAIT_SECONDS sets the bound)`,
      )
    }
    progress(`waiting for ACM to validate the certificate for ${domain} (PENDING_VALIDATION, ${Math.round(elapsed)} s of ${boundSeconds} s)`)
    await sleep(Math.min(CERTIFICATE_POLL_SECONDS, boundSeconds - elapsed) * 1000)
  }
}

export const certificateStep: Step = {
  id: 'acm/request-certificate',
  title: 'TLS certificate for DOMAIN_NAME',
  needs: [],
  validate({ env }) {
    try {
      certificateWaitSeconds(env)
      return []
    } catch (error) {
      return [(error as Error).message]
    }
  },
  async run(ctx: StepContext): Promise<Change[]> {
    const domain = ctx.names.domainName
    if (!domain) return []
    const bound = certificateWaitSeconds(ctx.env)
    const names = certificateNames(ctx.services, domain)
    const dns = route53(ctx)
    const client = acm(ctx)
    const zoneId = await requirePublicHostedZone(dns, domain)
    const changes: Change[] = []

    let certificate = await findCertificate(client, names)
    if (!certificate) {
      changes.push({ resource: 'certificate', name: domain, outcome: 'created', detail: `covering ${names.join(', ')}, validated by DNS in the hosted zone ${zoneId}` })
      if (ctx.dryRun) {
        ctx.discovered.certificateArn = standInCertificateArn(domain)
        changes.push({ resource: 'DNS validation records', name: names.join(', '), outcome: 'created', detail: `in the hosted zone ${zoneId}, then wait up to ${bound} s for ISSUED` })
        return changes
      }
      const requested = await client.send(
        new RequestCertificateCommand({
          DomainName: domain,
          SubjectAlternativeNames: names,
          ValidationMethod: 'DNS',
          IdempotencyToken: idempotencyToken(),
        }),
      )
      if (!requested.CertificateArn) throw new KitError(`ACM returned no certificate ARN for ${domain}`)
      certificate = await describe(client, requested.CertificateArn)
    } else {
      changes.push({ resource: 'certificate', name: domain, outcome: 'unchanged', detail: `${certificate.CertificateArn} (${certificate.Status}) covers ${names.join(', ')}` })
    }
    const arn = certificate.CertificateArn as string

    // The validation records stay after ISSUED too: ACM renews a DNS-validated certificate only
    // while its CNAMEs are still in DNS, so a deleted one is written back.
    if (certificate.Status === 'PENDING_VALIDATION') certificate = await withValidationRecords(client, arn, names)
    const outcomes = compareRecords(await listRecords(dns, zoneId), validationRecords(certificate))
    for (const { record, outcome, was } of outcomes) {
      changes.push({ resource: 'DNS validation record', name: `${dnsName(record.Name ?? '')} CNAME`, outcome, detail: was ? `was ${was}` : undefined })
    }
    if (ctx.dryRun) {
      // The plan goes on with the certificate as it is; the HTTPS listener waits for ISSUED.
      ctx.discovered.certificateArn = arn
      return changes
    }
    await upsertRecords(dns, zoneId, outcomes.filter((o) => o.outcome !== 'unchanged').map((o) => o.record), `ACM DNS validation for ${domain} (cruddur-ecs-kit)`)
    if (certificate.Status === 'PENDING_VALIDATION') await waitForIssued(client, arn, domain, bound)
    ctx.discovered.certificateArn = arn
    return changes
  },
}
