// verify's verdicts on the front door, from facts already read (lib/verify/verify.ts reads
// them): a routed service's target group agrees with its task definition and declaration, and
// with DOMAIN_NAME the certificate is ISSUED and covers the names. Pure.
import type { CheckResult } from './checks.js'

/** A target group as verify needs it (DescribeTargetGroups). */
export interface TargetGroupFacts {
  name: string
  port?: number
  protocol?: string
  healthCheckPath?: string
}

/** The certificate verify judges: the HTTPS listener's, or else ACM's for the domain. */
export interface CertificateFacts {
  arn: string
  /** ISSUED, PENDING_VALIDATION, EXPIRED, FAILED... */
  status?: string
  /** Its domain name and every subject alternative name. */
  names: string[]
  /** Where it was found, for the line: "the HTTPS listener's", "ACM's for cruddur.example.com". */
  source: string
}

/** What the declaration and the task definition say about a routed service. */
export interface RoutedServiceFacts {
  service: string
  /** The target group's name (targetGroupName). */
  targetGroup: string
  declaredPort: number
  /** The task definition's containerPort for the service's container, if it names one. */
  taskPort?: number
  taskFile: string
  healthCheckPath: string
}

const ACTIVE_FIX = 'run ./scripts/provision (the front door steps make it)'

/** The target group exists and its port is the task definition's and the declaration's containerPort. */
export function targetGroupCheck(service: string, routed: RoutedServiceFacts | undefined, group: TargetGroupFacts | undefined): CheckResult {
  const check = 'target group'
  if (!routed) return { service, check, verdict: 'skip', detail: 'not routed by the front door (frontDoor false in json/services.json): no target group' }
  if (!group) return { service, check, verdict: 'fail', detail: `${routed.targetGroup} does not exist, so the load balancer cannot reach ${service}: ${ACTIVE_FIX}` }
  if (routed.taskPort !== undefined && routed.taskPort !== routed.declaredPort) {
    return {
      service,
      check,
      verdict: 'fail',
      detail: `${routed.taskFile} maps containerPort ${routed.taskPort} but json/services.json declares ${routed.declaredPort}: make them agree (the service registers the declared port)`,
    }
  }
  if (group.port !== routed.declaredPort) {
    return {
      service,
      check,
      verdict: 'fail',
      detail: `${group.name} is on port ${group.port ?? '?'}, the container listens on ${routed.declaredPort}: a target group's port cannot change: delete ${group.name} and run ./scripts/provision`,
    }
  }
  return { service, check, verdict: 'pass', detail: `${group.name} exists on ${group.protocol ?? 'HTTP'} ${group.port}, the task definition's and the declaration's containerPort` }
}

/** The target group's health-check path is the declaration's. */
export function healthPathCheck(service: string, routed: RoutedServiceFacts | undefined, group: TargetGroupFacts | undefined): CheckResult {
  const check = 'health check path'
  if (!routed) return { service, check, verdict: 'skip', detail: 'not routed by the front door: no load balancer health check' }
  if (!group) return { service, check, verdict: 'skip', detail: `${routed.targetGroup} does not exist: nothing to compare` }
  if (group.healthCheckPath === routed.healthCheckPath) return { service, check, verdict: 'pass', detail: `${group.name} checks ${routed.healthCheckPath}, as declared` }
  return {
    service,
    check,
    verdict: 'fail',
    detail:
      `${group.name} checks ${group.healthCheckPath ?? '(no path)'}, json/services.json declares ${routed.healthCheckPath} (targets would fail or pass the wrong check): ` +
      `aws elbv2 modify-target-group --target-group-arn ARN --health-check-path ${routed.healthCheckPath}`,
  }
}

/** Whether a certificate name covers a host: the same name, or a wildcard for one label (*.example.com covers api.example.com). Pure. */
export function certificateCovers(certificateName: string, host: string): boolean {
  const name = certificateName.toLowerCase()
  const wanted = host.toLowerCase()
  if (name === wanted) return true
  if (!name.startsWith('*.')) return false
  const dot = wanted.indexOf('.')
  return dot > 0 && wanted.slice(dot + 1) === name.slice(2)
}

/** With DOMAIN_NAME, the certificate is ISSUED and covers every name the front door answers on. */
export function certificateCheck(service: string, routed: boolean, domainName: string | undefined, wanted: readonly string[], certificate: CertificateFacts | undefined): CheckResult {
  const check = 'certificate'
  if (!routed) return { service, check, verdict: 'skip', detail: 'not routed by the front door: no certificate' }
  if (!domainName) return { service, check, verdict: 'skip', detail: 'no DOMAIN_NAME: plain HTTP on the load balancer\'s name, no certificate' }
  if (!certificate) return { service, check, verdict: 'fail', detail: `no ACM certificate for ${domainName} in the region: run ./scripts/provision with DOMAIN_NAME set (it requests one and validates it by DNS)` }
  const uncovered = wanted.filter((host) => !certificate.names.some((n) => certificateCovers(n, host)))
  if (certificate.status !== 'ISSUED') {
    return {
      service,
      check,
      verdict: 'fail',
      detail: `${certificate.source} certificate is ${certificate.status ?? 'in an unknown state'}, not ISSUED (HTTPS cannot use it): run ./scripts/provision, which writes its DNS validation records and waits`,
    }
  }
  if (uncovered.length > 0) {
    return {
      service,
      check,
      verdict: 'fail',
      detail: `${certificate.source} certificate covers ${certificate.names.join(', ')}, not ${uncovered.join(', ')} (browsers refuse the name): request one for ${wanted.join(', ')} (./scripts/provision with DOMAIN_NAME set)`,
    }
  }
  return { service, check, verdict: 'pass', detail: `${certificate.source} certificate is ISSUED for ${wanted.join(', ')}` }
}
