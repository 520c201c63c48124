// The routed services' URLs as a run knows them (lib/front-door/lookup.ts knownServiceUrls), the
// one place resolveFrontDoor and resolveServiceUrls get them from: table tests, no emulator (a
// client that refuses every call shows that no AWS call is made).
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kitNames } from '../lib/config/names.js'
import { knownServiceUrls } from '../lib/front-door/lookup.js'
import { resolveServiceUrls } from '../lib/front-door/urls.js'
import type { Discovered } from '../lib/steps/step.js'

const DNS = 'cruddur-alb-1.eu-west-2.elb.amazonaws.com'
const urls = suite('lib/front-door: knownServiceUrls, resolveServiceUrls without AWS')

const context = (domainName: string | undefined, discovered: Discovered, dryRun = false) => ({
  names: kitNames(domainName ? { DOMAIN_NAME: domainName } : {}),
  discovered,
  dryRun,
  client: () => {
    throw new Error('no AWS call expected')
  },
})

urls('knownServiceUrls: the domain (https, api. for a host), else the recorded load balancer (http), else none', () => {
  const table: Array<[string, string | undefined, Discovered, Record<string, string>]> = [
    ['a domain', 'cruddur.example.com', {}, { SERVICE_URL_BACKEND_FLASK: 'https://api.cruddur.example.com', SERVICE_URL_FRONTEND_REACT_JS: 'https://cruddur.example.com' }],
    ['a domain wins over the load balancer', 'cruddur.example.com', { loadBalancerDnsName: DNS }, { SERVICE_URL_BACKEND_FLASK: 'https://api.cruddur.example.com', SERVICE_URL_FRONTEND_REACT_JS: 'https://cruddur.example.com' }],
    ['no domain: the load balancer recorded', undefined, { loadBalancerDnsName: DNS }, { SERVICE_URL_BACKEND_FLASK: `http://${DNS}`, SERVICE_URL_FRONTEND_REACT_JS: `http://${DNS}` }],
    ['neither yet', undefined, {}, {}],
  ]
  for (const [what, domain, discovered, want] of table) assert.equal(knownServiceUrls(context(domain, discovered)), want, what)
})

urls('resolveServiceUrls: with a domain or a recorded load balancer, no AWS call; what was recorded before stays', async () => {
  const table: Array<[string, string | undefined, Discovered, Record<string, string>]> = [
    ['a domain', 'cruddur.example.com', { serviceUrls: { OTHER: 'x' } }, { OTHER: 'x', SERVICE_URL_BACKEND_FLASK: 'https://api.cruddur.example.com', SERVICE_URL_FRONTEND_REACT_JS: 'https://cruddur.example.com' }],
    ['the load balancer recorded', undefined, { loadBalancerDnsName: DNS, serviceUrls: { SERVICE_URL_BACKEND_FLASK: 'http://(stand-in)' } }, { SERVICE_URL_BACKEND_FLASK: `http://${DNS}`, SERVICE_URL_FRONTEND_REACT_JS: `http://${DNS}` }],
  ]
  for (const [what, domain, discovered, want] of table) {
    const ctx = context(domain, discovered)
    assert.equal(await resolveServiceUrls(ctx, ['SERVICE_URL_BACKEND_FLASK'], 'a template'), { standIn: false }, what)
    assert.equal(ctx.discovered.serviceUrls, want, what)
  }
  const none = context(undefined, {})
  assert.equal(await resolveServiceUrls(none, [], 'a template'), { standIn: false }, 'no URL used: nothing to do')
  assert.is(none.discovered.serviceUrls, undefined)
})

urls.run()
