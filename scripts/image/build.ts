// The guide's `docker build` of a service: its source folder, tagged with the git commit,
// built for the platform its task definition runs on, the architecture checked.
import { runScript } from '../../lib/core/boundary.js'
import { ok, say } from '../../lib/core/output.js'
import { formatSize } from '../../lib/images/naming.js'
import { scriptOutput } from '../../lib/kit/script.js'
import { build } from '../../lib/kit/build.js'
import { DOCKER_TIMEOUT_HELP } from '../../lib/images/docker.js'
import { envHelp } from '../../lib/config/variables.js'

await runScript(
  {
    name: 'image/build',
    summary:
      "Build a service's image from its source folder, tagged with the folder's git commit (-dirty when it has " +
      'uncommitted changes), for the platform its task definition runs on; refuses an image of the wrong architecture.',
    positionals: [{ name: 'SERVICE', description: 'a service declared in json/services.json, e.g. backend-flask' }],
    options: {
      context: { type: 'string', placeholder: 'DIR', description: "the build context (default: the service's folder at the top of this git repository)" },
      tag: { type: 'string', placeholder: 'TAG', description: 'tag instead of the git commit' },
      'task-definition': { type: 'string', placeholder: 'FILE', description: 'task-definition template to read the platform from (default task-definitions/SERVICE.json)' },
      json: { type: 'boolean', description: 'print one JSON document as the last line' },
    },
    env: [
      { name: 'DOCKER_HOST', description: "docker's daemon (docker's own default otherwise)" },
      DOCKER_TIMEOUT_HELP,
      // For a service with build arguments only (their URLs).
      ...envHelp('DOMAIN_NAME', 'LOAD_BALANCER_NAME', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL'),
    ],
    notes: [
      'Platform: linux/amd64, or linux/arm64 when runtimePlatform.cpuArchitecture is ARM64. An image of another',
      'architecture fails on Fargate with "exec format error", so the build is refused (and untagged).',
      'Build arguments: those json/services.json declares for the service (buildArgs), rendered like templates and',
      'passed as --build-arg NAME=VALUE; e.g. the frontend\'s REACT_APP_BACKEND_URL is the backend\'s public URL:',
      'https://api.<DOMAIN_NAME>, else http://<the load balancer\'s DNS name> (read from AWS). No AWS call otherwise.',
      'Example: ./scripts/image/build backend-flask && ./scripts/image/push backend-flask',
    ],
  },
  async ({ values, positionals }) => {
    // No AWS run context unless the service has build arguments (lib/kit/build.ts opens one then).
    const kit = { env: process.env, cwd: process.cwd(), out: scriptOutput(false) }
    const built = (await build(kit, positionals[0], { tag: values.tag, context: values.context, taskDefinition: values['task-definition'] })).document
    ok(`Built ${built.image} (${built.platform}) ${built.digest}, ${formatSize(built.size)}, in ${built.seconds.toFixed(1)} s`)
    if (values.json) say(JSON.stringify(built))
  },
)
