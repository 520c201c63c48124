// lib/front-door/listener-plan.ts: the listeners and rules the routed services want, and the
// operations from what exists to that plan. Table tests, no emulator.
import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2'
import { declaredServices, parseServices } from '../lib/config/services.js'
import {
  actionsKey,
  conditionsKey,
  HTTPS_SSL_POLICY,
  listenerChanges,
  sdkAction,
  sdkConditions,
  wantedListeners,
  type ExistingListener,
  type ListenerOperation,
  type ListenerPlan,
} from '../lib/front-door/listener-plan.js'
import { routedServices } from '../lib/front-door/routes.js'
import { coversNames } from '../lib/steps/certificate.js'

const BACKEND = 'arn:aws:elasticloadbalancing:eu-west-2:1:targetgroup/cruddur-backend-flask-tg/aa'
const FRONTEND = 'arn:aws:elasticloadbalancing:eu-west-2:1:targetgroup/cruddur-frontend-react-js-tg/bb'
const CERT = 'arn:aws:acm:eu-west-2:1:certificate/cc'
const groups = { 'backend-flask': BACKEND, 'frontend-react-js': FRONTEND }
const routed = routedServices(declaredServices())

const plan = suite('lib/front-door/listener-plan: wantedListeners')

plan('no domain: HTTP:80 forwards /api/* to the backend, the rest to the frontend', () => {
  assert.equal(wantedListeners(routed, { targetGroupArns: groups }), {
    listeners: [{ port: 80, protocol: 'HTTP', defaultAction: { type: 'forward', service: 'frontend-react-js', targetGroupArn: FRONTEND } }],
    rules: [{ listenerPort: 80, priority: 1, conditions: [{ field: 'path-pattern', values: ['/api/*'] }], service: 'backend-flask', targetGroupArn: BACKEND }],
  })
})

plan('a domain: 80 redirects, 443 holds the certificate and TLS 1.2+ policy, host rules before path rules', () => {
  const p = wantedListeners(routed, { domainName: 'c.example.org', certificateArn: CERT, targetGroupArns: groups })
  assert.equal(p.listeners, [
    { port: 80, protocol: 'HTTP', defaultAction: { type: 'redirect-to-https' } },
    { port: 443, protocol: 'HTTPS', defaultAction: { type: 'forward', service: 'frontend-react-js', targetGroupArn: FRONTEND }, certificateArn: CERT, sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' },
  ])
  assert.equal(
    p.rules.map((r) => [r.listenerPort, r.priority, r.conditions, r.service]),
    [
      [443, 1, [{ field: 'host-header', values: ['api.c.example.org'] }], 'backend-flask'],
      [443, 2, [{ field: 'path-pattern', values: ['/api/*'] }], 'backend-flask'],
    ],
  )
  assert.equal(sdkAction({ type: 'redirect-to-https' }).RedirectConfig, { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' })
  assert.throws(() => wantedListeners(routed, { domainName: 'c.example.org', targetGroupArns: groups }), /no certificate known for c\.example\.org/)
  assert.throws(() => wantedListeners(routed, { targetGroupArns: { 'backend-flask': BACKEND } }), /no target group known for frontend-react-js/)
})

plan('no default service: a fixed 404; priorities follow the declarations, the same every time', () => {
  const services = parseServices('t.json', {
    a: { containerPort: 1, frontDoor: { healthCheckPath: '/', paths: ['/a/*', '/a2/*'], host: 'a' } },
    b: { containerPort: 2, frontDoor: { healthCheckPath: '/', paths: ['/b/*'], host: 'b' } },
  })
  const inputs = { domainName: 'x.io', certificateArn: CERT, targetGroupArns: { a: 'tg-a', b: 'tg-b' } }
  const p = wantedListeners(services, inputs)
  assert.equal(p.listeners[1].defaultAction, { type: 'not-found' })
  assert.equal(sdkAction({ type: 'not-found' }).FixedResponseConfig?.StatusCode, '404')
  assert.equal(
    p.rules.map((r) => `${r.priority} ${r.conditions[0].values[0]} ${r.service}`),
    ['1 a.x.io a', '2 b.x.io b', '3 /a/* a', '4 /a2/* a', '5 /b/* b'],
  )
  assert.equal(wantedListeners(services, inputs), p)
  assert.equal(wantedListeners(services, { targetGroupArns: inputs.targetGroupArns }).listeners[0].defaultAction, { type: 'not-found' })
})

plan('AWS forms that mean the same compare equal; different ones do not', () => {
  const viaConfig: Action = { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: BACKEND, Weight: 1 }] } }
  assert.is(actionsKey([viaConfig]), actionsKey([{ Type: 'forward', TargetGroupArn: BACKEND }]))
  assert.is.not(actionsKey([viaConfig]), actionsKey([{ Type: 'forward', TargetGroupArn: FRONTEND }]))
  assert.is.not(actionsKey([sdkAction({ type: 'redirect-to-https' })]), actionsKey([{ ...sdkAction({ type: 'redirect-to-https' }), RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_302' } }]))
  assert.is(
    conditionsKey([{ Field: 'host-header', Values: ['API.x.io'], HostHeaderConfig: { Values: ['api.x.io'] } }]),
    conditionsKey(sdkConditions([{ field: 'host-header', values: ['api.x.io'] }])),
  )
  assert.is.not(conditionsKey(sdkConditions([{ field: 'path-pattern', values: ['/api/*'] }])), conditionsKey(sdkConditions([{ field: 'path-pattern', values: ['/api'] }])))
  assert.ok(coversNames(['x.io', 'api.x.io'], ['x.io', 'api.x.io']))
  assert.ok(coversNames(['x.io', '*.x.io'], ['x.io', 'api.x.io']))
  assert.not.ok(coversNames(['x.io'], ['x.io', 'api.x.io']))
  assert.not.ok(coversNames(['*.x.io'], ['x.io']))
})

const diff = suite('lib/front-door/listener-plan: listenerChanges')

const noDomain = wantedListeners(routed, { targetGroupArns: groups })
const withDomain = wantedListeners(routed, { domainName: 'c.example.org', certificateArn: CERT, targetGroupArns: groups })

/** The listeners as AWS would hold them once a plan is applied. */
function applied(p: ListenerPlan): ExistingListener[] {
  return p.listeners.map((l) => ({
    arn: `L${l.port}`,
    port: l.port,
    protocol: l.protocol,
    defaultActions: [sdkAction(l.defaultAction)],
    certificateArn: l.certificateArn,
    sslPolicy: l.sslPolicy,
    rules: p.rules
      .filter((r) => r.listenerPort === l.port)
      .map((r) => ({ arn: `R${l.port}-${r.priority}`, priority: r.priority, conditions: sdkConditions(r.conditions), actions: [{ Type: 'forward', TargetGroupArn: r.targetGroupArn }] })),
  }))
}

const ops = (operations: readonly ListenerOperation[]) =>
  operations.map((o) => {
    switch (o.op) {
      case 'create-listener':
      case 'modify-listener':
      case 'keep-listener':
        return `${o.op} ${o.listener.port}`
      case 'create-rule':
      case 'modify-rule':
      case 'keep-rule':
        return `${o.op} ${o.rule.listenerPort}#${o.rule.priority}`
      case 'set-priority':
        return `${o.op} ${o.rule.listenerPort}#${o.from}→${o.rule.priority}`
      default:
        return `${o.op} ${o.name}`
    }
  })

diff('from nothing, from itself, and between the two plans', () => {
  const kit = [BACKEND, FRONTEND]
  const table: Array<[string, ExistingListener[], ListenerPlan, string[]]> = [
    ['nothing → no domain', [], noDomain, ['create-listener 80', 'create-rule 80#1']],
    ['no domain → itself', applied(noDomain), noDomain, ['keep-listener 80', 'keep-rule 80#1']],
    ['domain → itself', applied(withDomain), withDomain, ['keep-listener 80', 'keep-listener 443', 'keep-rule 443#1', 'keep-rule 443#2']],
    [
      'no domain → domain: 80 becomes a redirect, its path rule goes',
      applied(noDomain),
      withDomain,
      ['modify-listener 80', 'delete-rule HTTP:80 #1 path-pattern /api/*', 'create-listener 443', 'create-rule 443#1', 'create-rule 443#2'],
    ],
    ['domain → no domain: 443 goes with its rules', applied(withDomain), noDomain, ['modify-listener 80', 'create-rule 80#1', 'delete-listener HTTPS:443']],
  ]
  for (const [what, existing, wanted, expected] of table) {
    const { operations, problems } = listenerChanges(existing, wanted, kit)
    assert.equal(ops(operations), expected, what)
    assert.equal(problems, [], what)
  }
})

diff('drift is brought back: a moved priority, a rule forwarding elsewhere, an old TLS policy, another certificate', () => {
  const kit = [BACKEND, FRONTEND]
  const [http, https] = applied(withDomain)
  const drifted: ExistingListener = {
    ...https,
    sslPolicy: 'ELBSecurityPolicy-2016-08',
    certificateArn: 'arn:old',
    rules: [
      { ...https.rules[0], priority: 7 },
      { ...https.rules[1], actions: [{ Type: 'forward', TargetGroupArn: FRONTEND }] },
    ],
  }
  const { operations } = listenerChanges([http, drifted], withDomain, kit)
  assert.equal(ops(operations), ['keep-listener 80', 'modify-listener 443', 'set-priority 443#7→1', 'modify-rule 443#2'])
  const modify = operations.find((o) => o.op === 'modify-listener')
  assert.equal(modify?.op === 'modify-listener' && modify.differs, [`certificate arn:old → ${CERT}`, `SSL policy ELBSecurityPolicy-2016-08 → ${HTTPS_SSL_POLICY}`])
})

diff("what is not the kit's is left alone and mentioned; a clash on a priority the kit needs is a problem", () => {
  const [http] = applied(noDomain)
  const theirs: ExistingListener['rules'][number] = { arn: 'X', priority: 1, conditions: sdkConditions([{ field: 'path-pattern', values: ['/admin/*'] }]), actions: [{ Type: 'forward', TargetGroupArn: 'arn:theirs' }] }
  const other: ExistingListener = { arn: 'L8080', port: 8080, protocol: 'HTTP', defaultActions: [], rules: [] }
  const { operations, problems } = listenerChanges([{ ...http, rules: [theirs] }, other], noDomain, [BACKEND, FRONTEND])
  assert.equal(ops(operations), ['keep-listener 80', 'create-rule 80#1', 'other-rule HTTP:80 #1 path-pattern /admin/* (forward to arn:theirs)', 'other-listener HTTP:8080'])
  assert.equal(problems.length, 1)
  assert.match(problems[0], /is not the kit's and holds priority 1, which HTTP:80 path \/api\/\* needs: move or delete it/)
})

diff('a run of some services (ECS_SERVICES) keeps the default of a declared service outside it', () => {
  const backendOnly = routed.filter((s) => s.name === 'backend-flask')
  const outside = wantedListeners(backendOnly, { targetGroupArns: { 'backend-flask': BACKEND }, defaultOutsideRun: 'frontend-react-js' })
  assert.equal(ops(listenerChanges(applied(noDomain), outside, [BACKEND]).operations), ['keep-listener 80', 'keep-rule 80#1'])
  assert.equal(ops(listenerChanges([], outside, [BACKEND]).operations), ['create-listener 80', 'create-rule 80#1'])
  assert.equal(sdkAction(outside.listeners[0].defaultAction).FixedResponseConfig?.StatusCode, '404', 'a new listener answers 404 until its default service is provisioned')
  // Without knowing of the default outside the run, the frontend would lose its traffic.
  const unaware = wantedListeners(backendOnly, { targetGroupArns: { 'backend-flask': BACKEND } })
  assert.equal(ops(listenerChanges(applied(noDomain), unaware, [BACKEND]).operations), ['modify-listener 80', 'keep-rule 80#1'])
})

plan.run()
diff.run()
