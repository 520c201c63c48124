// What the teardown steps share: their options, the ids they refer to each other by, and
// one bounded poll for what AWS finishes in its own time (a service draining, a security
// group's network interfaces going away).
import { KitError } from '../core/errors.js'
import type { Change, Step } from '../steps/step.js'

export interface TeardownOptions {
  /** Also delete the data: ECR repositories with their images, the SSM parameters, and the ACM certificate with its validation records. */
  all: boolean
  /** Seconds between reads while waiting for AWS (services to become INACTIVE, a group to be free). */
  pollSeconds: number
  /** Give up waiting after this many seconds. */
  timeoutSeconds: number
  /** A progress line while waiting (the script writes them to stderr). */
  progress?: (line: string) => void
}

export const DEFAULT_TEARDOWN: TeardownOptions = { all: false, pollSeconds: 5, timeoutSeconds: 600 }

/**
 * A teardown step, with what kind of resource it deletes as data: `shared` when every service
 * of the kit uses it (the cluster, the roles, the security group, the log group, the base image
 * repository, a load balancer), so that a teardown of some services keeps it while another
 * declared service exists; `data` when it is kept unless --all.
 */
export interface TeardownStep extends Step {
  shared?: boolean
  data?: boolean
}

/** A change a teardown step reports; `kept` says why a resource it would delete stays (shared with whom). */
export interface TeardownChange extends Change {
  kept?: string
}

/** Each teardown step's id: the provisioning step's script, with delete for create. */
export const TEARDOWN_IDS = {
  service: (name: string) => `ecs/delete-service:${name}`,
  cluster: 'ecs/delete-cluster',
  taskDefinition: (family: string) => `ecs/deregister-task-definition:${family}`,
  securityGroup: 'ec2/delete-security-group',
  loadBalancerSecurityGroup: 'ec2/delete-load-balancer-security-group',
  loadBalancer: 'elbv2/delete-load-balancer',
  listeners: 'elbv2/delete-listeners',
  targetGroup: (service: string) => `elbv2/delete-target-group:${service}`,
  dnsRecords: 'route53/delete-records',
  certificate: 'acm/delete-certificate',
  namespace: 'servicediscovery/delete-namespace',
  roles: 'iam/delete-roles',
  logGroup: 'logs/delete-log-group',
  repositories: 'ecr/delete-repositories',
  sharedRepositories: 'ecr/delete-shared-repositories',
  parameters: 'ssm/delete-parameters',
  sharedParameters: 'ssm/delete-shared-parameters',
} as const

export const deleted = (resource: string, name: string, detail?: string): Change => ({ resource, name, outcome: 'deleted', ...(detail ? { detail } : {}) })
export const alreadyGone = (resource: string, name: string, detail = 'already gone'): Change => ({ resource, name, outcome: 'unchanged', detail })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Call `check` until it returns a value (not undefined), every pollSeconds, for at most
 * timeoutSeconds; then a KitError saying what was awaited. The first check is immediate.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { pollSeconds, timeoutSeconds, progress }: Pick<TeardownOptions, 'pollSeconds' | 'timeoutSeconds' | 'progress'>,
): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now()
  let lastSaid = 0
  for (;;) {
    const value = await check()
    const seconds = (performance.now() - t0) / 1000
    if (value !== undefined) return { value, seconds }
    if (seconds >= timeoutSeconds) throw new KitError(`gave up after ${Math.round(seconds)}s waiting for ${what}: re-run teardown to carry on`)
    if (progress && seconds - lastSaid >= 15) {
      lastSaid = seconds
      progress(`  … waiting for ${what} (${Math.round(seconds)}s)`)
    }
    await sleep(Math.min(pollSeconds * 1000, Math.max(0, (timeoutSeconds - seconds) * 1000)))
  }
}

/** "revisions 1, 2, 3" or "revisions 1-9" for a sorted list of revision numbers. Pure. */
export function revisionList(revisions: readonly number[]): string {
  const sorted = [...revisions].sort((a, b) => a - b)
  if (sorted.length === 0) return 'no revision'
  if (sorted.length === 1) return `revision ${sorted[0]}`
  const contiguous = sorted.every((r, i) => i === 0 || r === sorted[i - 1] + 1)
  return contiguous && sorted.length > 2 ? `revisions ${sorted[0]}-${sorted[sorted.length - 1]}` : `revisions ${sorted.join(', ')}`
}
