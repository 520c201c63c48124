// What `diff` compares: the documents the templates render and what ECS runs, brought to one
// shape so that only real differences remain. The rules of "the same" are lib/core/diff.ts's
// (the ones provision's idempotency uses): the deployed document is cut to the template's
// shape there (inShapeOf), and the changed paths are its differences(). Here: the service as
// its request would say it, the fields ECS's answer does not carry, and secrets. Pure.
import type { CreateServiceCommandInput, Service } from '@aws-sdk/client-ecs'
import { secretLooking } from '../audit/rules.js'
import { differences, inShapeOf } from '../core/diff.js'
import { MASK } from '../core/redact.js'
import { familyOf } from '../steps/ecs-service.js'
import { unifiedDiff } from './unified.js'

type Json = unknown
type JsonObject = Record<string, Json>

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)
const isEmpty = (value: Json): boolean => (Array.isArray(value) ? value.length === 0 : isObject(value) && Object.keys(value).length === 0)

/** A request's network with its subnets and security groups sorted: ECS keeps them as a set. Pure. */
function sortedNetwork<T extends { networkConfiguration?: CreateServiceCommandInput['networkConfiguration'] }>(request: T): T {
  const vpc = request.networkConfiguration?.awsvpcConfiguration
  if (!vpc) return request
  const sorted = { ...vpc, ...(vpc.subnets ? { subnets: [...vpc.subnets].sort() } : {}), ...(vpc.securityGroups ? { securityGroups: [...vpc.securityGroups].sort() } : {}) }
  return { ...request, networkConfiguration: { ...request.networkConfiguration, awsvpcConfiguration: sorted } }
}

/** The service request as compared: its network sorted. Pure. */
export const comparableRequest = (request: CreateServiceCommandInput): JsonObject => sortedNetwork(request) as unknown as JsonObject

/**
 * A running service (DescribeServices) in the words of its request: the cluster by name, the
 * task definition as the request names it (a family: the revision is the task definition's
 * diff), Service Connect as the PRIMARY deployment runs it, the network sorted. Pure.
 */
export function serviceAsRequested(service: Service, request: CreateServiceCommandInput): JsonObject {
  const running: JsonObject = { ...sortedNetwork(service) }
  if (service.clusterArn) running.cluster = request.cluster?.startsWith('arn:') ? service.clusterArn : service.clusterArn.split('/').pop()
  if (service.taskDefinition) {
    const wanted = request.taskDefinition ?? ''
    const byRevision = wanted.startsWith('arn:') ? service.taskDefinition : /:\d+$/.test(wanted) ? service.taskDefinition.split('/').pop() : familyOf(service.taskDefinition)
    running.taskDefinition = byRevision
  }
  const connect = service.deployments?.find((d) => d.status === 'PRIMARY')?.serviceConnectConfiguration
  // A namespace answered as its ARN cannot be told from the file's name without Cloud Map: left out, so it is named as not compared.
  const byArn = connect?.namespace?.startsWith('arn:') && !request.serviceConnectConfiguration?.namespace?.startsWith('arn:')
  running.serviceConnectConfiguration = connect && byArn ? { ...connect, namespace: undefined } : connect
  return running
}

/**
 * `desired` without what `actual` does not carry, and the paths left out: moto's
 * CreateService keeps no deploymentConfiguration, enableExecuteCommand, Service Connect or
 * grace period, while AWS always returns them (serviceDrift in lib/steps/ecs-service.ts
 * compares the same way). An empty value the answer omits is no field left out. Pure.
 */
export function carriedOnly(desired: Json, actual: Json, path = ''): { desired: Json; notCompared: string[] } {
  if (!isObject(desired) || !isObject(actual)) return { desired, notCompared: [] }
  const notCompared: string[] = []
  const kept: JsonObject = {}
  for (const [key, value] of Object.entries(desired)) {
    const at = path ? `${path}.${key}` : key
    if (actual[key] === undefined && value !== undefined && !isEmpty(value)) {
      notCompared.push(at)
      continue
    }
    const inner = carriedOnly(value, actual[key], at)
    kept[key] = inner.desired
    notCompared.push(...inner.notCompared)
  }
  return { desired: kept, notCompared }
}

/** Variable names whose values are secrets wherever a template sets them: the kit's and the declared ones. */
export interface SecretNames {
  has(name: string): boolean
}

/**
 * Every value a document sets for a variable that is secret: by its name (SecretNames, or a
 * name that says secret: TOKEN, KEY, PASSWORD...) or by its look (a key, a URL with a
 * password), in any `{name, value}` entry (a container's environment). ARNs (secrets[].valueFrom)
 * are where a secret lives, not one. Pure.
 */
export function secretValues(documents: readonly Json[], names: SecretNames): Set<string> {
  const found = new Set<string>()
  const walk = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (isObject(value)) {
      if (typeof value.name === 'string' && typeof value.value === 'string' && value.value !== '') {
        if (names.has(value.name) || secretLooking(value.name, value.value)) found.add(value.value)
      }
      Object.values(value).forEach(walk)
    }
  }
  documents.forEach(walk)
  return found
}

/** `text` with each of `secrets` (longest first) masked, then `redact` (the registered secrets). Pure. */
export function maskText(text: string, secrets: ReadonlySet<string>, redact: (text: string) => string = (t) => t): string {
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK)
  return redact(out)
}

/**
 * Both documents with every secret masked, walked side by side: where two values differ and
 * only a secret made them differ, the template's side says so ("**** (changed)"), so the diff
 * still shows a line for it without showing either value. Pure.
 */
export function maskBoth(desired: Json, deployed: Json, hide: (text: string) => string): [Json, Json] {
  if (typeof desired === 'string' || typeof deployed === 'string') {
    const d = typeof desired === 'string' ? hide(desired) : maskOne(desired, hide)
    const a = typeof deployed === 'string' ? hide(deployed) : maskOne(deployed, hide)
    return [d === a && desired !== deployed ? `${String(d)} (changed)` : d, a]
  }
  if (Array.isArray(desired) && Array.isArray(deployed)) {
    // Items with a name pair by it (an environment), others by position.
    const nameOf = (item: Json): unknown => (isObject(item) ? item.name : undefined)
    const partner = (item: Json, i: number, others: readonly Json[]): Json =>
      typeof nameOf(item) === 'string' ? others.find((other) => nameOf(other) === nameOf(item)) : others[i]
    return [desired.map((item, i) => maskBoth(item, partner(item, i, deployed), hide)[0]), deployed.map((item, i) => maskBoth(partner(item, i, desired), item, hide)[1])]
  }
  if (isObject(desired) && isObject(deployed)) {
    const d: JsonObject = {}
    const a: JsonObject = {}
    for (const key of Object.keys(desired)) [d[key]] = maskBoth(desired[key], deployed[key], hide)
    for (const key of Object.keys(deployed)) a[key] = maskBoth(desired[key], deployed[key], hide)[1]
    return [d, a]
  }
  return [maskOne(desired, hide), maskOne(deployed, hide)]
}

/** One document with every string masked. Pure. */
function maskOne(value: Json, hide: (text: string) => string): Json {
  if (typeof value === 'string') return hide(value)
  if (Array.isArray(value)) return value.map((item) => maskOne(item, hide))
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskOne(v, hide)]))
  return value
}

/** One document's comparison: the unified diff (secrets masked), the paths that differ, and what could not be compared. */
export interface Comparison {
  diff: string
  changed: string[]
  notCompared: string[]
}

export interface CompareOptions {
  /** The `---` and `+++` names. */
  from: string
  to: string
  /** Compare only the fields the deployed document carries (a service: see carriedOnly). */
  carriedOnly?: boolean
  /** Masks secrets in a value (maskText over the secrets of both documents). */
  hide: (text: string) => string
  context?: number
}

const asText = (document: Json): string => (document === undefined ? '' : JSON.stringify(document, null, 2) + '\n')

/**
 * The templates' document against the deployed one (undefined: nothing deployed, everything
 * would be added): the deployed one cut to the template's shape (inShapeOf), the paths that
 * differ (differences, provision's own rule), and their unified diff with secrets masked. Pure.
 */
export function compareDocuments(desired: Json, deployed: Json, options: CompareOptions): Comparison {
  const carried = options.carriedOnly && deployed !== undefined ? carriedOnly(desired, deployed) : { desired, notCompared: [] }
  const wanted = carried.desired
  const changed = deployed === undefined ? ['(whole document)'] : differences(wanted, deployed)
  const shaped = deployed === undefined ? undefined : inShapeOf(wanted, deployed)
  const [maskedWanted, maskedShaped] = maskBoth(wanted, shaped, options.hide)
  const diff = unifiedDiff(asText(maskedShaped), asText(maskedWanted), { from: options.from, to: options.to, context: options.context })
  return { diff, changed, notCompared: carried.notCompared }
}
