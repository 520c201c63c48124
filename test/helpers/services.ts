// Add services for one test as a user would: a declaration in json/services.json and two JSON
// files beside it, in a copy of the kit (test/helpers/kit.ts), never in the checkout. The test
// runs the copy's scripts (kit.run) and passes kit.root to in-process calls; the copy is
// removed afterwards, even when the test fails.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withKitCopy, type KitCopy } from './kit.js'
import { ROOT } from '../../lib/config/paths.js'

export async function withServices(declarations: Record<string, unknown>, files: Record<string, string>, body: (kit: KitCopy) => Promise<void>): Promise<void> {
  await withKitCopy(async (kit) => {
    const declared = JSON.parse(readFileSync(join(kit.root, 'json/services.json'), 'utf8'))
    kit.write('json/services.json', JSON.stringify({ ...declared, ...declarations }, null, 2))
    for (const [file, text] of Object.entries(files)) kit.write(file, text)
    await body(kit)
  })
}

/**
 * The backend's task definition for a stack where the front door routes to neither service (no
 * load balancer, so no public URL): its URLs are the Service Connect aliases instead. For
 * withServices' `files`.
 */
export function unroutedBackendFiles(root = ROOT): Record<string, string> {
  const file = 'task-definitions/backend-flask.json'
  const text = readFileSync(join(root, file), 'utf8')
    .replace('${SERVICE_URL_FRONTEND_REACT_JS}', 'http://frontend-react-js:3000')
    .replace('${SERVICE_URL_BACKEND_FLASK}', 'http://backend-flask:4567')
  return { [file]: text }
}
