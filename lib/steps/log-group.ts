// The CloudWatch log group the tasks log to, with its retention. The task definition's
// awslogs-group is ${LOG_GROUP}: the same name, defined once in lib/config/names.ts.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs'
import type { Change, Step } from './step.js'

export const logGroupStep: Step = {
  id: 'logs/create-log-group',
  title: 'CloudWatch log group',
  needs: [],
  async run(ctx) {
    const logs = ctx.client(CloudWatchLogsClient, 'CLOUDWATCH_LOGS')
    const { logGroup, logRetentionDays } = ctx.names
    const found = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroup }))
    const existing = found.logGroups?.find((g) => g.logGroupName === logGroup)
    const retention = `retention ${logRetentionDays} day${logRetentionDays === 1 ? '' : 's'}`
    const changes: Change[] = []
    if (!existing) {
      if (!ctx.dryRun) {
        try {
          await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }))
        } catch (error) {
          // Created by a concurrent run between our read and our write: that is the state we want.
          if (!(error instanceof ResourceAlreadyExistsException)) throw error
        }
        await logs.send(new PutRetentionPolicyCommand({ logGroupName: logGroup, retentionInDays: logRetentionDays }))
      }
      changes.push({ resource: 'log group', name: logGroup, outcome: 'created', detail: retention })
    } else if (existing.retentionInDays !== logRetentionDays) {
      if (!ctx.dryRun) {
        await logs.send(new PutRetentionPolicyCommand({ logGroupName: logGroup, retentionInDays: logRetentionDays }))
      }
      const was = existing.retentionInDays === undefined ? 'never expire' : `${existing.retentionInDays} day${existing.retentionInDays === 1 ? '' : 's'}`
      changes.push({ resource: 'log group', name: logGroup, outcome: 'updated', detail: `${retention} (was ${was})` })
    } else {
      changes.push({ resource: 'log group', name: logGroup, outcome: 'unchanged', detail: retention })
    }
    return changes
  },
}
