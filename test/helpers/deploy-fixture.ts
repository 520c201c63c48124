// What a deploy needs in moto, as provision would have made it: the cluster, the ECR
// repository with an image, the kit's security group in the default VPC, and (optionally)
// the service running revision 1 of its family. Shared by the deploy tests and bench/deploy.ts.
import { createHash } from 'node:crypto'
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr'
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import type { RunContext } from '../../lib/aws/context.js'

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

/** Cluster, repository with image v1, security group; and the service on revision 1 unless `service` is false. */
export async function deployFixture(run: RunContext, { service = true, desired = 1, name = 'backend-flask' } = {}): Promise<void> {
  const ecs = run.client(ECSClient, 'ECS')
  const ec2 = run.client(EC2Client, 'EC2')
  const account = await run.account()
  await ecs.send(new CreateClusterCommand({ clusterName: run.names.cluster }))
  await run.client(ECRClient, 'ECR').send(new CreateRepositoryCommand({ repositoryName: name }))
  const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string
  const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: run.names.securityGroup, Description: 'the services', VpcId: vpc }))
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }))).Subnets ?? []).map((s) => s.SubnetId as string)
  await pushImage(run, 'v1', 'latest', name)
  if (!service) return
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
    }),
  )
}
