// Add services for one test as a user would: a declaration in json/services.json and two JSON
// files beside it, in a copy of the kit (test/helpers/kit.ts), never in the checkout. The test
// runs the copy's scripts (kit.run) and passes kit.root to in-process calls; the copy is
// removed afterwards, even when the test fails.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withKitCopy, type KitCopy } from './kit.js'

export async function withServices(declarations: Record<string, unknown>, files: Record<string, string>, body: (kit: KitCopy) => Promise<void>): Promise<void> {
  await withKitCopy(async (kit) => {
    const declared = JSON.parse(readFileSync(join(kit.root, 'json/services.json'), 'utf8'))
    kit.write('json/services.json', JSON.stringify({ ...declared, ...declarations }, null, 2))
    for (const [file, text] of Object.entries(files)) kit.write(file, text)
    await body(kit)
  })
}
