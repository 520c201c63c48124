// Teardown of lib/steps/rollback-alarms.ts: a service's rollback alarms (cruddur-<service>-5xx,
// -unhealthy-hosts, -tasks-below-desired), whichever of them exist: every kind is looked for,
// whatever the declaration says now, so an alarm left from before a service opted out goes too.
// It needs nothing and nothing needs it: an alarm a service being deleted still names acts on
// no deployment, so it runs beside the service's deletion.
import { DeleteAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import { cloudWatch, readAlarms, rollbackAlarmName, type AlarmKind } from '../steps/rollback-alarms.js'
import { alreadyGone, deleted, type TeardownStep } from './options.js'

const KINDS: readonly AlarmKind[] = ['5xx', 'unhealthy-hosts', 'tasks-below-desired']

export const deleteRollbackAlarmsId = (name: string): string => `cloudwatch/delete-rollback-alarms:${name}`

export function deleteRollbackAlarmsStep(name: string): TeardownStep {
  return {
    id: deleteRollbackAlarmsId(name),
    title: `delete the rollback alarms of ${name}`,
    needs: [],
    async run(ctx) {
      const client = cloudWatch(ctx)
      const names = KINDS.map((kind) => rollbackAlarmName(name, kind))
      const found = [...(await readAlarms(client, names)).keys()]
      if (found.length === 0) return [alreadyGone('cloudwatch alarms', name, `${names.join(', ')}: none`)]
      // DeleteAlarms deletes none when one name is wrong: only names just found are given.
      if (!ctx.dryRun) await client.send(new DeleteAlarmsCommand({ AlarmNames: found }))
      return found.map((alarm) => deleted('cloudwatch alarm', alarm, `rollback alarm of ${name}`))
    },
  }
}
