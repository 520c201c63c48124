// Deploy a service: the task definition with the image pinned by digest (registered only when
// it differs from the latest revision), the service updated with its file's live settings
// (or created), then the verdict on the deployment this update started: success only when it
// completed, is still PRIMARY, runs the new revision and all desired tasks; a rollback is a
// failure, however stable the service looks afterwards. The command is lib/deploy/deploy-service.ts.
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { envHelp } from '../lib/config/variables.js'
import { COMMON_OPTIONS, finish, WAIT_UNTIL_OPTION } from '../lib/deploy/command.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { deploy } from '../lib/kit/deploy.js'
import { REGISTRY_TIMEOUT_HELP } from '../lib/images/registry.js'

await runScript(withAwsEnv(
  {
    name: 'deploy',
    summary:
      'Deploy SERVICE: register its task definition with the image pinned by digest (only when it differs from the latest ' +
      'revision), update the service with json/service-SERVICE.json’s live settings (deployment configuration, ECS Exec, ' +
      'network, Service Connect), keeping its desired count, or create it; then wait for the verdict on this deployment, ' +
      'showing service events and stopped tasks as they happen. A rollback by the circuit breaker is a failure. ' +
      'Behind a target group, success also needs the new tasks healthy there (failed ELB health checks fail at once, with ELB\'s reason); ' +
      'the last line is the URL the service is behind.',
    positionals: [{ name: 'SERVICE', description: 'the service (default: the one in ECS_SERVICES)' }],
    options: {
      tag: { type: 'string', placeholder: 'TAG', description: 'image tag to deploy, resolved to its digest in ECR (default IMAGE_TAG)' },
      'no-wait': { type: 'boolean', description: 'start the deployment and exit; follow it later with scripts/wait' },
      force: { type: 'boolean', description: 'start a fresh deployment even of the revision that runs or is rolling out (as update-service --force-new-deployment)' },
      'rollback-on-failure': { type: 'boolean', description: 'when the deployment fails and ECS did not roll back, go back to the last revision that deployed successfully' },
      ...COMMON_OPTIONS,
      ...WAIT_UNTIL_OPTION,
    },
    // The image is looked up where it was pushed: ECR, or the registry ECR_REGISTRY names.
    env: [...envHelp('IMAGE_TAG', 'ECS_SERVICES', 'ECS_CLUSTER', 'AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', 'ECR_REGISTRY'), REGISTRY_TIMEOUT_HELP],
    notes: [
      'Exit 0: the deployment succeeded (or nothing differs from what runs). Exit 1: it failed, was rolled back, superseded, failed its load balancer\'s health checks, or timed out.',
      'Needs what ./scripts/provision creates, and the image pushed to ECR. Refuses a paused service: ./scripts/resume it first.',
      'Holds the stack lock provision and teardown take until its deployment has started (a second run waits).',
    ],
  }),
  async ({ values, positionals }) => {
    const json = values.json === true
    const kit = await scriptKit(scriptOutput(json, { underJson: 'stderr' }))
    const { tag, timeout, interval } = values
    const options = { tag, timeout, interval, waitUntil: values['wait-until'], force: values.force === true, wait: values['no-wait'] !== true, rollbackOnFailure: values['rollback-on-failure'] === true }
    return finish((await deploy(kit, positionals[0], options)).document, json)
  },
)
