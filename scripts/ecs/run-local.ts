// Run a service's task definition on the local docker as Fargate would, before any money is
// spent, ending in a verdict (healthy or unhealthy, with the last output): lib/images/run-local-service.ts.
import { runScript, withAwsEnv } from '../../lib/core/boundary.js'
import { envHelp } from '../../lib/config/variables.js'
import { DOCKER_TIMEOUT_HELP } from '../../lib/images/docker.js'
import { scriptKit, scriptOutput } from '../../lib/kit/script.js'
import { runLocal } from '../../lib/kit/run-local.js'

const started = performance.now()
await runScript(withAwsEnv(
  {
    name: 'ecs/run-local',
    summary:
      "Run a service's rendered task definition on the local docker as Fargate would (image, environment, entry point, " +
      'command, host networking, secrets from SSM, the health check), and say whether it becomes healthy.',
    positionals: [{ name: 'SERVICE', description: 'a service declared in json/services.json, e.g. backend-flask' }],
    options: {
      detach: { type: 'boolean', description: 'leave the container running; exit 0 when healthy, 1 when unhealthy or exited' },
      'task-definition': { type: 'string', placeholder: 'FILE', description: 'task-definition template to run (default task-definitions/SERVICE.json)' },
      json: { type: 'boolean', description: 'with --detach: print one JSON document as the last line' },
    },
    env: [
      ...envHelp('ECR_REGISTRY', 'IMAGE_TAG', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'SSM_PREFIX', 'AWS_COGNITO_USER_POOL_ID', 'AWS_COGNITO_USER_POOL_CLIENT_ID'),
      { name: 'DOCKER_HOST', description: "docker's daemon" },
      DOCKER_TIMEOUT_HELP,
    ],
    notes: [
      'The container is SERVICE-local, on the host network (one port each, as awsvpc gives a task its own).',
      'Secrets are read from SSM (decrypted) and handed to docker in its environment (`--env NAME`): never in a',
      'process argument, the output, or a file. The health check keeps ECS meaning: CMD-SHELL, interval, timeout,',
      'retries and startPeriod become docker --health-* flags (the first check runs one interval after start).',
      'Without --detach it follows the logs until Ctrl-C (or SIGTERM, or the terminal closing), then stops and removes the',
      'container; a signal before the verdict removes it with --detach too. A port already taken is refused before',
      'anything starts, naming the process that holds it when this user can see it.',
    ],
  }),
  async ({ values, positionals }) => {
    const kit = await scriptKit(scriptOutput(false))
    const options = { detach: values.detach === true, json: values.json === true, taskDefinition: values['task-definition'] }
    return (await runLocal(kit, positionals[0], options, started)).exitCode
  },
)
