// Log docker in to ECR: the guide's `aws ecr get-login-password | docker login ...`, without the aws CLI.
import { describeExpiry, defaultEcrLoginDeps, ecrLogin } from '../../lib/ops/ecr-login.js'
import { CheckFailed, EXIT } from '../../lib/core/errors.js'
import { localEmulator } from '../../lib/aws/registry.js'
import { runScript, withAwsEnv } from '../../lib/core/boundary.js'
import { ok, say } from '../../lib/core/output.js'
import { envHelp } from '../../lib/config/variables.js'

await runScript(
  withAwsEnv({
    name: 'ecr/login',
    summary: 'Log docker in to your ECR registry (the token lasts 12 hours; run this again after that).',
    options: {
      registry: {
        type: 'string',
        placeholder: 'HOST',
        description: 'registry host[:port] to log in to (default ECR_REGISTRY, else $AWS_ACCOUNT_ID.dkr.ecr.$REGION.amazonaws.com)',
      },
    },
    env: envHelp('AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'ECR_REGISTRY'),
    notes: [
      'The password goes to `docker login --password-stdin` on stdin: it is never in a process argument or the output.',
      'docker must be on PATH and its daemon running (in Gitpod both are).',
      'With AWS_ENDPOINT_URL on this machine (an emulator), set ECR_REGISTRY: the default registry is a real AWS host.',
    ],
  }),
  async ({ values }) => {
    const result = await ecrLogin(values.registry, defaultEcrLoginDeps(process.env))
    ok(`Login Succeeded for ${result.registry}`)
    const expiry = describeExpiry(result.expiresAt, new Date(), localEmulator(process.env))
    // From AWS, a token that is over already means a wrong clock: the login will not hold.
    if (expiry.expired) throw new CheckFailed(expiry.text)
    say(expiry.text)
    return EXIT.ok
  },
)
