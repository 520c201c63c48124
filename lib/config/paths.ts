// Where the kit's own files live, whatever the working directory and whether this module
// runs from its TypeScript source (lib/) or from the build (dist/lib/).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(start: string): string {
  let dir = start
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find the kit's package.json above ${start}`)
    dir = parent
  }
  return dir
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))
