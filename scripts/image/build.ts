// The guide's `docker build` of a service: its source folder, tagged with the git commit,
// built for the platform its task definition runs on, the architecture checked.
import { runScript } from '../../lib/core/boundary.js'
import { UsageError } from '../../lib/core/errors.js'
import { ok, say } from '../../lib/core/output.js'
import { serviceNamed } from '../../lib/config/services.js'
import { buildImage, taskTemplate } from '../../lib/images/images.js'
import { checkTag, formatSize } from '../../lib/images/naming.js'
import { DOCKER_TIMEOUT_HELP } from '../../lib/images/docker.js'

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
    env: [{ name: 'DOCKER_HOST', description: "docker's daemon (docker's own default otherwise)" }, DOCKER_TIMEOUT_HELP],
    notes: [
      'Platform: linux/amd64, or linux/arm64 when runtimePlatform.cpuArchitecture is ARM64. An image of another',
      'architecture fails on Fargate with "exec format error", so the build is refused (and untagged).',
      'Example: ./scripts/image/build backend-flask && ./scripts/image/push backend-flask',
    ],
  },
  async ({ values, positionals }) => {
    const name = positionals[0]
    if (!name) throw new UsageError('name the service to build, e.g. ./scripts/image/build backend-flask')
    const service = serviceNamed(name)
    const tag = values.tag === undefined ? undefined : checkTag(values.tag)
    const template = taskTemplate(service, values['task-definition'], process.cwd())
    const built = await buildImage(service, { ...(values.context !== undefined ? { context: values.context } : {}), ...(tag ? { tag } : {}), template, env: process.env, cwd: process.cwd() })
    ok(`Built ${built.image} (${built.platform}) ${built.digest}, ${formatSize(built.size)}, in ${built.seconds.toFixed(1)} s`)
    if (values.json) say(JSON.stringify(built))
  },
)
