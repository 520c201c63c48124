// The guide's `docker tag` + `docker push` to ECR, with the login when needed, skipped when
// the registry already holds the same image under the tag.
import { runScript, withAwsEnv } from '../../lib/core/boundary.js'
import { ok, say } from '../../lib/core/output.js'
import { envHelp } from '../../lib/config/variables.js'
import { scriptKit, scriptOutput } from '../../lib/kit/script.js'
import { push } from '../../lib/kit/push.js'
import { DOCKER_TIMEOUT_HELP } from '../../lib/images/docker.js'
import { REGISTRY_TIMEOUT_HELP } from '../../lib/images/registry.js'

await runScript(
  withAwsEnv({
    name: 'image/push',
    summary:
      "Push a service's image (built by image/build) to its ECR repository, logging docker in when needed; " +
      'skipped when the registry already holds the same image under that tag. Prints the digest.',
    positionals: [{ name: 'SERVICE', description: 'a service declared in json/services.json, e.g. backend-flask' }],
    options: {
      tag: { type: 'string', placeholder: 'TAG', description: "the tag to push (default: the source folder's git commit, as image/build tags it)" },
      context: { type: 'string', placeholder: 'DIR', description: 'the source folder whose commit names the tag (as for image/build)' },
      'task-definition': { type: 'string', placeholder: 'FILE', description: 'task-definition template giving the platform to check (default task-definitions/SERVICE.json)' },
      json: { type: 'boolean', description: 'print one JSON document as the last line' },
    },
    env: [...envHelp('ECR_REGISTRY', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID'), { name: 'DOCKER_HOST', description: "docker's daemon" }, DOCKER_TIMEOUT_HELP, REGISTRY_TIMEOUT_HELP],
    notes: [
      'Whether the registry holds the image is asked of the registry itself (GET /v2/REPOSITORY/manifests/TAG):',
      'the same image id means no upload at all. The login password goes to docker on stdin only.',
    ],
  }),
  async ({ values, positionals }) => {
    const kit = await scriptKit(scriptOutput(false))
    const result = (await push(kit, positionals[0], { tag: values.tag, context: values.context, taskDefinition: values['task-definition'] })).document
    if (result.pushed) ok(`Pushed ${result.image} ${result.digest} in ${result.seconds.toFixed(1)} s`)
    else ok(`${result.image} is already in the registry with the same image (${result.digest}): nothing pushed (${result.seconds.toFixed(1)} s)`)
    if (values.json) say(JSON.stringify(result))
  },
)
