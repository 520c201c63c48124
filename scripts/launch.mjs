// Every executable under scripts/ is a three-line shim over this launcher, so a script runs
// the same from any working directory, and always from its bundle in dist/ (one runtime,
// measured start-up). When a source, the lockfile or the bundler is newer than the build,
// the launcher rebuilds first and says so; it never switches to running TypeScript.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const stamp = join(root, 'dist', '.build-stamp')

function newest(dir) {
  let found = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found = Math.max(found, newest(path))
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.mjs')) found = Math.max(found, statSync(path).mtimeMs)
  }
  return found
}

/** Why the build is out of date, or undefined when it is current. */
function staleness() {
  if (!existsSync(stamp)) return 'there is no build yet'
  const built = statSync(stamp).mtimeMs
  if (newest(join(root, 'lib')) > built || newest(join(root, 'scripts')) > built) return 'sources changed since the last build'
  const lock = join(root, 'package-lock.json')
  if (existsSync(lock) && statSync(lock).mtimeMs > built) return 'package-lock.json changed since the last build'
  return undefined
}

export async function launch(shimUrl) {
  const rel = relative(root, fileURLToPath(shimUrl))
  const why = staleness()
  if (why) {
    let bundle
    try {
      bundle = (await import('./bundle.mjs')).bundle
    } catch {
      process.stderr.write(`dist/ is out of date (${why}) and esbuild is not installed: run npm ci (or npm run build)\n`)
      process.exit(2)
    }
    process.stderr.write(`rebuilding dist/ (${why})...\n`)
    await bundle()
  }
  await import(pathToFileURL(join(root, 'dist', `${rel}.js`)).href)
}
