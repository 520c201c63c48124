// Print a template rendered with the real account, region, ARNs, subnets and security group,
// ready for `aws ... --cli-input-json file://<(./scripts/render FILE)`.
import { existsSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { ConfigError } from '../lib/core/errors.js'
import { runAwsScript } from '../lib/core/boundary.js'
import { resolveServiceNetwork } from '../lib/steps/security-group.js'
import { resolveServiceUrls, urlPlaceholdersIn } from '../lib/front-door/urls.js'
import { say } from '../lib/core/output.js'
import { ROOT } from '../lib/config/paths.js'
import { stepContext } from '../lib/steps/step.js'
import { loadTemplate, placeholders } from '../lib/templates/template.js'
import { envHelp, parameterHelp, VARIABLES, type Variable } from '../lib/config/variables.js'

await runAwsScript(
  {
    name: 'render',
    summary: 'Print a JSON template (policies/, task-definitions/, json/) with its ${PLACEHOLDERS} filled in. Reads AWS only to learn the account, subnets, security group and load balancer.',
    positionals: [{ name: 'FILE', description: 'template path, relative to the working directory or the repo root' }],
    // The region, the account, the stack's names, and the values templates take from the environment.
    env: [...envHelp(...(Object.keys(VARIABLES) as Variable[]).filter((name) => name !== 'ECR_REGISTRY')), ...parameterHelp()],
    notes: [
      'Any other ${NAME} in a template is read from the environment (or .env) too.',
      'Example:  ./scripts/render task-definitions/backend-flask.json',
    ],
  },
  'read-only',
  async ({ positionals }, run) => {
    const [file] = positionals
    if (!file) throw new ConfigError('name the template to render, e.g. ./scripts/render task-definitions/backend-flask.json')
    const fromCwd = resolve(file)
    const path = relative(ROOT, existsSync(fromCwd) ? fromCwd : resolve(ROOT, file))
    const template = loadTemplate(path)
    const used = placeholders(template.json)
    const ctx = await stepContext(run)
    if (used.has('SECURITY_GROUP_ID') || used.has('SUBNET_IDS')) await resolveServiceNetwork(ctx)
    // The services' URLs: DOMAIN_NAME's, else the load balancer's DNS name (an error when there is none).
    await resolveServiceUrls(ctx, urlPlaceholdersIn(template.json), template.file)
    say(JSON.stringify(ctx.render(template), null, 2))
  },
)
