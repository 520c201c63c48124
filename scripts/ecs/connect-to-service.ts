// Open a shell in a running ECS task's container (ECS Exec), checking first everything that
// would make it fail: the guide's connect-to-service, without the aws CLI.
import { ECSClient } from '@aws-sdk/client-ecs'
import { NAME_VARIABLES } from '../../lib/config/names.js'
import { declaredServices } from '../../lib/config/services.js'
import { UsageError, type ExitCode } from '../../lib/core/errors.js'
import { DEFAULT_COMMAND, connectToService, defaultPluginRunner } from '../../lib/ops/ecs-exec.js'
import { runAwsScript } from '../../lib/core/boundary.js'
import { say } from '../../lib/core/output.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ecs/connect-to-service',
    summary: "Open an interactive shell in a service's running task with ECS Exec.",
    positionals: [
      { name: 'TASK_ID', description: 'task id or ARN (default: a running task of --service); or a service declared in json/services.json' },
      { name: 'CONTAINER', description: "container name (default: the task's only container, or the one named like --service)" },
    ],
    options: {
      cluster: { type: 'string', placeholder: 'NAME', description: `cluster (default ECS_CLUSTER, else ${NAME_VARIABLES.ECS_CLUSTER})` },
      service: { type: 'string', placeholder: 'NAME', description: 'service whose task to pick (default: the first in ECS_SERVICES)' },
      command: { type: 'string', placeholder: 'CMD', description: "command to run (default: the service's shell in json/services.json, e.g. /bin/sh for the alpine frontend)" },
    },
    env: envHelp('AWS_DEFAULT_REGION', 'ECS_CLUSTER'),
    notes: [
      'Needs session-manager-plugin on PATH, a task started with ECS Exec enabled, and its ExecuteCommandAgent RUNNING;',
      'each is checked first, with the fix. Ctrl-C goes to the remote shell; exit the shell to end the session.',
      'Examples:  ./scripts/ecs/connect-to-service',
      '           ./scripts/ecs/connect-to-service frontend-react-js      (its shell, /bin/sh)',
    ],
  },
  'read-only',
  async ({ values, positionals }, run) => {
    // The first argument is a service when json/services.json declares one by that name.
    const byName = positionals[0] !== undefined && declaredServices().some((s) => s.name === positionals[0])
    const [taskId, container] = byName ? [undefined, positionals[1]] : positionals
    if (byName && values.service !== undefined && values.service !== positionals[0]) {
      throw new UsageError(`name the service once: ${positionals[0]} or --service ${values.service}`)
    }
    const serviceName = byName ? positionals[0] : (values.service ?? run.services[0].name)
    const declared = declaredServices().find((s) => s.name === serviceName)
    for (const [flag, value] of Object.entries({ cluster: values.cluster, service: values.service, command: values.command, TASK_ID: taskId, CONTAINER: container })) {
      if (value !== undefined && value.trim() === '') throw new UsageError(`${flag === flag.toUpperCase() ? flag : `--${flag}`} must not be empty`)
    }
    const code = await connectToService(
      {
        cluster: values.cluster ?? run.names.cluster,
        service: serviceName,
        command: values.command ?? declared?.shell ?? DEFAULT_COMMAND,
        ...(taskId !== undefined ? { taskId } : {}),
        ...(container !== undefined ? { container } : {}),
      },
      { ecs: run.client(ECSClient, 'ECS'), region: run.region, plugin: defaultPluginRunner, env: process.env, log: say },
    )
    // The session's own exit code (the remote shell's), passed through as the AWS CLI does.
    return code as ExitCode
  },
)
