// The guide's three `aws ecr create-repository --image-tag-mutability MUTABLE`, idempotent, with scan on push.
import { runScript } from '../../lib/main.js'
import { runStepsScript, STEP_OPTIONS } from '../../lib/step-script.js'
import { ecrRepositoriesStep } from '../../lib/steps/ecr-repositories.js'

await runScript(
  {
    name: 'ecr/create-repositories',
    summary:
      'Create the ECR repositories (tags MUTABLE, scan on push on) and print each one\'s URI; ' +
      'turns scan on push back on and tags back to MUTABLE where they drifted. Safe to re-run.',
    options: STEP_OPTIONS,
    env: [
      { name: 'ECR_REPOSITORIES', description: 'comma-separated names (default cruddur-python,backend-flask,frontend-react-js)' },
      { name: 'AWS_DEFAULT_REGION', description: 'region (or AWS_REGION)' },
      { name: 'AWS_ACCOUNT_ID', description: 'account, for the URIs (else asked of STS)' },
    ],
  },
  (args) => runStepsScript([ecrRepositoriesStep], args),
)
