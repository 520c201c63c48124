// The front door for teardown's tests: as provision makes it (provisionFrontDoor), or built by
// hand with SDK calls as the kit names things (buildFrontDoor, for a teardown step's own test):
// cruddur-alb in its group cruddur-alb-sg (80/443), the two target groups, the listeners and
// rules, the services' group admitting the container ports from the load balancer's group; with a
// domain, its hosted zone, a DNS-validated certificate for the domain and api.<domain>, HTTPS:443,
// 80 redirected, alias A records; and the Service Connect namespace in Cloud Map with a service
// and an instance in it (moto's ECS makes none).
import { ACMClient, DescribeCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm'
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client, type Change } from '@aws-sdk/client-route-53'
import { CreateHttpNamespaceCommand, CreateServiceCommand, GetOperationCommand, RegisterInstanceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery'
import type { RunContext } from '../../lib/aws/context.js'
import { provisionStack } from './stack.js'

export interface FrontDoorFixture {
  vpcId: string
  loadBalancerArn: string
  loadBalancerDnsName: string
  loadBalancerGroupId: string
  servicesGroupId: string
  targetGroupArns: { 'backend-flask': string; 'frontend-react-js': string }
  listenerArns: string[]
  hostedZoneId?: string
  certificateArn?: string
  /** The validation CNAMEs written for the certificate. */
  validationRecords?: Array<{ Name: string; Value: string }>
  namespaceId: string
}

/** A record in the hosted zone that is not the kit's (teardown must leave it). */
export const foreignRecord = (domain: string) => ({ Name: `mail.${domain}.`, Type: 'A' as const, TTL: 300, ResourceRecords: [{ Value: '192.0.2.25' }] })

async function operationTarget(sd: ServiceDiscoveryClient, operationId: string | undefined, key: 'NAMESPACE' | 'INSTANCE'): Promise<string> {
  for (let i = 0; i < 50; i += 1) {
    const op = (await sd.send(new GetOperationCommand({ OperationId: operationId }))).Operation
    if (op?.Status === 'SUCCESS') return op.Targets?.[key] ?? ''
    if (op?.Status === 'FAIL') throw new Error(`Cloud Map operation failed: ${op.ErrorMessage}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('Cloud Map operation did not finish')
}

/**
 * The front door as `provision` makes it (run with `provisionEnv`; with `domain`, its hosted zone and a record that is not
 * the kit's are made first), plus what ECS would make in Cloud Map for Service Connect (moto's ECS makes none).
 */
export async function provisionFrontDoor(run: Pick<RunContext, 'client'>, endpoint: string, provisionEnv: Record<string, string | undefined>, { domain }: { domain?: string } = {}): Promise<FrontDoorFixture> {
  const ec2 = run.client(EC2Client, 'EC2')
  const elb = run.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
  const acm = run.client(ACMClient, 'ACM')
  let hostedZoneId: string | undefined
  if (domain) {
    const route53 = run.client(Route53Client, 'ROUTE_53')
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: domain, CallerReference: `front-door-fixture-${Date.now()}-${Math.random()}` }))
    hostedZoneId = (zone.HostedZone?.Id as string).replace('/hostedzone/', '')
    await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: foreignRecord(domain) }] } }))
  }
  await provisionStack(endpoint, { ...provisionEnv, ...(domain ? { DOMAIN_NAME: domain } : {}) })
  const vpcId = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string
  const group = async (name: string) =>
    (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }, { Name: 'vpc-id', Values: [vpcId] }] }))).SecurityGroups?.[0]?.GroupId as string
  const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cruddur-alb'] }))).LoadBalancers?.[0]
  const groups = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []
  const arnOf = (name: string) => groups.find((g) => g.TargetGroupName === name)?.TargetGroupArn as string
  const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }))).Listeners ?? []
  const certificateArn = listeners.find((l) => l.Port === 443)?.Certificates?.[0]?.CertificateArn
  const options = certificateArn ? ((await acm.send(new DescribeCertificateCommand({ CertificateArn: certificateArn }))).Certificate?.DomainValidationOptions ?? []) : []
  const validationRecords = [...new Map(options.flatMap((o) => (o.ResourceRecord ? [[o.ResourceRecord.Name as string, o.ResourceRecord.Value as string]] : []))).entries()].map(([Name, Value]) => ({ Name, Value }))
  const fixture: FrontDoorFixture = {
    vpcId,
    loadBalancerArn: lb?.LoadBalancerArn as string,
    loadBalancerDnsName: lb?.DNSName as string,
    loadBalancerGroupId: await group('cruddur-alb-sg'),
    servicesGroupId: await group('crud-srv-sg'),
    targetGroupArns: { 'backend-flask': arnOf('cruddur-backend-flask-tg'), 'frontend-react-js': arnOf('cruddur-frontend-react-js-tg') },
    listenerArns: listeners.map((l) => l.ListenerArn as string),
    ...(domain ? { hostedZoneId, certificateArn, validationRecords } : {}),
    namespaceId: await serviceConnectNamespace(run.client(ServiceDiscoveryClient, 'SERVICEDISCOVERY')),
  }
  return fixture
}

/** What ECS makes for Service Connect: the HTTP namespace, a Cloud Map service per port, an instance per task. */
async function serviceConnectNamespace(sd: ServiceDiscoveryClient): Promise<string> {
  const created = await sd.send(new CreateHttpNamespaceCommand({ Name: 'cruddur', CreatorRequestId: `fixture-${Date.now()}` }))
  const namespaceId = await operationTarget(sd, created.OperationId, 'NAMESPACE')
  const service = await sd.send(new CreateServiceCommand({ Name: 'backend-flask', NamespaceId: namespaceId }))
  await sd.send(new RegisterInstanceCommand({ ServiceId: service.Service?.Id, InstanceId: 'task-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.5', AWS_INSTANCE_PORT: '4567' } }))
  return namespaceId
}

/**
 * The front door built by hand in moto, as the kit names things, on an account provision has not touched (for a step's
 * test of its own); `domain`: with its hosted zone, certificate, HTTPS and alias records.
 */
export async function buildFrontDoor(run: Pick<RunContext, 'client'>, { domain }: { domain?: string } = {}): Promise<FrontDoorFixture> {
  const ec2 = run.client(EC2Client, 'EC2')
  const elb = run.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
  const sd = run.client(ServiceDiscoveryClient, 'SERVICEDISCOVERY')
  const vpcId = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? []).map((s) => s.SubnetId as string)

  const albGroup = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'cruddur-alb-sg', Description: 'cruddur-alb: 80 and 443', VpcId: vpcId }))
  const loadBalancerGroupId = albGroup.GroupId as string
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: loadBalancerGroupId,
      IpPermissions: [80, 443].map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })),
    }),
  )
  // The services' group: provision's, or made here.
  const existing = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['crud-srv-sg'] }, { Name: 'vpc-id', Values: [vpcId] }] }))).SecurityGroups?.[0]
  const servicesGroupId = existing?.GroupId ?? ((await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'crud-srv-sg', Description: 'the services', VpcId: vpcId }))).GroupId as string)
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: servicesGroupId,
      IpPermissions: [4567, 3000].map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: loadBalancerGroupId }] })),
    }),
  )

  const lb = (
    await elb.send(new CreateLoadBalancerCommand({ Name: 'cruddur-alb', Scheme: 'internet-facing', Type: 'application', Subnets: subnets.slice(0, 2), SecurityGroups: [loadBalancerGroupId] }))
  ).LoadBalancers?.[0]
  const loadBalancerArn = lb?.LoadBalancerArn as string
  const targetGroup = async (name: string, port: number, path: string) =>
    (
      await elb.send(
        new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: port, VpcId: vpcId, TargetType: 'ip', HealthCheckPath: path, HealthCheckProtocol: 'HTTP' }),
      )
    ).TargetGroups?.[0]?.TargetGroupArn as string
  const backend = await targetGroup('cruddur-backend-flask-tg', 4567, '/api/health-check')
  const frontend = await targetGroup('cruddur-frontend-react-js-tg', 3000, '/')
  const forward = (arn: string) => [{ Type: 'forward' as const, TargetGroupArn: arn }]
  const listenerArns: string[] = []
  const fixture: FrontDoorFixture = {
    vpcId,
    loadBalancerArn,
    loadBalancerDnsName: lb?.DNSName as string,
    loadBalancerGroupId,
    servicesGroupId,
    targetGroupArns: { 'backend-flask': backend, 'frontend-react-js': frontend },
    listenerArns,
    namespaceId: '',
  }

  if (!domain) {
    const http = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: loadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: forward(frontend) }))).Listeners?.[0]
    listenerArns.push(http?.ListenerArn as string)
    await elb.send(new CreateRuleCommand({ ListenerArn: http?.ListenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: forward(backend) }))
  } else {
    const route53 = run.client(Route53Client, 'ROUTE_53')
    const acm = run.client(ACMClient, 'ACM')
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: domain, CallerReference: `front-door-fixture-${Date.now()}-${Math.random()}` }))
    const hostedZoneId = (zone.HostedZone?.Id as string).replace('/hostedzone/', '')
    const certificateArn = (await acm.send(new RequestCertificateCommand({ DomainName: domain, SubjectAlternativeNames: [domain, `api.${domain}`], ValidationMethod: 'DNS' }))).CertificateArn as string
    const options = (await acm.send(new DescribeCertificateCommand({ CertificateArn: certificateArn }))).Certificate?.DomainValidationOptions ?? []
    const validationRecords = [...new Map(options.flatMap((o) => (o.ResourceRecord ? [[o.ResourceRecord.Name as string, o.ResourceRecord.Value as string]] : []))).entries()].map(([Name, Value]) => ({ Name, Value }))
    const https = (
      await elb.send(
        new CreateListenerCommand({ LoadBalancerArn: loadBalancerArn, Protocol: 'HTTPS', Port: 443, Certificates: [{ CertificateArn: certificateArn }], SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', DefaultActions: forward(frontend) }),
      )
    ).Listeners?.[0]
    const http = (
      await elb.send(
        new CreateListenerCommand({ LoadBalancerArn: loadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] }),
      )
    ).Listeners?.[0]
    listenerArns.push(https?.ListenerArn as string, http?.ListenerArn as string)
    await elb.send(new CreateRuleCommand({ ListenerArn: https?.ListenerArn, Priority: 10, Conditions: [{ Field: 'host-header', Values: [`api.${domain}`] }], Actions: forward(backend) }))
    const alias = (name: string): Change => ({
      Action: 'CREATE',
      ResourceRecordSet: { Name: name, Type: 'A', AliasTarget: { DNSName: lb?.DNSName, HostedZoneId: lb?.CanonicalHostedZoneId, EvaluateTargetHealth: false } },
    })
    const changes: Change[] = [
      alias(domain),
      alias(`api.${domain}`),
      ...validationRecords.map((r): Change => ({ Action: 'CREATE', ResourceRecordSet: { Name: r.Name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: r.Value }] } })),
      { Action: 'CREATE', ResourceRecordSet: foreignRecord(domain) },
    ]
    await route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Changes: changes } }))
    Object.assign(fixture, { hostedZoneId, certificateArn, validationRecords })
  }

  fixture.namespaceId = await serviceConnectNamespace(sd)
  return fixture
}
