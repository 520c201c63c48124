// lib/front-door/routes.ts and the front door's declarations (json/services.json's frontDoor,
// buildArgs) and names (LOAD_BALANCER_NAME, DOMAIN_NAME, target groups): table tests, no emulator.
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { checkNames, targetGroupName } from '../lib/config/names.js'
import { declaredServices, parseServices } from '../lib/config/services.js'
import { certificateNames, routedServices, serviceUrl, serviceUrls, urlPlaceholder } from '../lib/front-door/routes.js'
import { withFrontDoor } from '../lib/front-door/service-request.js'
import { placeholderHint } from '../lib/steps/step.js'

const routes = suite('lib/front-door: routes, URLs and names from the declarations')

routes('the repo routes /api/* and api.<domain> to the backend, everything else to the frontend', () => {
  const [backend, frontend] = declaredServices()
  assert.equal(backend.frontDoor, { healthCheckPath: '/api/health-check', paths: ['/api/*'], host: 'api', default: false, healthCheckGracePeriodSeconds: 60 })
  assert.equal(frontend.frontDoor, { healthCheckPath: '/', paths: [], default: true, healthCheckGracePeriodSeconds: 60 })
  assert.equal(frontend.buildArgs, { REACT_APP_BACKEND_URL: '${SERVICE_URL_BACKEND_FLASK}' })
})

routes('each service URL: https on the domain (api. for a host), else http on the load balancer', () => {
  const [backend, frontend] = declaredServices()
  const table: Array<[string, Parameters<typeof serviceUrl>[1], string | undefined]> = [
    ['backend, domain', { domainName: 'cruddur.example.com' }, 'https://api.cruddur.example.com'],
    ['frontend, domain', { domainName: 'cruddur.example.com', dnsName: 'x.elb.amazonaws.com' }, 'https://cruddur.example.com'],
    ['backend, no domain', { dnsName: 'cruddur-alb-1.us-east-1.elb.amazonaws.com' }, 'http://cruddur-alb-1.us-east-1.elb.amazonaws.com'],
    ['no domain, no load balancer yet', {}, undefined],
  ]
  for (const [what, address, url] of table) assert.is(serviceUrl(what.startsWith('frontend') ? frontend : backend, address), url, what)
  assert.equal(serviceUrls(declaredServices(), { domainName: 'c.example.org' }), {
    SERVICE_URL_BACKEND_FLASK: 'https://api.c.example.org',
    SERVICE_URL_FRONTEND_REACT_JS: 'https://c.example.org',
  })
  assert.equal(certificateNames(declaredServices(), 'c.example.org'), ['c.example.org', 'api.c.example.org'])
  assert.is(urlPlaceholder('my_svc-2'), 'SERVICE_URL_MY_SVC_2')
  assert.match(placeholderHint('SERVICE_URL_BACKEND_FLASK'), /DOMAIN_NAME, else the load balancer's DNS name/)
})

routes('a service opts out with "frontDoor": false; bad routes are refused naming the field', () => {
  const [worker] = parseServices('t.json', { worker: { containerPort: 8080, frontDoor: false } })
  assert.is(worker.frontDoor, undefined)
  assert.equal(routedServices([worker]), [])
  assert.is(serviceUrl(worker, { domainName: 'a.example.com' }), undefined)
  const refused: Array<[unknown, RegExp]> = [
    [{ a: { containerPort: 1, frontDoor: { healthCheckPath: 'health' } } }, /a\.frontDoor\.healthCheckPath must be a path starting with \//],
    [{ a: { containerPort: 1, frontDoor: { healthCheckPath: '/' } } }, /a\.frontDoor routes nothing to the service/],
    [{ a: { containerPort: 1, frontDoor: { healthCheckPath: '/', paths: ['api/*'] } } }, /a\.frontDoor\.paths must be a list of path patterns/],
    [{ a: { containerPort: 1, frontDoor: { healthCheckPath: '/', host: 'api.x' } } }, /a\.frontDoor\.host must be one DNS label/],
    [{ a: { containerPort: 1, frontDoor: { healthCheckPath: '/', default: true } }, b: { containerPort: 2, frontDoor: { healthCheckPath: '/', default: true } } }, /services a and b are both the front door's default/],
    [{ a: { containerPort: 1, frontDoor: { healthCheckPath: '/', host: 'api' } }, b: { containerPort: 2, frontDoor: { healthCheckPath: '/', host: 'API' } } }, /host "api" is routed to two services/],
    [{ a: { containerPort: 1, buildArgs: { 'BAD-NAME': 'x' } } }, /a\.buildArgs names "BAD-NAME"/],
    [{ a: { containerPort: 1, frontDoor: 'yes' } }, /a\.frontDoor must be an object \(its route\) or false/],
  ]
  for (const [json, message] of refused) assert.throws(() => parseServices('t.json', json), message, JSON.stringify(json))
})

routes('names: the bootcamp defaults, DOMAIN_NAME and LOAD_BALANCER_NAME checked, target group names within 32 characters', () => {
  const declared = declaredServices()
  const { names } = checkNames({}, declared)
  assert.equal([names?.loadBalancer, names?.loadBalancerSecurityGroup, names?.domainName], ['cruddur-alb', 'cruddur-alb-sg', undefined])
  assert.is(checkNames({ DOMAIN_NAME: 'Cruddur.Example.com.' }, declared).names?.domainName, 'cruddur.example.com')
  assert.match(checkNames({ DOMAIN_NAME: 'https://cruddur.example.com' }, declared).problems.join(), /DOMAIN_NAME "https:\/\/cruddur\.example\.com" is not a domain name/)
  assert.match(checkNames({ LOAD_BALANCER_NAME: '-alb' }, declared).problems.join(), /LOAD_BALANCER_NAME "-alb" is not valid/)
  assert.is(targetGroupName('backend-flask'), 'cruddur-backend-flask-tg')
  assert.is(targetGroupName('frontend-react-js'), 'cruddur-frontend-react-js-tg')
  const long = [targetGroupName('a-very-long-service-name-one'), targetGroupName('a-very-long-service-name-two')]
  for (const name of long) assert.ok(/^[A-Za-z0-9-]{1,32}$/.test(name) && !name.endsWith('-') && !name.startsWith('-'), name)
  assert.is.not(long[0], long[1])
})

routes('withFrontDoor: a routed service gets its target group on its container, and the declared grace period', () => {
  const [backend] = declaredServices()
  const wanted = { serviceName: 'backend-flask', taskDefinition: 'backend-flask' }
  assert.equal(withFrontDoor(wanted, backend, 'arn:tg'), {
    ...wanted,
    loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'backend-flask', containerPort: 4567 }],
    healthCheckGracePeriodSeconds: 60,
  })
  assert.equal(withFrontDoor(wanted, backend, undefined), wanted)
})

routes.run()
