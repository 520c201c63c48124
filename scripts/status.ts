// What exists of the stack, read-only.
import { EXIT } from '../lib/core/errors.js'
import { formatInventory, inventory } from '../lib/ops/inventory.js'
import { runAwsScript } from '../lib/core/boundary.js'
import { say } from '../lib/core/output.js'
import { envHelp } from '../lib/config/variables.js'
import { NAME_VARIABLES } from '../lib/config/names.js'

await runAwsScript(
  {
    name: 'status',
    summary: 'List every resource the kit manages and whether it exists (read-only). Exit 1 when something is missing.',
    options: { json: { type: 'boolean', description: 'print JSON instead of lines' } },
    // What it reads: the region, the account, and every name of the stack.
    env: envHelp('AWS_DEFAULT_REGION', 'AWS_ACCOUNT_ID', ...(Object.keys(NAME_VARIABLES) as Array<keyof typeof NAME_VARIABLES>)),
  },
  'read-only',
  async ({ values }, run) => {
    const items = await inventory(run)
    if (values.json) say(JSON.stringify(items, null, 2))
    else for (const line of formatInventory(items)) say(line)
    return items.every((item) => item.state !== undefined) ? EXIT.ok : EXIT.failed
  },
)
