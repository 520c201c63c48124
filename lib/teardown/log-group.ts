// Teardown of lib/steps/log-group.ts: the one log group, with the containers' logs in it.
import { CloudWatchLogsClient, DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { awsErrorIs } from '../aws/clients.js'
import { alreadyGone, deleted, TEARDOWN_IDS, type TeardownStep } from './options.js'

/** "12.3 MB" for a byte count. Pure. */
export function bytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let value = n
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit += 1
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(1)} ${units[unit]}`
}

export function deleteLogGroupStep(): TeardownStep {
  return {
    id: TEARDOWN_IDS.logGroup,
    title: 'delete the CloudWatch log group',
    needs: [],
    // Every service uses it: kept while another declared service exists (lib/teardown/shared.ts).
    shared: true,
    async run(ctx) {
      const logs = ctx.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
      const name = ctx.names.logGroup
      const found = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))
      const group = found.logGroups?.find((g) => g.logGroupName === name)
      if (!group) return [alreadyGone('log group', name)]
      const detail = `with its logs (${bytes(group.storedBytes ?? 0)} stored)`
      if (ctx.dryRun) return [deleted('log group', name, detail)]
      try {
        await logs.send(new DeleteLogGroupCommand({ logGroupName: name }))
      } catch (error) {
        if (!awsErrorIs(error, 'ResourceNotFoundException')) throw error
      }
      return [deleted('log group', name, detail)]
    },
  }
}
