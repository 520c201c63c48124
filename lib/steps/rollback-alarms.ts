// The CloudWatch alarms that mean "this deployment of a service is bad" (issue 17), which its
// deploymentConfiguration.alarms names with rollback on (lib/front-door/service-request.ts):
//   - cruddur-<service>-5xx: behind the front door, the targets' 5xx answers as a percentage of
//     the requests its target group got (metric math over AWS/ApplicationELB
//     HTTPCode_Target_5XX_Count and RequestCount). A rate, not a count: a count's threshold
//     would mean a different thing at every traffic level. 5xx only: 4xx are mostly the
//     clients' (a scanner's 404s must not roll a deployment back);
//   - cruddur-<service>-unhealthy-hosts: behind the front door, UnHealthyHostCount of its
//     target group (dimensions TargetGroup and LoadBalancer, the ARNs' suffixes);
//   - cruddur-<service>-tasks-below-desired: every service, DesiredTaskCount - RunningTaskCount
//     from ECS/ContainerInsights (AWS/ECS has no task counts). Those metrics exist only with
//     Container Insights on the cluster, which the cluster step turns on for it (lib/steps/cluster.ts);
//     where it is off, this alarm sees no data and stays OK, and the step warns. A service may opt
//     out of this one alarm ("tasksBelowDesired": false), and so out of Container Insights' bill.
// Every alarm treats missing data as not breaching: the load balancer sends no 5xx count when
// there is none and no request count without traffic, and no traffic is no bad deployment.
// Idempotent: DescribeAlarms first; PutMetricAlarm only for an alarm missing or different.
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type MetricAlarm,
  type MetricDataQuery,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch'
import { DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs'
import { loadBalancerArnSuffix, targetGroupArnSuffix } from '../aws/arns.js'
import type { RunContext } from '../aws/context.js'
import { targetGroupName } from '../config/names.js'
import { watchesTaskCount, type RollbackAlarmsDeclaration, type ServiceDeclaration } from '../config/services.js'
import { KitError } from '../core/errors.js'
import { resolveFrontDoor } from '../front-door/lookup.js'
import { clusterStep, containerInsightsOn } from './cluster.js'
import { loadBalancerStep } from './load-balancer.js'
import { runFirst, type Change, type Step } from './step.js'
import { targetGroupStep } from './target-group.js'

export const cloudWatch = (run: Pick<RunContext, 'client'>): CloudWatchClient => run.client(CloudWatchClient, 'CLOUDWATCH')

export type AlarmKind = '5xx' | 'unhealthy-hosts' | 'tasks-below-desired'

/** A service's alarm name: cruddur-<service>-<what>. Pure. */
export const rollbackAlarmName = (service: string, kind: AlarmKind): string => `cruddur-${service}-${kind}`

/** The kinds of alarm a service gets: the front door's two when it is routed, the task count unless opted out. Pure. */
export function alarmKinds(service: Pick<ServiceDeclaration, 'frontDoor' | 'rollbackAlarms'>): AlarmKind[] {
  return [...(service.frontDoor ? (['5xx', 'unhealthy-hosts'] as const) : []), ...(watchesTaskCount(service) ? (['tasks-below-desired'] as const) : [])]
}

/** The names deploymentConfiguration.alarms lists for a service; none when it opts out. Pure. */
export function rollbackAlarmNames(service: Pick<ServiceDeclaration, 'name' | 'frontDoor' | 'rollbackAlarms'>): string[] {
  return service.rollbackAlarms ? alarmKinds(service).map((kind) => rollbackAlarmName(service.name, kind)) : []
}

/** CloudWatch's LoadBalancer dimension: app/<name>/<id>, the ARN's suffix. Pure. */
export function loadBalancerDimension(arn: string): string {
  const value = loadBalancerArnSuffix(arn)
  if (!value) throw new KitError(`${arn} is not an application load balancer ARN`)
  return value
}

/** CloudWatch's TargetGroup dimension: targetgroup/<name>/<id>, the ARN's suffix. Pure. */
export function targetGroupDimension(arn: string): string {
  const value = targetGroupArnSuffix(arn)
  if (!value) throw new KitError(`${arn} is not a target group ARN`)
  return value
}

/** The front door's dimensions of a routed service's alarms; undefined before it exists (a dry run's plan). */
export interface FrontDoorDimensions {
  loadBalancer: string
  targetGroup: string
}

const stat = (id: string, namespace: string, metric: string, dimensions: Record<string, string>, statistic: string, period: number): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: namespace, MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) }, Period: period, Stat: statistic },
  ReturnData: false,
})

/**
 * The PutMetricAlarm input of one of a service's alarms. `front` is needed for the front door's
 * two; a stand-in ('(target group NAME)') is used when it is not known yet (a dry run). Pure.
 */
export function wantedAlarm(kind: AlarmKind, service: string, cluster: string, d: RollbackAlarmsDeclaration, front: FrontDoorDimensions | undefined): PutMetricAlarmCommandInput {
  const window = { EvaluationPeriods: d.evaluationPeriods, DatapointsToAlarm: d.datapointsToAlarm, TreatMissingData: 'notBreaching' as const, ActionsEnabled: true }
  const elb = { LoadBalancer: front?.loadBalancer ?? '(load balancer)', TargetGroup: front?.targetGroup ?? `(${targetGroupName(service)})` }
  const name = rollbackAlarmName(service, kind)
  if (kind === '5xx') {
    return {
      AlarmName: name,
      AlarmDescription: `Rolls back a deployment of ${service}: its targets answer 5xx to more than ${d.target5xxPercent} % of requests (cruddur-ecs-kit)`,
      Metrics: [
        stat('errors', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', elb, 'Sum', d.periodSeconds),
        stat('requests', 'AWS/ApplicationELB', 'RequestCount', elb, 'Sum', d.periodSeconds),
        // No 5xx is reported as no datapoint: 0. No request leaves the rate missing (not breaching).
        { Id: 'rate', Expression: '100 * FILL(errors, 0) / requests', Label: '5xx % of requests', ReturnData: true },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: d.target5xxPercent,
      ...window,
    }
  }
  if (kind === 'unhealthy-hosts') {
    return {
      AlarmName: name,
      AlarmDescription: `Rolls back a deployment of ${service}: ${d.unhealthyHosts} or more of its targets fail the load balancer's health check (cruddur-ecs-kit)`,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Dimensions: [
        { Name: 'TargetGroup', Value: elb.TargetGroup },
        { Name: 'LoadBalancer', Value: elb.LoadBalancer },
      ],
      Statistic: 'Maximum',
      Period: d.periodSeconds,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: d.unhealthyHosts,
      ...window,
    }
  }
  const ecs = { ClusterName: cluster, ServiceName: service }
  return {
    AlarmName: name,
    AlarmDescription: `Rolls back a deployment of ${service}: ${d.tasksBelowDesired} or more tasks below its desired count (needs Container Insights on cluster ${cluster}) (cruddur-ecs-kit)`,
    Metrics: [
      stat('desired', 'ECS/ContainerInsights', 'DesiredTaskCount', ecs, 'Average', d.periodSeconds),
      stat('running', 'ECS/ContainerInsights', 'RunningTaskCount', ecs, 'Average', d.periodSeconds),
      { Id: 'missing', Expression: 'desired - running', Label: 'tasks below desired', ReturnData: true },
    ],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: Number(d.tasksBelowDesired), // a number here: alarmKinds leaves the alarm out when it is false
    ...window,
  }
}

/** An alarm's metric(s) as comparable text (dimensions sorted). Pure. */
function metricText(a: Pick<MetricAlarm, 'Namespace' | 'MetricName' | 'Dimensions' | 'Statistic' | 'Period' | 'Metrics'>): string {
  const dims = (ds: ReadonlyArray<{ Name?: string; Value?: string }> | undefined) =>
    [...(ds ?? [])].map((x) => `${x.Name}=${x.Value}`).sort().join(',')
  if (a.Metrics?.length) {
    return a.Metrics.map((m) =>
      m.Expression
        ? `${m.Id}=${m.Expression}`
        : `${m.Id}=${m.MetricStat?.Metric?.Namespace}/${m.MetricStat?.Metric?.MetricName}{${dims(m.MetricStat?.Metric?.Dimensions)}}:${m.MetricStat?.Stat}/${m.MetricStat?.Period}`,
    ).sort().join(' ')
  }
  return `${a.Namespace}/${a.MetricName}{${dims(a.Dimensions)}}:${a.Statistic}/${a.Period}`
}

/** The period of an alarm, whether on the alarm (one metric) or on its metric math's queries. Pure. */
const periodOf = (a: Pick<MetricAlarm, 'Period' | 'Metrics'>): number | undefined => a.Period ?? a.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Period

/**
 * How an existing alarm differs from the wanted one, one phrase per field; empty when equal.
 * `compareMetric` false: the front door's dimensions are not known yet (a dry run), so the
 * metric is not compared. Pure.
 */
export function alarmDrift(have: MetricAlarm, want: PutMetricAlarmCommandInput, compareMetric = true): string[] {
  const drift: string[] = []
  const field = (label: string, a: unknown, b: unknown, unit = '') => {
    if (a !== b) drift.push(`${label} ${a ?? 'none'}${unit} → ${b ?? 'none'}${unit}`)
  }
  field('threshold', have.Threshold, want.Threshold)
  field('comparison', have.ComparisonOperator, want.ComparisonOperator)
  field('period', periodOf(have), periodOf(want), ' s')
  field('evaluation periods', have.EvaluationPeriods, want.EvaluationPeriods)
  field('datapoints to alarm', have.DatapointsToAlarm ?? have.EvaluationPeriods, want.DatapointsToAlarm)
  field('missing data', have.TreatMissingData ?? 'missing', want.TreatMissingData)
  if (have.ActionsEnabled === false) drift.push('actions disabled → enabled')
  // The period is compared above; the metric's text without it.
  const withoutPeriod = (text: string) => text.replace(/\/\d+(?=\s|$)/g, '')
  if (compareMetric && withoutPeriod(metricText(have)) !== withoutPeriod(metricText(want))) drift.push(`metric ${metricText(have)} → ${metricText(want)}`)
  return drift
}

/** "5xx above 5 % of requests, 2 of 3 periods of 60 s". Pure. */
export function describeAlarm(kind: AlarmKind, d: RollbackAlarmsDeclaration): string {
  const what = kind === '5xx' ? `targets' 5xx above ${d.target5xxPercent} % of requests` : kind === 'unhealthy-hosts' ? `${d.unhealthyHosts}+ unhealthy targets` : `${d.tasksBelowDesired}+ tasks below desired`
  return `${what}, ${d.datapointsToAlarm} of ${d.evaluationPeriods} periods of ${d.periodSeconds} s`
}

/** The alarms of these names that exist, by name (DescribeAlarms takes up to 100 names). */
export async function readAlarms(client: CloudWatchClient, names: readonly string[]): Promise<Map<string, MetricAlarm>> {
  const found = new Map<string, MetricAlarm>()
  for (let i = 0; i < names.length; i += 100) {
    const answer = await client.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ['MetricAlarm'], MaxRecords: 100 }))
    for (const alarm of answer.MetricAlarms ?? []) if (alarm.AlarmName) found.set(alarm.AlarmName, alarm)
  }
  return found
}

/** Whether Container Insights is on for the cluster; undefined when the cluster is not there. */
async function clusterInsights(ctx: Pick<RunContext, 'client'>, cluster: string): Promise<boolean | undefined> {
  const answer = await ctx.client(ECSClient, 'ECS').send(new DescribeClustersCommand({ clusters: [cluster], include: ['SETTINGS'] }))
  const found = answer.clusters?.find((c) => c.clusterName === cluster && c.status !== 'INACTIVE')
  return found ? containerInsightsOn(found.settings) : undefined
}

export const NO_CONTAINER_INSIGHTS =
  'Container Insights is off on the cluster: this alarm sees no data and stays OK (./scripts/provision turns it on, or "tasksBelowDesired": false in json/services.json drops this alarm)'

const steps = new Map<string, Step>()

/** The step that puts a service's rollback alarms (one object per service, so steps can refer to it). */
export function rollbackAlarmsStep(service: ServiceDeclaration): Step {
  const existingStep = steps.get(service.name)
  if (existingStep) return existingStep
  const { name } = service
  const step: Step = {
    id: `cloudwatch/put-rollback-alarms:${name}`,
    command: `cloudwatch/put-rollback-alarms ${name}`,
    title: `rollback alarms of ${name}`,
    // The front door's alarms name its load balancer and target group; the task count's needs
    // the cluster's Container Insights, which the cluster step turns on first.
    needs: [clusterStep, ...(service.frontDoor ? [loadBalancerStep, targetGroupStep(service)] : [])],
    async run(ctx) {
      const declaration = service.rollbackAlarms
      if (!declaration) return [{ resource: 'cloudwatch alarms', name, outcome: 'unchanged', detail: 'rollback alarms off ("rollbackAlarms": false in json/services.json)' }]
      const cluster = ctx.names.cluster
      let front: FrontDoorDimensions | undefined
      let planNote = ''
      if (service.frontDoor) {
        const found = await resolveFrontDoor(ctx)
        const tg = found.targetGroupArns?.[name]
        // A dry run's stand-ins (the load balancer or target group this run would create) are no ARNs yet.
        const real = (arn: string | undefined) => arn !== undefined && arn.startsWith('arn:')
        if (real(found.loadBalancerArn) && real(tg)) front = { loadBalancer: loadBalancerDimension(found.loadBalancerArn as string), targetGroup: targetGroupDimension(tg as string) }
        else if (!ctx.dryRun) throw new KitError(`the front door of ${name} (load balancer ${ctx.names.loadBalancer}, target group ${targetGroupName(name)}) is not there: ${runFirst(targetGroupStep(service))}`)
        else planNote = ` (after ${targetGroupStep(service).command ?? targetGroupStep(service).id} creates ${targetGroupName(name)})`
      }
      const client = cloudWatch(ctx)
      const kinds = alarmKinds(service)
      const existing = await readAlarms(client, kinds.map((k) => rollbackAlarmName(name, k)))
      const insights = kinds.includes('tasks-below-desired') ? await clusterInsights(ctx, cluster) : undefined
      const changes: Change[] = []
      for (const kind of kinds) {
        const want = wantedAlarm(kind, name, cluster, declaration, front)
        const alarmName = want.AlarmName as string
        const have = existing.get(alarmName)
        const drift = have ? alarmDrift(have, want, front !== undefined || !service.frontDoor) : []
        const outcome: Change['outcome'] = !have ? 'created' : drift.length ? 'updated' : 'unchanged'
        if (outcome !== 'unchanged' && !ctx.dryRun) await client.send(new PutMetricAlarmCommand(want))
        const change: Change = { resource: 'cloudwatch alarm', name: alarmName, outcome, detail: outcome === 'updated' ? drift.join(', ') : `${describeAlarm(kind, declaration)}${kind === 'tasks-below-desired' ? '' : planNote}` }
        if (kind === 'tasks-below-desired' && insights === false) change.warning = NO_CONTAINER_INSIGHTS
        changes.push(change)
      }
      return changes
    },
  }
  steps.set(name, step)
  return step
}
