// Every executable under scripts/ is a three-line shim over this launcher, so a script runs
// the same from any working directory, and always from its bundle in dist/ (one runtime,
// measured start-up). When one of its sources, the lockfile or the bundler is newer than the
// build, the launcher rebuilds first and says so; it never switches to running TypeScript.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const stamp = join(root, 'dist', '.build-stamp')

/** Why this script's bundle is out of date, or undefined when it is current. */
function staleness(rel) {
  const inputs = join(root, 'dist', `${rel}.js.inputs`)
  if (!existsSync(stamp) || !existsSync(inputs)) return 'there is no build of this script yet'
  const built = statSync(stamp).mtimeMs
  // The bundle's own sources, the lockfile and the bundler: written by scripts/bundle.mjs.
  for (const file of readFileSync(inputs, 'utf8').split('\n')) {
    let changed
    try {
      changed = statSync(join(root, file)).mtimeMs
    } catch {
      return `${file} is gone since the last build`
    }
    if (changed > built) return `${file} changed since the last build`
  }
  return undefined
}

export async function launch(shimUrl) {
  const rel = relative(root, fileURLToPath(shimUrl))
  const why = staleness(rel)
  if (why) {
    let bundle
    try {
      bundle = (await import('./bundle.mjs')).bundle
    } catch {
      process.stderr.write(`dist/ is out of date (${why}) and esbuild is not installed: run npm ci (or npm run build)\n`)
      process.exit(2)
    }
    process.stderr.write(`rebuilding dist/ (${why})...\n`)
    // Another script started at the same time may have rebuilt it meanwhile.
    await bundle(() => staleness(rel) !== undefined)
  }
  await import(pathToFileURL(join(root, 'dist', `${rel}.js`)).href)
}
