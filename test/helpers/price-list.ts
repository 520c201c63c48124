// A scripted AWS Price List API on loopback (moto models no pricing). It answers
// AWSPriceListService.GetProducts the way AWS does: JSON 1.1, `PriceList` as an array of JSON
// *strings*, each a product with terms.OnDemand.<sku>.<offer>.priceDimensions.<rate>.pricePerUnit.USD,
// filtered by ServiceCode and the request's Filters (TERM_MATCH, CONTAINS), one product a page
// with NextToken, so pagination runs. It records each call with the region it was signed for.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ScriptedProduct {
  serviceCode: string
  productFamily: string
  usagetype: string
  regionCode: string
  unit: string
  /** Tiers as [beginRange, USD]; one tier when a number. */
  usd: number | Array<[number, number]>
}

export interface PriceListCall {
  target: string
  signedRegion: string
  serviceCode: string
  filters: Array<{ Type: string; Field: string; Value: string }>
  nextToken?: string
}

export interface ScriptedPriceList {
  url: string
  calls: PriceListCall[]
  stop(): Promise<void>
}

let skuCounter = 0

/** One product as the Price List API returns it: a JSON document in a string. */
export function priceDocument(p: ScriptedProduct): string {
  const sku = `SKU${String(++skuCounter).padStart(10, '0')}`
  const tiers: Array<[number, number]> = typeof p.usd === 'number' ? [[0, p.usd]] : p.usd
  const priceDimensions = Object.fromEntries(
    tiers.map(([begin, usd], i) => {
      const rateCode = `${sku}.JRTCKXETXF.${'6YS6EN2CT7'.slice(0, 9)}${i}`
      const end = tiers[i + 1]?.[0]
      return [
        rateCode,
        {
          unit: p.unit,
          endRange: end === undefined ? 'Inf' : String(end),
          description: `${p.usagetype} ${usd} USD per ${p.unit}`,
          appliesTo: [],
          rateCode,
          beginRange: String(begin),
          pricePerUnit: { USD: usd.toFixed(10) },
        },
      ]
    }),
  )
  return JSON.stringify({
    product: {
      productFamily: p.productFamily,
      attributes: { servicecode: p.serviceCode, usagetype: p.usagetype, regionCode: p.regionCode, locationType: 'AWS Region', operation: '' },
      sku,
    },
    serviceCode: p.serviceCode,
    terms: {
      OnDemand: {
        [`${sku}.JRTCKXETXF`]: { priceDimensions, sku, effectiveDate: '2026-09-01T00:00:00Z', offerTermCode: 'JRTCKXETXF', termAttributes: {} },
      },
    },
    version: '20260911120000',
    publicationDate: '2026-09-11T12:00:00Z',
  })
}

function matches(p: ScriptedProduct, serviceCode: string, filters: PriceListCall['filters']): boolean {
  if (p.serviceCode !== serviceCode) return false
  const attributes: Record<string, string> = { regionCode: p.regionCode, usagetype: p.usagetype, productFamily: p.productFamily }
  return filters.every((f) => {
    const value = attributes[f.Field]
    if (value === undefined) return false
    if (f.Type === 'TERM_MATCH' || f.Type === 'EQUALS') return value === f.Value
    if (f.Type === 'CONTAINS') return value.includes(f.Value)
    return false
  })
}

export async function startPriceList(products: readonly ScriptedProduct[]): Promise<ScriptedPriceList> {
  const calls: PriceListCall[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { ServiceCode?: string; Filters?: PriceListCall['filters']; NextToken?: string }
      const target = String(req.headers['x-amz-target'] ?? '')
      const signedRegion = /Credential=[^/]+\/[^/]+\/([^/]+)\/pricing\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unsigned'
      calls.push({ target, signedRegion, serviceCode: body.ServiceCode ?? '', filters: body.Filters ?? [], ...(body.NextToken ? { nextToken: body.NextToken } : {}) })
      if (target !== 'AWSPriceListService.GetProducts') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'InvalidParameterException', Message: `not scripted: ${target}` }))
        return
      }
      const found = products.filter((p) => matches(p, body.ServiceCode ?? '', body.Filters ?? []))
      const index = Number(body.NextToken ?? 0)
      const page = found.slice(index, index + 1).map(priceDocument)
      const next = index + 1 < found.length ? String(index + 1) : undefined
      res
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `scripted-${calls.length}` })
        .end(JSON.stringify({ FormatVersion: 'aws_v1', PriceList: page, ...(next ? { NextToken: next } : {}) }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
