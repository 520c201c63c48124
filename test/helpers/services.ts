// Add services for one test as a user would: a declaration in json/services.json and two JSON
// files beside it. Everything is put back afterwards, even when the test fails.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../lib/config/paths.js'

export async function withServices(declarations: Record<string, unknown>, files: Record<string, string>, body: () => Promise<void>): Promise<void> {
  const declarationsFile = join(ROOT, 'json/services.json')
  const original = readFileSync(declarationsFile, 'utf8')
  try {
    writeFileSync(declarationsFile, JSON.stringify({ ...JSON.parse(original), ...declarations }, null, 2))
    for (const [file, text] of Object.entries(files)) writeFileSync(join(ROOT, file), text)
    await body()
  } finally {
    writeFileSync(declarationsFile, original)
    for (const file of Object.keys(files)) rmSync(join(ROOT, file), { force: true })
  }
}
