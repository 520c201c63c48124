// Everything the kit made, deleted in reverse dependency order, after a plan and a yes (lib/teardown/run.ts).
import { runScript, withAwsEnv } from '../lib/core/boundary.js'
import { confirmOnTerminal } from '../lib/core/confirm.js'
import { CheckFailed } from '../lib/core/errors.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { formatLeft } from '../lib/teardown/report.js'
import { scriptKit, scriptOutput } from '../lib/kit/script.js'
import { teardown } from '../lib/kit/teardown.js'

await runScript(withAwsEnv(
  {
    name: 'teardown',
    summary:
      'Delete everything the kit made, in reverse dependency order: the services (scaled to 0, deleted, waited for until ' +
      'INACTIVE), the front door (the DNS alias records of DOMAIN_NAME, never the hosted zone; the listeners and rules, the ' +
      'target groups, the load balancer and its security group), the cluster and its Service Connect namespace in Cloud Map, ' +
      'every revision of the task definitions, the security group, the roles with their policies, and the log group. The ECR ' +
      'repositories (with their images), the SSM parameters and the ACM certificate (with its validation records) are data: ' +
      'they go only with --all. ' +
      'With ECS_SERVICES naming some of the declared services, only what is theirs goes (their services, task definitions, ' +
      'target groups with the rules forwarding to them, and with --all their repositories and parameters); what every service uses is kept, and said so, while another declared ' +
      'service exists. Prints the plan first and asks (or needs --yes). Safe to re-run: a second run changes nothing, an ' +
      'interrupted one completes. Exit 1 when something that is neither data nor shared is left. Waits while another ' +
      'command changes the stack.',
    options: {
      yes: { type: 'boolean', short: 'y', description: 'do not ask: delete what the plan shows (needed when not on a terminal)' },
      all: { type: 'boolean', description: 'also delete the data: the ECR repositories with their images, the SSM parameters, and the certificate' },
      'dry-run': { type: 'boolean', description: 'print the plan and what would be left; change nothing' },
      json: { type: 'boolean', description: 'print one JSON document (needs --yes or --dry-run)' },
      timeout: { type: 'string', placeholder: 'SECONDS', description: 'give up waiting for services to drain (or a security group, target group, certificate or namespace to be free) after this long (default 600)' },
      poll: { type: 'string', placeholder: 'SECONDS', description: 'seconds between reads while waiting (default 5)' },
    },
    env: envHelp(
      'ECS_SERVICES', 'ECS_CLUSTER', 'SERVICE_CONNECT_NAMESPACE', 'LOG_GROUP', 'ECR_REPOSITORIES', 'SSM_PREFIX', 'EXECUTION_ROLE_NAME', 'TASK_ROLE_NAME',
      'SECURITY_GROUP_NAME', 'LOAD_BALANCER_NAME', 'LOAD_BALANCER_SECURITY_GROUP_NAME', 'DOMAIN_NAME', 'AWS_DEFAULT_REGION',
    ),
    notes: ['Preview first:  ./scripts/teardown --dry-run', 'Everything, data too:  ./scripts/teardown --all --yes'],
  }),
  async ({ values }) => {
    const json = values.json === true
    const kit = await scriptKit(scriptOutput(json))
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true
    const { yes, all, timeout, poll } = values
    // The kit's teardown with this terminal's question (kit.teardown() never asks).
    const { document, cancelled, only, problem, exitCode } = await teardown(
      kit,
      { yes, all, timeout, poll, dryRun: values['dry-run'] === true },
      { json, ...(interactive ? { confirm: confirmOnTerminal } : {}) },
    )
    if (cancelled) return exitCode
    const { dryRun, left } = document
    const failed = document.summary.failed > 0
    if (json) say(JSON.stringify(document, null, 2))
    else if (dryRun) say(left.length ? `Would be left:\n${formatLeft(left, { failed: false, only }).slice(1).join('\n')}` : 'Nothing would be left.')
    else for (const line of formatLeft(left, { failed, only })) say(line)
    // Something left that is neither data nor shared: exit 1 with the line saying so.
    if (problem) throw new CheckFailed(problem)
    return exitCode
  },
)
