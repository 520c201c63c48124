// The audit's rules for the front door: the load balancer's settings (Security Hub's ELB
// controls, each Medium there, so medium here) and the kit's own rule that a routed
// service's container port is reached only through the load balancer's group. Pure
// functions of a Snapshot, like lib/audit/rules.ts, which lists them with the others.
import type { Finding, Rule } from './rules.js'
import type { IngressFacts, ListenerFacts, LoadBalancerFacts, Snapshot } from './snapshot.js'
import { HTTPS_SSL_POLICY } from '../front-door/listener-plan.js'

const SH_ELB = (n: number): string => `https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-${n}`

const lbResource = (lb: LoadBalancerFacts): string => `load-balancer:${lb.name}`
const listenerName = (lb: LoadBalancerFacts, l: ListenerFacts): string => `listener:${lb.name}/${l.protocol}:${l.port ?? '?'}`
// Where the fix goes: the steps that make the load balancer and its listeners (keys: their exports, for SARIF's line).
const LB_FILE = 'lib/steps/load-balancer.ts'
const LB_KEY = 'loadBalancerStep'
const LISTENERS_FILE = 'lib/steps/listeners.ts'
const LISTENERS_KEY = 'listenersStep'

/** The load balancer's findings, or undefined when the snapshot does not know it (null: none, nothing to judge). */
function perLoadBalancer(s: Snapshot, judge: (lb: LoadBalancerFacts) => Finding[]): Finding[] | undefined {
  if (s.loadBalancer === undefined) return undefined
  return s.loadBalancer === null ? [] : judge(s.loadBalancer)
}

/** The policy the TLS listener uses. */
export type TlsVerdict = 'tls1.2+' | 'older' | 'unknown'

/**
 * Whether an ELB predefined security policy lets clients negotiate TLS below 1.2. The
 * ELBSecurityPolicy-TLS13-1-2-*, -TLS13-1-3-*, -FS-1-2-* and -TLS-1-2-* families do not; the
 * 2015-05 and 2016-08 policies, -TLS-1-0-*, -TLS-1-1-*, -FS-2018-06, -FS-1-1-* and
 * -TLS13-1-0-* / -TLS13-1-1-* do. Anything else (a custom name) is unknown. Pure.
 */
export function tlsPolicyVerdict(policy: string | undefined): TlsVerdict {
  if (!policy) return 'unknown'
  if (/^ELBSecurityPolicy-(TLS13-1-[23]|FS-1-2|TLS-1-2)-/.test(policy)) return 'tls1.2+'
  if (/^ELBSecurityPolicy-(2015-05|2016-08|TLS-1-[01]-|FS-2018-06|FS-1-1-|TLS13-1-[01]-)/.test(policy)) return 'older'
  return 'unknown'
}

/** The TLS policy the kit's HTTPS listener uses (TLS 1.3 and 1.2 only), as the listeners step sets it (lib/front-door/listener-plan.ts). */
export const KIT_TLS_POLICY = HTTPS_SSL_POLICY

const coversPort = (r: IngressFacts, port: number): boolean => {
  const protocol = r.protocol.toLowerCase()
  if (protocol === '-1' || protocol === 'all') return true
  return protocol === 'tcp' && r.fromPort !== undefined && r.toPort !== undefined && r.fromPort <= port && port <= r.toPort
}
const WORLD = new Set(['0.0.0.0/0', '::/0'])

export const FRONT_DOOR_RULES: readonly Rule[] = [
  {
    id: 'KIT-ELB-001',
    title: 'HTTP listener does not redirect to HTTPS while HTTPS is there',
    severity: 'medium',
    publicIds: ['Security Hub ELB.1'],
    helpUri: SH_ELB(1),
    check: (s) =>
      perLoadBalancer(s, (lb) => {
        // Without an HTTPS listener (no DOMAIN_NAME) port 80 is the only door: nothing to redirect to.
        if (!lb.listeners.some((l) => l.protocol === 'HTTPS')) return []
        return lb.listeners
          .filter((l) => l.protocol === 'HTTP' && !l.actions.every((a) => a.type === 'redirect' && a.redirectProtocol === 'HTTPS'))
          .map((l) => ({
            resource: listenerName(lb, l),
            message: `${l.protocol}:${l.port ?? '?'} ${l.actions.filter((a) => a.type !== 'redirect' || a.redirectProtocol !== 'HTTPS').map((a) => a.type).join(', ')}s in plain text although the load balancer has an HTTPS listener`,
            fix: 'run ./scripts/elbv2/create-listeners with DOMAIN_NAME set: it makes HTTP:80 a 301 redirect to HTTPS:443',
            file: LISTENERS_FILE,
            key: LISTENERS_KEY,
          }))
      }),
  },
  {
    id: 'KIT-ELB-002',
    title: 'Load balancer does not drop invalid header fields',
    severity: 'medium',
    publicIds: ['Security Hub ELB.4'],
    helpUri: SH_ELB(4),
    check: (s) =>
      perLoadBalancer(s, (lb) =>
        lb.dropInvalidHeaderFields === false
          ? [
              {
                resource: lbResource(lb),
                message: 'routing.http.drop_invalid_header_fields.enabled is false: headers that do not match [-A-Za-z0-9]+ reach the services (HTTP desync and smuggling)',
                fix: './scripts/elbv2/create-load-balancer sets it to true on the kit\'s load balancer',
                file: LB_FILE,
                key: LB_KEY,
              },
            ]
          : [],
      ),
  },
  {
    id: 'KIT-ELB-003',
    title: 'Load balancer access logs off',
    severity: 'medium',
    publicIds: ['Security Hub ELB.5'],
    helpUri: SH_ELB(5),
    check: (s) =>
      perLoadBalancer(s, (lb) =>
        lb.accessLogs === false
          ? [
              {
                resource: lbResource(lb),
                message: 'access_logs.s3.enabled is false: no record of who asked what of the front door',
                fix: 'make an S3 bucket whose policy lets ELB write to it, then aws elbv2 modify-load-balancer-attributes --attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=BUCKET',
                cost: 'S3 storage and requests for the log files (S3 prices, not in the kit\'s price table; a few MB a day for a student stack)',
                file: LB_FILE,
                key: LB_KEY,
              },
            ]
          : [],
      ),
  },
  {
    id: 'KIT-ELB-004',
    title: 'Load balancer deletion protection off',
    severity: 'medium',
    publicIds: ['Security Hub ELB.6'],
    helpUri: SH_ELB(6),
    check: (s) =>
      perLoadBalancer(s, (lb) =>
        lb.deletionProtection === false
          ? [
              {
                resource: lbResource(lb),
                message: 'deletion_protection.enabled is false: one DeleteLoadBalancer call removes the front door',
                fix: 'aws elbv2 modify-load-balancer-attributes --load-balancer-arn ARN --attributes Key=deletion_protection.enabled,Value=true (./scripts/teardown then cannot remove it until you turn it off again)',
                file: LB_FILE,
                key: LB_KEY,
              },
            ]
          : [],
      ),
  },
  {
    id: 'KIT-ELB-005',
    title: 'TLS listener policy allows TLS older than 1.2',
    severity: 'medium',
    publicIds: ['Security Hub ELB.17'],
    helpUri: SH_ELB(17),
    check: (s) =>
      perLoadBalancer(s, (lb) =>
        lb.listeners
          .filter((l) => (l.protocol === 'HTTPS' || l.protocol === 'TLS') && tlsPolicyVerdict(l.sslPolicy) !== 'tls1.2+')
          .map((l) => {
            const older = tlsPolicyVerdict(l.sslPolicy) === 'older'
            return {
              resource: listenerName(lb, l),
              message: older
                ? `security policy ${l.sslPolicy} accepts TLS 1.0/1.1`
                : `security policy ${l.sslPolicy ?? '(none)'} is not a predefined policy known to allow only TLS 1.2 and later: check its protocols`,
              fix: `aws elbv2 modify-listener --listener-arn ARN --ssl-policy ${KIT_TLS_POLICY} (what ./scripts/elbv2/create-listeners sets)`,
              file: LISTENERS_FILE,
            key: LISTENERS_KEY,
              ...(older ? {} : { severity: 'low' as const }),
            }
          }),
      ),
  },
  {
    id: 'KIT-EC2-002',
    title: "Routed service's container port reachable from a CIDR, not only through the load balancer",
    severity: 'high',
    publicIds: ['Security Hub EC2.18 (related)', 'Security Hub EC2.19 (related)'],
    helpUri: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html',
    check: (s) => {
      const routed = s.services.filter((svc) => svc.routed && svc.containerPort !== undefined)
      const findings: Finding[] = []
      for (const svc of routed) {
        const port = svc.containerPort as number
        for (const sg of s.securityGroups) {
          for (const rule of sg.ingress.filter((r) => coversPort(r, port))) {
            findings.push({
              resource: `security-group:${sg.name}`,
              message: `${svc.name}'s container port tcp/${port} is open to ${rule.cidr}: clients can bypass the load balancer (its TLS, header checks and health-checked routing)`,
              fix: `revoke it (aws ec2 revoke-security-group-ingress --group-id ${sg.id ?? 'GROUP_ID'} ...); ./scripts/ec2/create-security-group admits container ports only from the load balancer's group and the services' own`,
              ...(WORLD.has(rule.cidr) ? {} : { severity: 'medium' as const }),
            })
          }
        }
      }
      return findings
    },
  },
]
