// What a deploy needs in moto, as provision would have made it: the cluster, the ECR
// repository with an image, the kit's security group in the default VPC, the front door (the
// load balancer and the service's target group, by the kit's names), and (optionally) the
// service running revision 1 of its family behind it. Shared by the deploy tests and bench/deploy.ts.
import { createHash } from 'node:crypto'
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr'
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import type { RunContext } from '../../lib/aws/context.js'
import { targetGroupName } from '../../lib/config/names.js'
import { serviceNamed } from '../../lib/config/services.js'

export interface FrontDoorFixture {
  loadBalancerArn: string
  dnsName: string
  targetGroupArns: Record<string, string>
}

/**
 * The load balancer (LOAD_BALANCER_NAME, across the default VPC's subnets) with an HTTP:80
 * listener, and each named service's target group (type ip, its port and health path), made
 * with ELBv2 calls as the front-door steps would make them.
 */
export async function createFrontDoor(run: RunContext, services: readonly string[] = ['backend-flask']): Promise<FrontDoorFixture> {
  const ec2 = run.client(EC2Client, 'EC2')
  const elb = run.client(ElasticLoadBalancingV2Client, 'ELASTIC_LOAD_BALANCING_V2')
  const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }))).Subnets ?? []).map((s) => s.SubnetId as string)
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: run.names.loadBalancer, Subnets: subnets, Scheme: 'internet-facing', Type: 'application' }))).LoadBalancers?.[0]
  const targetGroupArns: Record<string, string> = {}
  for (const name of services) {
    const declared = serviceNamed(name)
    const group = await elb.send(
      new CreateTargetGroupCommand({
        Name: targetGroupName(name),
        Protocol: 'HTTP',
        Port: declared.containerPort,
        VpcId: vpc,
        TargetType: 'ip',
        HealthCheckPath: declared.frontDoor?.healthCheckPath ?? '/',
      }),
    )
    targetGroupArns[name] = group.TargetGroups?.[0]?.TargetGroupArn as string
  }
  const first = Object.values(targetGroupArns)[0]
  if (first) {
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb?.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: first }] }))
  }
  return { loadBalancerArn: lb?.LoadBalancerArn as string, dnsName: lb?.DNSName as string, targetGroupArns }
}

export const FIXTURE_ENV = {
  AWS_COGNITO_USER_POOL_ID: 'eu-west-2_Test',
  AWS_COGNITO_USER_POOL_CLIENT_ID: 'test-client',
}

/** Push an image under a tag (moto digests it from its layers); returns its digest. */
export async function pushImage(run: RunContext, content: string, tag = 'latest', repository = 'backend-flask'): Promise<string> {
  const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: sha(`config ${content}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: sha(content) }],
  })
  const put = await run.client(ECRClient, 'ECR').send(new PutImageCommand({ repositoryName: repository, imageTag: tag, imageManifest: manifest }))
  return put.image?.imageId?.imageDigest as string
}

/**
 * Cluster, repository with image v1, security group, the front door (unless `frontDoor` is
 * false); and the service on revision 1 unless `service` is false, behind its target group.
 */
export async function deployFixture(run: RunContext, { service = true, desired = 1, name = 'backend-flask', frontDoor = true } = {}): Promise<FrontDoorFixture | undefined> {
  const ecs = run.client(ECSClient, 'ECS')
  const ec2 = run.client(EC2Client, 'EC2')
  const account = await run.account()
  await ecs.send(new CreateClusterCommand({ clusterName: run.names.cluster }))
  await run.client(ECRClient, 'ECR').send(new CreateRepositoryCommand({ repositoryName: name }))
  const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string
  const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: run.names.securityGroup, Description: 'the services', VpcId: vpc }))
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }))).Subnets ?? []).map((s) => s.SubnetId as string)
  await pushImage(run, 'v1', 'latest', name)
  const door = frontDoor && serviceNamed(name).frontDoor ? await createFrontDoor(run, [name]) : undefined
  if (!service) return door
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: name,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name, image: `${account}.dkr.ecr.${run.region}.amazonaws.com/${name}:v0`, essential: true }],
    }),
  )
  await ecs.send(
    new CreateServiceCommand({
      cluster: run.names.cluster,
      serviceName: name,
      taskDefinition: `${name}:1`,
      desiredCount: desired,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [group.GroupId as string], assignPublicIp: 'ENABLED' } },
      ...(door
        ? {
            loadBalancers: [{ targetGroupArn: door.targetGroupArns[name], containerName: name, containerPort: serviceNamed(name).containerPort }],
            healthCheckGracePeriodSeconds: serviceNamed(name).frontDoor?.healthCheckGracePeriodSeconds,
          }
        : {}),
    }),
  )
  return door
}
