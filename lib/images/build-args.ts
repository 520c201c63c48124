// A service's docker build arguments (json/services.json `buildArgs`), rendered with the kit's
// derived values as templates are: the frontend's REACT_APP_BACKEND_URL = "${SERVICE_URL_BACKEND_FLASK}"
// becomes the backend's public URL, passed as --build-arg NAME=VALUE the way the bootcamp's
// bin/frontend/build does. A service without build arguments needs no AWS call, nor does a
// URL under DOMAIN_NAME; without a domain the URL is the load balancer's (read-only).
import type { RunContext } from '../aws/context.js'
import { registerEnvSecrets, type Env } from '../config/env.js'
import { declaredSecretVariables, declaredServices, SERVICES_FILE, type ServiceDeclaration } from '../config/services.js'
import { ConfigError } from '../core/errors.js'
import { resolveServiceUrls, unknownUrlPlaceholders, urlPlaceholdersIn } from '../front-door/urls.js'
import { DERIVED, derivedValues, lookupIn, placeholderHint, type Discovered } from '../steps/step.js'
import { placeholders, render } from '../templates/template.js'

/** Where a service's build arguments are declared, for messages. Pure. */
export const buildArgsSource = (service: ServiceDeclaration): string => `${SERVICES_FILE} ${service.name}.buildArgs`

/** docker's flags for build arguments: --build-arg NAME=VALUE each, in the declaration's order. Pure. */
export const buildArgFlags = (args: Record<string, string>): string[] => Object.entries(args).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`])

/** The values no build argument may carry: every secret variable's (and a URL's password), as the kit masks them. Pure over env. */
export function secretValues(env: Env, declared: readonly string[]): string[] {
  const values: string[] = []
  registerEnvSecrets(env, (value) => {
    if (value) values.push(value)
  }, declared)
  return values
}

/**
 * The build arguments whose value carries a secret: a build argument is kept in the image's
 * history (docker history shows it) and in every layer built after it. Pure.
 */
export const argsCarryingSecrets = (args: Record<string, string>, secrets: readonly string[]): string[] =>
  Object.entries(args).filter(([, value]) => secrets.some((secret) => value.includes(secret))).map(([name]) => name)

/**
 * A service's build arguments, rendered: the URLs resolved (resolveServiceUrls), then any other
 * derived value or environment variable, as in templates. `openRun` is called only when there is
 * something to render. A URL that cannot be worked out, an unknown placeholder or a secret in a
 * value is one error, before docker runs.
 */
export async function resolveBuildArgs(service: ServiceDeclaration, openRun: () => Promise<RunContext>): Promise<Record<string, string>> {
  const declared = service.buildArgs
  if (Object.keys(declared).length === 0) return {}
  const source = buildArgsSource(service)
  const urls = urlPlaceholdersIn(declared)
  const unknown = unknownUrlPlaceholders(source, urls, declaredServices())
  if (unknown.length > 0) throw new ConfigError(unknown.join('; '))
  const run = await openRun()
  const discovered: Discovered = {}
  const using = Object.entries(declared).filter(([, value]) => urlPlaceholdersIn(value).length > 0).map(([name]) => name)
  await resolveServiceUrls({ ...run, dryRun: false, discovered }, urls, `${source} (${using.join(', ')})`)
  // The account only when a build argument uses a value made from it (ECR_REGISTRY, a role's ARN...).
  const needsAccount = [...placeholders(declared)].some((name) => name in DERIVED)
  const derived = needsAccount
    ? derivedValues({ names: run.names, region: run.region, accountId: await run.account(), discovered })
    : { ...discovered.serviceUrls }
  const rendered = render({ file: source, json: declared }, lookupIn(derived, run.env), placeholderHint) as Record<string, unknown>
  const args: Record<string, string> = {}
  for (const [name, value] of Object.entries(rendered)) {
    if (typeof value !== 'string') throw new ConfigError(`${source}: ${name} renders to a list, not one value: use a placeholder that is one value`)
    args[name] = value
  }
  const carrying = argsCarryingSecrets(args, secretValues(run.env, declaredSecretVariables()))
  if (carrying.length > 0) {
    throw new ConfigError(
      `${source}: ${carrying.join(', ')} would carry a secret's value into the image (docker history shows build arguments): pass secrets to the container at run time (its SSM parameters), not at build time`,
    )
  }
  return args
}
