// Names AWS derives from the account and region: ARNs, the ECR registry host. Pure.
import { WHERE_TO_SET } from '../config/env.js'
import { ConfigError } from '../core/errors.js'

/** An account id as given by the user: 12 digits, or a ConfigError saying so. */
export function checkAccountId(account: string): string {
  if (!/^\d{12}$/.test(account)) throw new ConfigError(`AWS_ACCOUNT_ID must be 12 digits, got "${account}": ${WHERE_TO_SET}`)
  return account
}

/** The AWS partition a region belongs to (arn:aws, arn:aws-cn, arn:aws-us-gov). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

export const ecrRegistry = (account: string, region: string): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`

export const ecrRepositoryUrl = (account: string, region: string, repository: string): string =>
  `${ecrRegistry(account, region)}/${repository}`

export const roleArn = (account: string, region: string, role: string): string =>
  `arn:${partitionOf(region)}:iam::${account}:role/${role}`

/** ARN of an SSM parameter; `name` is the parameter's full path, starting with '/'. */
export const ssmParameterArn = (account: string, region: string, name: string): string =>
  `arn:${partitionOf(region)}:ssm:${region}:${account}:parameter${name.startsWith('/') ? name : `/${name}`}`

/**
 * An application load balancer ARN's suffix, app/<name>/<id>: CloudWatch's LoadBalancer
 * dimension and the first half of ALBRequestCountPerTarget's resource label. Undefined for
 * any other ARN (a network load balancer's is net/...). Pure.
 */
export const loadBalancerArnSuffix = (arn: string): string | undefined => /:loadbalancer\/(app\/[^/]+\/[^/]+)$/.exec(arn)?.[1]

/** A target group ARN's suffix, targetgroup/<name>/<id>: CloudWatch's TargetGroup dimension. Undefined for any other ARN. Pure. */
export const targetGroupArnSuffix = (arn: string): string | undefined => /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn)?.[1]
