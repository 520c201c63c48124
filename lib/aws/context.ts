// The one context of a run: made once where a script starts, handed to its body and to
// every step. It holds the region (resolved here and nowhere else), the account (asked of
// STS at most once, and only when something needs it), the kit's names and services, one
// client per AWS service, and what the run may do (apply, dry-run, or read-only).
import { get, WHERE_TO_SET, type Env } from '../config/env.js'
import { checkNames, selectedServices, type KitNames } from '../config/names.js'
import { declaredServices, type ServiceDeclaration } from '../config/services.js'
import { ConfigError } from '../core/errors.js'
import { clientConfig, endpointProblems, type ClientConfig, type ServiceKey } from './clients.js'
import { checkAccountId } from './arns.js'

/** apply: change what differs; dry-run: read and plan; read-only: a command that never changes anything. */
export type Mode = 'apply' | 'dry-run' | 'read-only'

export interface RunContext {
  readonly env: Env
  readonly region: string
  readonly names: KitNames
  /** The declared services this run deals with (ECS_SERVICES, else every one). */
  readonly services: readonly ServiceDeclaration[]
  readonly mode: Mode
  /** True under --dry-run: read everything, report what would change, change nothing. */
  readonly dryRun: boolean
  /** The account: AWS_ACCOUNT_ID, else STS's answer, looked up once. */
  account(): Promise<string>
  /** The client for an AWS service, built once per run (connections are reused). */
  client<C>(Client: new (config: ClientConfig) => C, service: ServiceKey): C
}

const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d+$/

/** The region from the environment: AWS_REGION, else AWS_DEFAULT_REGION (the JS SDK reads only the former). Pure. */
export function regionFromEnv(env: Env): string | undefined {
  const region = get(env, 'AWS_REGION') ?? get(env, 'AWS_DEFAULT_REGION')
  if (region !== undefined && !REGION_SHAPE.test(region)) {
    throw new ConfigError(`region "${region}" does not look like an AWS region (e.g. eu-west-2): check AWS_REGION / AWS_DEFAULT_REGION`)
  }
  return region
}

/** The region of the active profile (~/.aws/config), as the SDK's own chain finds it. */
async function regionFromProfile(): Promise<string | undefined> {
  const { STSClient } = await import('@aws-sdk/client-sts')
  try {
    const region = await new STSClient({}).config.region()
    return typeof region === 'string' && REGION_SHAPE.test(region) ? region : undefined
  } catch {
    return undefined
  }
}

/** The one place the region is resolved: the environment, else the active profile. */
export async function resolveRegion(env: Env): Promise<string> {
  const region = regionFromEnv(env) ?? (await regionFromProfile())
  if (!region) {
    throw new ConfigError(`AWS_DEFAULT_REGION is not set (nor AWS_REGION, nor a region in the AWS profile): ${WHERE_TO_SET}, e.g. AWS_DEFAULT_REGION=eu-west-2`)
  }
  return region
}

export interface ContextOptions {
  mode: Mode
  /** A region already known (e.g. an ECR registry's own), instead of resolving one. */
  region?: string
  /**
   * The run's own input problems (a provisioning script's steps' validation: missing variables,
   * templates), reported together with a missing region so that one run names everything to set.
   */
  inputProblems?: (inputs: Pick<RunContext, 'env' | 'names' | 'services'>) => string[]
}

/** Make a run's context. The only way the kit builds AWS clients. */
export async function openContext(env: Env, options: ContextOptions): Promise<RunContext> {
  // Every problem with the region and the names at once: fixing one, re-running and learning
  // of the next is the trap this avoids.
  // Node 20 is what Gitpod and this kit run on; the SDK's end-of-support notice (eight lines on
  // stderr) would bury the kit's own output. Off before anything (the profile's region below
  // builds an SDK client) can print it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const problems: string[] = [...endpointProblems(env)]
  const region = await (options.region !== undefined ? Promise.resolve(options.region) : resolveRegion(env)).catch((error: unknown) => {
    if (!(error instanceof ConfigError)) throw error
    problems.push(error.message)
    return ''
  })
  const declared = declaredServices()
  const checked = checkNames(env, declared)
  problems.push(...checked.problems)
  if (problems.length > 0 && checked.names && options.inputProblems) {
    const inputs = { env, names: checked.names, services: selectedServices(checked.names, declared) }
    for (const problem of options.inputProblems(inputs)) if (!problems.includes(problem)) problems.push(problem)
  }
  if (problems.length > 0 || !checked.names) {
    throw new ConfigError(`${options.mode === 'read-only' ? '' : 'nothing was changed: '}${problems.join('; ')}`)
  }
  const names = checked.names
  const clients = new Map<unknown, unknown>()
  const client = <C>(Client: new (config: ClientConfig) => C, service: ServiceKey): C => {
    if (!clients.has(Client)) clients.set(Client, new Client(clientConfig(env, service, region)))
    return clients.get(Client) as C
  }
  let account: Promise<string> | undefined
  const lookUpAccount = async (): Promise<string> => {
    const given = get(env, 'AWS_ACCOUNT_ID')
    if (given) return checkAccountId(given)
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts')
    const found = (await client(STSClient, 'STS').send(new GetCallerIdentityCommand({}))).Account
    if (!found) throw new ConfigError(`could not learn the account from STS: set AWS_ACCOUNT_ID (${WHERE_TO_SET})`)
    return found
  }
  return {
    env,
    region,
    names,
    services: selectedServices(names, declared),
    mode: options.mode,
    dryRun: options.mode === 'dry-run',
    account: () => (account ??= lookUpAccount()),
    client,
  }
}
