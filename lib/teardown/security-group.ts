// Teardown of lib/steps/security-group.ts: the kit's security group in the default VPC. A
// Fargate task's network interface can outlive its task by a few minutes, and the group
// cannot be deleted while one uses it (DependencyViolation): that is waited out.
import { DeleteSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2'
import { awsErrorIs } from '../aws/clients.js'
import { findDefaultVpc, findSecurityGroup } from '../aws/network.js'
import { KitError } from '../core/errors.js'
import { alreadyGone, deleted, pollUntil, TEARDOWN_IDS, type TeardownOptions, type TeardownStep } from './options.js'

export function deleteSecurityGroupStep(options: TeardownOptions): TeardownStep {
  return {
    id: TEARDOWN_IDS.securityGroup,
    title: 'delete the services’ security group',
    needs: [],
    // Every service uses it: kept while another declared service exists (lib/teardown/shared.ts).
    shared: true,
    async run(ctx) {
      const ec2 = ctx.client(EC2Client, 'EC2')
      const name = ctx.names.securityGroup
      let vpcId: string
      try {
        vpcId = await findDefaultVpc(ec2, ctx.region)
      } catch (error) {
        if (error instanceof KitError) return [alreadyGone('security group', name, 'no default VPC')]
        throw error
      }
      const group = await findSecurityGroup(ec2, name, vpcId)
      if (!group?.GroupId) return [alreadyGone('security group', name)]
      const groupId = group.GroupId
      const detail = `${groupId} in the default VPC ${vpcId}`
      if (ctx.dryRun) return [deleted('security group', name, detail)]
      let inUse = ''
      try {
        await pollUntil(
          `security group ${name} to be free of network interfaces`,
          async () => {
            try {
              await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }))
            } catch (error) {
              if (awsErrorIs(error, 'DependencyViolation')) {
                inUse = String((error as Error).message ?? '')
                return undefined
              }
              if (!awsErrorIs(error, 'InvalidGroup.NotFound')) throw error
            }
            return true
          },
          options,
        )
      } catch (error) {
        // Not only a task's interface: another group's rule or a load balancer can refer to it.
        if (error instanceof KitError && inUse) throw new KitError(`${error.message} (AWS: ${inUse}; a load balancer or another group's rule may refer to ${groupId})`)
        throw error
      }
      return [deleted('security group', name, detail)]
    },
  }
}
