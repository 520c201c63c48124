// An application load balancer made in moto with the ELBv2 SDK, as the kit's load-balancer step
// would leave it: for tests of what derives from it (the services' URLs) without running that step.
import { EC2Client } from '@aws-sdk/client-ec2'
import { CreateLoadBalancerCommand } from '@aws-sdk/client-elastic-load-balancing-v2'
import { openContext } from '../../lib/aws/context.js'
import { findDefaultVpc, listSubnets } from '../../lib/aws/network.js'
import { elbv2 } from '../../lib/front-door/lookup.js'

/** Create an internet-facing ALB across two default-VPC subnets; resolves its DNS name. */
export async function createLoadBalancer(name = 'cruddur-alb'): Promise<string> {
  const run = await openContext(process.env, { mode: 'read-only' })
  const ec2 = run.client(EC2Client, 'EC2')
  const subnets = await listSubnets(ec2, await findDefaultVpc(ec2, run.region))
  const made = await elbv2(run).send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets.slice(0, 2), Scheme: 'internet-facing', Type: 'application' }))
  const dnsName = made.LoadBalancers?.[0]?.DNSName
  if (!dnsName) throw new Error(`moto made load balancer ${name} without a DNS name`)
  return dnsName
}
