// What AWS charges, per region: the table shipped as data (lib/cost/prices.json, with its
// date and source), or the same figures asked of the AWS Price List API (GetProducts). Both
// give one RegionPrices; everything that prices a plan works from that.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, KitError } from '../core/errors.js'
import { ROOT } from '../config/paths.js'

export const PRICES_FILE = 'lib/cost/prices.json'

export type Arch = 'x86' | 'arm64'

/** One region's on-demand prices in USD. */
export interface RegionPrices {
  region: string
  /** When these figures were read, and where from (shown with every estimate). */
  date: string
  source: string
  fargate: Record<Arch, { vcpuHour: number; gbHour: number }>
  publicIpv4Hour: number
  alb: { hour: number; lcuHour: number }
  natGateway: { hour: number; gb: number }
  logs: { ingestGb: number; storageGbMonth: number }
  ecr: { storageGbMonth: number }
  /** Standard-resolution alarms, per metric an alarm reads a month; custom metrics (Container Insights' are), per metric a month (first 10,000). */
  cloudWatch: { alarmMetricMonth: number; metricMonth: number }
}

export interface PriceTable {
  hoursPerMonth: number
  date: string
  regions: Record<string, RegionPrices>
}

/** Every price a RegionPrices holds, as paths into it: checked in the file, asked of the Price List API. */
export const PRICE_PATHS = [
  'fargate.x86.vcpuHour',
  'fargate.x86.gbHour',
  'fargate.arm64.vcpuHour',
  'fargate.arm64.gbHour',
  'publicIpv4Hour',
  'alb.hour',
  'alb.lcuHour',
  'natGateway.hour',
  'natGateway.gb',
  'logs.ingestGb',
  'logs.storageGbMonth',
  'ecr.storageGbMonth',
  'cloudWatch.alarmMetricMonth',
  'cloudWatch.metricMonth',
] as const
export type PricePath = (typeof PRICE_PATHS)[number]

const at = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value)

function setAt(target: Record<string, unknown>, path: string, value: number): void {
  const keys = path.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>
  node[keys[keys.length - 1]] = value
}

/** Check a price table's JSON: every region carries a date, a source and every price. Throws a ConfigError naming the field. Pure. */
export function parsePriceTable(file: string, json: unknown): PriceTable {
  const fail = (where: string, what: string): never => {
    throw new ConfigError(`${file}: ${where} ${what}`)
  }
  const doc = (json ?? {}) as Record<string, unknown>
  const hours = doc.hoursPerMonth
  if (typeof hours !== 'number' || hours <= 0) fail('hoursPerMonth', 'must be a positive number (730)')
  if (doc.currency !== 'USD') fail('currency', 'must be "USD"')
  const regions = doc.regions
  if (!regions || typeof regions !== 'object' || Array.isArray(regions)) return fail('regions', 'must be an object keyed by region')
  const parsed: Record<string, RegionPrices> = {}
  for (const [region, raw] of Object.entries(regions as Record<string, unknown>)) {
    const r = (raw ?? {}) as Record<string, unknown>
    for (const key of ['date', 'source'] as const) {
      if (typeof r[key] !== 'string' || (r[key] as string).trim() === '') fail(`regions.${region}.${key}`, 'must say when and where the figures come from')
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r.date as string)) fail(`regions.${region}.date`, 'must be a date such as 2026-09-25')
    const prices: Record<string, unknown> = { region, date: r.date, source: r.source }
    for (const path of PRICE_PATHS) {
      const value = at(r, path)
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`regions.${region}.${path}`, 'must be a price in USD (a number, 0 or more)')
      setAt(prices, path, value as number)
    }
    parsed[region] = prices as unknown as RegionPrices
  }
  return { hoursPerMonth: hours as number, date: String(doc.date ?? ''), regions: parsed }
}

let shipped: PriceTable | undefined

/** The shipped price table (lib/cost/prices.json), read once per process. */
export function shippedPrices(root = ROOT): PriceTable {
  if (shipped && root === ROOT) return shipped
  let json: unknown
  try {
    json = JSON.parse(readFileSync(join(root, PRICES_FILE), 'utf8'))
  } catch (error) {
    throw new ConfigError(`${PRICES_FILE} is missing or malformed (${(error as Error).message.split('\n')[0]}): restore it from git`)
  }
  const table = parsePriceTable(PRICES_FILE, json)
  if (root === ROOT) shipped = table
  return table
}

/** A region's prices from a table, or a ConfigError naming the regions it has and --live. Pure. */
export function pricesFor(table: PriceTable, region: string): RegionPrices {
  const found = table.regions[region]
  if (found) return found
  throw new ConfigError(
    `${PRICES_FILE} has no prices for ${region} (it has ${Object.keys(table.regions).join(', ')}): ` +
      `price it live with \`scripts/cost --live\` (the AWS Price List API), or add the region to the file with its date and source`,
  )
}

// ---------------------------------------------------------------------------------------
// The Price List API: which product each price is, and how to read GetProducts' answer.

/** How to find one price in GetProducts: the service, the usage type (without its region prefix), and a product family when the usage type is shared. */
export interface PriceQuery {
  path: PricePath
  serviceCode: string
  /** The usage type after the region prefix (USE1-, EUW2-...; some us-east-1 types have none). */
  usageType: string
  productFamily?: string
}

export const PRICE_QUERIES: readonly PriceQuery[] = [
  { path: 'fargate.x86.vcpuHour', serviceCode: 'AmazonECS', usageType: 'Fargate-vCPU-Hours:perCPU' },
  { path: 'fargate.x86.gbHour', serviceCode: 'AmazonECS', usageType: 'Fargate-GB-Hours' },
  { path: 'fargate.arm64.vcpuHour', serviceCode: 'AmazonECS', usageType: 'Fargate-ARM-vCPU-Hours:perCPU' },
  { path: 'fargate.arm64.gbHour', serviceCode: 'AmazonECS', usageType: 'Fargate-ARM-GB-Hours' },
  { path: 'publicIpv4Hour', serviceCode: 'AmazonVPC', usageType: 'PublicIPv4:InUseAddress' },
  { path: 'alb.hour', serviceCode: 'AWSELB', usageType: 'LoadBalancerUsage', productFamily: 'Load Balancer-Application' },
  { path: 'alb.lcuHour', serviceCode: 'AWSELB', usageType: 'LCUUsage', productFamily: 'Load Balancer-Application' },
  { path: 'natGateway.hour', serviceCode: 'AmazonEC2', usageType: 'NatGateway-Hours' },
  { path: 'natGateway.gb', serviceCode: 'AmazonEC2', usageType: 'NatGateway-Bytes' },
  { path: 'logs.ingestGb', serviceCode: 'AmazonCloudWatch', usageType: 'DataProcessing-Bytes' },
  { path: 'logs.storageGbMonth', serviceCode: 'AmazonCloudWatch', usageType: 'TimedStorage-ByteHrs' },
  { path: 'ecr.storageGbMonth', serviceCode: 'AmazonECR', usageType: 'TimedStorage-ByteHrs' },
  // The usage types a CloudWatch bill shows (repost.aws/knowledge-center/cloudwatch-understand-and-reduce-charges).
  { path: 'cloudWatch.alarmMetricMonth', serviceCode: 'AmazonCloudWatch', usageType: 'CW:AlarmMonitorUsage' },
  { path: 'cloudWatch.metricMonth', serviceCode: 'AmazonCloudWatch', usageType: 'CW:MetricMonitorUsage' },
]

/** GetProducts' filters for one price in one region. Pure. */
export function productFilters(query: PriceQuery, region: string): Array<{ Type: 'TERM_MATCH' | 'CONTAINS'; Field: string; Value: string }> {
  return [
    { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
    { Type: 'CONTAINS', Field: 'usagetype', Value: query.usageType },
    ...(query.productFamily ? [{ Type: 'TERM_MATCH' as const, Field: 'productFamily', Value: query.productFamily }] : []),
  ]
}

/** Whether a product's usage type is the queried one: exactly, or behind a region prefix such as USE1- or EUW2-. Pure. */
export function usageTypeMatches(usageType: string, wanted: string): boolean {
  if (usageType === wanted) return true
  const dash = usageType.indexOf('-')
  return dash > 0 && /^[A-Z]{2,4}\d$/.test(usageType.slice(0, dash)) && usageType.slice(dash + 1) === wanted
}

interface PriceDimension {
  unit?: string
  beginRange?: string
  pricePerUnit?: { USD?: string }
}

/**
 * The on-demand USD price of a usage type in GetProducts' PriceList (JSON documents, as
 * strings, String objects or parsed): terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD of the product whose
 * attributes.usagetype matches. Of tiered prices, the first tier that is not free. Undefined
 * when no product matches. Pure.
 */
export function priceFromPriceList(priceList: readonly unknown[], query: PriceQuery): number | undefined {
  for (const entry of priceList) {
    let doc: Record<string, unknown>
    try {
      // The SDK hands each document over as a String object (its LazyJsonString), not a primitive.
      doc = (typeof entry === 'string' || entry instanceof String ? JSON.parse(String(entry)) : entry) as Record<string, unknown>
    } catch {
      continue
    }
    const product = (doc?.product ?? {}) as { productFamily?: string; attributes?: Record<string, string> }
    const usageType = product.attributes?.usagetype
    if (!usageType || !usageTypeMatches(usageType, query.usageType)) continue
    if (query.productFamily && product.productFamily !== query.productFamily) continue
    const onDemand = ((doc.terms ?? {}) as { OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }> }).OnDemand ?? {}
    const dimensions = Object.values(onDemand)
      .flatMap((term) => Object.values(term.priceDimensions ?? {}))
      .map((d) => ({ begin: Number(d.beginRange ?? 0), usd: Number(d.pricePerUnit?.USD) }))
      .filter((d) => Number.isFinite(d.usd))
      .sort((a, b) => a.begin - b.begin)
    const paid = dimensions.find((d) => d.usd > 0) ?? dimensions[0]
    if (paid) return paid.usd
  }
  return undefined
}

/** The Price List API's endpoints: only these regions have one; any of them prices every region. */
export const PRICING_REGIONS = ['us-east-1', 'eu-central-1', 'ap-south-1'] as const

/** The Price List endpoint nearest a region. Pure. */
export function pricingRegionFor(region: string): (typeof PRICING_REGIONS)[number] {
  if (region.startsWith('eu-') || region.startsWith('me-') || region.startsWith('af-') || region.startsWith('il-')) return 'eu-central-1'
  if (region.startsWith('ap-')) return 'ap-south-1'
  return 'us-east-1'
}

/** What live pricing needs of a client: GetProducts, one page at a time. */
export type GetProducts = (input: {
  ServiceCode: string
  Filters: ReturnType<typeof productFilters>
  FormatVersion: 'aws_v1'
  NextToken?: string
  MaxResults?: number
}) => Promise<{ PriceList?: readonly unknown[]; NextToken?: string }>

/** Every price of a region, asked of the Price List API (one query per price, in parallel, each paginated). */
export async function livePrices(getProducts: GetProducts, region: string, now = new Date()): Promise<RegionPrices> {
  const found = await Promise.all(
    PRICE_QUERIES.map(async (query) => {
      let token: string | undefined
      do {
        const page = await getProducts({ ServiceCode: query.serviceCode, Filters: productFilters(query, region), FormatVersion: 'aws_v1', NextToken: token, MaxResults: 100 })
        const price = priceFromPriceList(page.PriceList ?? [], query)
        if (price !== undefined) return [query, price] as const
        token = page.NextToken
      } while (token)
      return [query, undefined] as const
    }),
  )
  const missing = found.filter(([, price]) => price === undefined).map(([q]) => `${q.serviceCode} ${q.usageType}`)
  if (missing.length > 0) {
    throw new KitError(`the AWS Price List API has no price in ${region} for ${missing.join(', ')}: check the region, or run without --live to use ${PRICES_FILE}`)
  }
  const prices: Record<string, unknown> = {
    region,
    date: now.toISOString().slice(0, 10),
    source: 'AWS Price List API (GetProducts), read live',
  }
  for (const [query, price] of found) setAt(prices, query.path, price as number)
  return prices as unknown as RegionPrices
}
