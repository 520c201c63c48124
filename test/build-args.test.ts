import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { openContext } from '../lib/aws/context.js'
import { declaredServices, serviceNamed, type ServiceDeclaration } from '../lib/config/services.js'
import { argsCarryingSecrets, buildArgFlags, resolveBuildArgs, secretValues } from '../lib/images/build-args.js'
import { localServiceUrls } from '../lib/images/run-local.js'
import { unknownUrlPlaceholders, urlPlaceholdersIn, urlsNeedLoadBalancer } from '../lib/front-door/urls.js'

const pure = suite('build arguments and service URLs (pure)')

pure('--build-arg NAME=VALUE for each, in the declaration order', () => {
  assert.equal(buildArgFlags({ REACT_APP_BACKEND_URL: 'https://api.cruddur.example.com', B: 'x y' }), [
    '--build-arg',
    'REACT_APP_BACKEND_URL=https://api.cruddur.example.com',
    '--build-arg',
    'B=x y',
  ])
  assert.equal(buildArgFlags({}), [])
})

pure('a value carrying a secret (a token, a URL password) is named; URLs without one are not', () => {
  const secrets = secretValues({ ROLLBAR_ACCESS_TOKEN: 'tok-12345', PROD_CONNECTION_URL: 'postgresql://u:pw-98765@db.example.invalid/c' }, ['ROLLBAR_ACCESS_TOKEN', 'PROD_CONNECTION_URL'])
  assert.ok(secrets.includes('tok-12345') && secrets.includes('pw-98765'))
  assert.equal(argsCarryingSecrets({ A: 'https://api.cruddur.example.com', B: 'https://x/?t=tok-12345', C: 'pw-98765' }, secrets), ['B', 'C'])
  assert.equal(argsCarryingSecrets({ A: 'https://api.cruddur.example.com' }, []), [])
})

pure('URL placeholders: found in a template, unknown ones named, the load balancer needed only without a domain', () => {
  assert.equal(urlPlaceholdersIn({ a: '${SERVICE_URL_BACKEND_FLASK}/x', b: ['${REGION}', '${SERVICE_URL_NOPE}'] }), ['SERVICE_URL_BACKEND_FLASK', 'SERVICE_URL_NOPE'])
  const problems = unknownUrlPlaceholders('f.json', ['SERVICE_URL_BACKEND_FLASK', 'SERVICE_URL_NOPE'], declaredServices())
  assert.is(problems.length, 1)
  assert.match(problems[0], 'f.json: ${SERVICE_URL_NOPE} names no service the front door routes to')
  assert.ok(urlsNeedLoadBalancer(['SERVICE_URL_BACKEND_FLASK'], undefined))
  assert.not.ok(urlsNeedLoadBalancer(['SERVICE_URL_BACKEND_FLASK'], 'cruddur.example.com'))
  assert.not.ok(urlsNeedLoadBalancer([], undefined))
})

pure("a local run's URLs: each routed service on 127.0.0.1 at its own port", () => {
  assert.equal(localServiceUrls(declaredServices()), {
    SERVICE_URL_BACKEND_FLASK: 'http://127.0.0.1:4567',
    SERVICE_URL_FRONTEND_REACT_JS: 'http://127.0.0.1:3000',
  })
})

pure.run()

const resolving = suite('resolveBuildArgs (moto)')
const withArgs = (buildArgs: Record<string, string>): ServiceDeclaration => ({ ...serviceNamed('frontend-react-js'), buildArgs })
const opener = (env: Record<string, string | undefined>) => {
  let opened = 0
  return { open: () => ((opened += 1), openContext({ ...process.env, ...env }, { mode: 'read-only' })), opened: () => opened }
}

resolving('no build arguments: no run context is opened (no AWS at all)', async () => {
  const run = opener({})
  assert.equal(await resolveBuildArgs(serviceNamed('backend-flask'), run.open), {})
  assert.is(run.opened(), 0)
})

resolving("the frontend's declaration under a domain: the backend's https URL", async () => {
  const run = opener({ DOMAIN_NAME: 'cruddur.example.com' })
  assert.equal(await resolveBuildArgs(serviceNamed('frontend-react-js'), run.open), { REACT_APP_BACKEND_URL: 'https://api.cruddur.example.com' })
})

resolving("a build argument whose value carries a secret is refused (exit 2), naming it, never showing the value", async () => {
  const secret = 'postgresql://cruddur:build-arg-pw-4242@db.example.invalid:5432/cruddur'
  const run = opener({ DOMAIN_NAME: 'cruddur.example.com', PROD_CONNECTION_URL: secret })
  try {
    await resolveBuildArgs(withArgs({ REACT_APP_BACKEND_URL: '${SERVICE_URL_BACKEND_FLASK}', DATABASE: '${PROD_CONNECTION_URL}' }), run.open)
    assert.unreachable('a secret in a build argument was passed')
  } catch (error) {
    const e = error as Error & { exitCode?: number }
    assert.is(e.exitCode, 2)
    assert.match(e.message, 'DATABASE would carry a secret')
    assert.not.match(e.message, 'build-arg-pw-4242')
    assert.not.match(e.message, 'REACT_APP_BACKEND_URL')
  }
})

resolving('a URL placeholder naming no routed service: exit 2 before any run context', async () => {
  const run = opener({})
  try {
    await resolveBuildArgs(withArgs({ X: '${SERVICE_URL_NOPE}' }), run.open)
    assert.unreachable()
  } catch (error) {
    assert.is((error as { exitCode?: number }).exitCode, 2)
    assert.match((error as Error).message, 'names no service the front door routes to')
  }
  assert.is(run.opened(), 0)
})

resolving.run()
