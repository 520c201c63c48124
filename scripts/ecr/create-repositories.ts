// The guide's three `aws ecr create-repository --image-tag-mutability MUTABLE`, idempotent, with scan on push.
import { runAwsScript } from '../../lib/core/boundary.js'
import { runStepsScript, STEP_OPTIONS, stepContextOptions } from '../../lib/steps/apply.js'
import { ecrRepositoriesStep } from '../../lib/steps/ecr-repositories.js'
import { envHelp } from '../../lib/config/variables.js'

await runAwsScript(
  {
    name: 'ecr/create-repositories',
    summary:
      'Create the ECR repositories (tags MUTABLE, scan on push on) and print each one\'s URI; ' +
      'turns scan on push back on and tags back to MUTABLE where they drifted. Safe to re-run.',
    options: STEP_OPTIONS,
    env: envHelp('ECR_REPOSITORIES', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID'),
  },
  stepContextOptions(() => [ecrRepositoriesStep]),
  (args, run) => runStepsScript([ecrRepositoriesStep], args, run),
)
