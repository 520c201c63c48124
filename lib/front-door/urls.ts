// The routed services' URLs (SERVICE_URL_<SERVICE>) wherever a template or a build argument
// uses one, worked out before rendering and never typed by hand: with DOMAIN_NAME they need no
// AWS call; without, they are the load balancer's DNS name, read once per run (resolveFrontDoor).
// The task-definition step, render, image/build and deploy all resolve them here.
import type { RunContext } from '../aws/context.js'
import type { ServiceDeclaration } from '../config/services.js'
import { KitError } from '../core/errors.js'
import { loadBalancerStep } from '../steps/load-balancer.js'
import { runFirst, type Discovered } from '../steps/step.js'
import { placeholders } from '../templates/template.js'
import { knownServiceUrls, resolveFrontDoor } from './lookup.js'
import { routedServices, URL_PLACEHOLDER_PREFIX, urlPlaceholder } from './routes.js'

/** The URL placeholders (SERVICE_URL_*) a value uses. Pure. */
export const urlPlaceholdersIn = (value: unknown): string[] => [...placeholders(value)].filter((name) => name.startsWith(URL_PLACEHOLDER_PREFIX))

/**
 * A URL placeholder that names no service the front door routes to has no value anywhere:
 * one problem each, found without AWS (validation). Pure.
 */
export function unknownUrlPlaceholders(where: string, used: readonly string[], services: readonly ServiceDeclaration[]): string[] {
  const known = routedServices(services).map((s) => urlPlaceholder(s.name))
  return used
    .filter((name) => !known.includes(name))
    .map((name) => `${where}: \${${name}} names no service the front door routes to (json/services.json gives ${known.map((k) => `\${${k}}`).join(', ') || 'none'})`)
}

/** Whether these URLs depend on the load balancer: they do without a domain. Pure. */
export const urlsNeedLoadBalancer = (used: readonly string[], domainName: string | undefined): boolean => used.length > 0 && !domainName

/** A dry run's stand-in for a URL whose load balancer the run would create. */
export const standInServiceUrl = (loadBalancer: string): string => `http://(${loadBalancer}'s DNS name)`

type UrlContext = Pick<RunContext, 'client' | 'names' | 'dryRun'> & { discovered: Discovered }

/**
 * Put every URL placeholder in `used` into ctx.discovered.serviceUrls. With DOMAIN_NAME: no AWS
 * call. Else the load balancer's DNS name, as a step of this run recorded it or as it exists;
 * when there is none, a stand-in under --dry-run (`standIn` is then true: the plan says the URL
 * is worked out once the load balancer exists), else a KitError saying what to do first.
 * `what` names who needs the URLs, for that error.
 */
export async function resolveServiceUrls(ctx: UrlContext, used: readonly string[], what: string): Promise<{ standIn: boolean }> {
  if (used.length === 0) return { standIn: false }
  if (!urlsNeedLoadBalancer(used, ctx.names.domainName) || ctx.discovered.loadBalancerDnsName) {
    ctx.discovered.serviceUrls = { ...ctx.discovered.serviceUrls, ...knownServiceUrls(ctx) }
    return { standIn: false }
  }
  // resolveFrontDoor records the URLs with the load balancer it finds.
  await resolveFrontDoor(ctx)
  if (ctx.discovered.loadBalancerDnsName) return { standIn: false }
  if (ctx.dryRun) {
    const standIn = standInServiceUrl(ctx.names.loadBalancer)
    ctx.discovered.serviceUrls = { ...Object.fromEntries(used.map((name) => [name, standIn])), ...ctx.discovered.serviceUrls }
    return { standIn: true }
  }
  const names = used.map((name) => `\${${name}}`).join(', ')
  throw new KitError(
    `${what} needs ${names}, the load balancer's URL without DOMAIN_NAME, and there is no load balancer ${ctx.names.loadBalancer}: ${runFirst(loadBalancerStep)}, or set DOMAIN_NAME`,
  )
}
