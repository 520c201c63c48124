// The guide's base-image step (docker pull python:3.10-slim-buster, tag, push into
// cruddur-python), for any image, skipping what the registry already holds.
import { runScript, withAwsEnv } from '../../lib/core/boundary.js'
import { UsageError } from '../../lib/core/errors.js'
import { ok, say } from '../../lib/core/output.js'
import { envHelp } from '../../lib/config/variables.js'
import { mirrorImage } from '../../lib/images/images.js'
import { mirrorRepository, parseReference, taskPlatform } from '../../lib/images/naming.js'
import { defaultEcrLoginDeps } from '../../lib/ops/ecr-login.js'
import { DOCKER_TIMEOUT_HELP } from '../../lib/images/docker.js'
import { REGISTRY_TIMEOUT_HELP } from '../../lib/images/registry.js'

await runScript(
  withAwsEnv({
    name: 'image/mirror',
    summary: 'Copy an image (e.g. the base image python:3.10-slim-buster) into your registry, pulling it only when it is not local; skipped when the registry already holds it.',
    positionals: [
      { name: 'IMAGE', description: 'the image to copy, e.g. python:3.10-slim-buster' },
      { name: 'REPOSITORY', description: "the repository to put it in, same tag (default cruddur-<name>: python -> cruddur-python)" },
    ],
    options: {
      arch: { type: 'string', placeholder: 'ARCH', description: 'X86_64 (default, as Fargate) or ARM64: the platform to pull and check' },
      json: { type: 'boolean', description: 'print one JSON document as the last line' },
    },
    env: [...envHelp('ECR_REGISTRY', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID'), { name: 'DOCKER_HOST', description: "docker's daemon" }, DOCKER_TIMEOUT_HELP, REGISTRY_TIMEOUT_HELP],
    notes: ['Example (the guide): ./scripts/image/mirror python:3.10-slim-buster cruddur-python'],
  }),
  async ({ values, positionals }) => {
    const [image, repositoryArg] = positionals
    if (!image) throw new UsageError('name the image to copy, e.g. ./scripts/image/mirror python:3.10-slim-buster')
    const ref = parseReference(image)
    const repository = repositoryArg ?? mirrorRepository(ref)
    parseReference(repository)
    const platform = taskPlatform({ runtimePlatform: { cpuArchitecture: values.arch ?? 'X86_64' } }, '--arch')
    const result = await mirrorImage(image, { repository, tag: ref.tag ?? 'latest' }, { platform, deps: defaultEcrLoginDeps(process.env) })
    if (result.pushed) ok(`Mirrored ${image} to ${result.image} ${result.digest} in ${result.seconds.toFixed(1)} s`)
    else ok(`${result.image} is already in the registry with the same image (${result.digest}): nothing pushed`)
    if (values.json) say(JSON.stringify(result))
  },
)
