// The front door as data: which services the load balancer routes to, by what, and the public
// URL each then has. Every step, check and command that deals with the front door reads its
// facts here, from json/services.json's `frontDoor` entries and DOMAIN_NAME. Pure.
import type { ServiceDeclaration } from '../config/services.js'

/** The declared services the load balancer routes to (those without `"frontDoor": false`). */
export const routedServices = (services: readonly ServiceDeclaration[]): ServiceDeclaration[] => services.filter((s) => s.frontDoor !== undefined)

/** Where the app is reached: the user's domain (HTTPS) when set, else the load balancer's own DNS name (HTTP). */
export interface FrontDoorAddress {
  domainName?: string
  /** The load balancer's DNS name (needed only without a domain). */
  dnsName?: string
}

/** The host name a routed service answers on under a domain: <host>.<domain>, or the domain itself. */
export function serviceHostName(service: ServiceDeclaration, domainName: string): string {
  return service.frontDoor?.host ? `${service.frontDoor.host}.${domainName}` : domainName
}

/**
 * A routed service's public origin (scheme and host, no path): https://api.<domain> for a
 * service with a host, https://<domain> for the others; http://<load balancer's name> without a
 * domain, where rules route by path. Undefined for a service the front door does not route to,
 * or when the address is not known yet.
 */
export function serviceUrl(service: ServiceDeclaration, address: FrontDoorAddress): string | undefined {
  if (!service.frontDoor) return undefined
  if (address.domainName) return `https://${serviceHostName(service, address.domainName)}`
  return address.dnsName ? `http://${address.dnsName}` : undefined
}

/** The template placeholder holding a service's public URL: SERVICE_URL_BACKEND_FLASK. */
export const urlPlaceholder = (service: string): string => `SERVICE_URL_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
export const URL_PLACEHOLDER_PREFIX = 'SERVICE_URL_'

/** Every routed service's URL, keyed by its placeholder. */
export function serviceUrls(services: readonly ServiceDeclaration[], address: FrontDoorAddress): Record<string, string> {
  const urls: Record<string, string> = {}
  for (const service of routedServices(services)) {
    const url = serviceUrl(service, address)
    if (url) urls[urlPlaceholder(service.name)] = url
  }
  return urls
}

/** The names the certificate must cover: the domain, then each routed service's own host under it. */
export function certificateNames(services: readonly ServiceDeclaration[], domainName: string): string[] {
  return [...new Set([domainName, ...routedServices(services).map((s) => serviceHostName(s, domainName))])]
}
