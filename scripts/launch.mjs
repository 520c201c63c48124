// Every executable under scripts/ is a three-line shim over this launcher, so a script
// runs the same from any working directory. It runs the script's bundle from dist/ when the
// build is newer than every source (fast: no TypeScript loader on the start-up path),
// and the TypeScript source through tsx otherwise (correct while you edit).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const stamp = join(root, 'dist', '.build-stamp')

function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

function buildIsCurrent() {
  if (!existsSync(stamp)) return false
  const built = statSync(stamp).mtimeMs
  return newestSource(join(root, 'lib')) <= built && newestSource(join(root, 'scripts')) <= built
}

export async function launch(shimUrl) {
  const shim = fileURLToPath(shimUrl)
  const rel = relative(root, shim)
  const compiled = join(root, 'dist', `${rel}.js`)
  if (buildIsCurrent() && existsSync(compiled)) {
    await import(pathToFileURL(compiled).href)
    return
  }
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(join(dirname(shim), `${rel.split('/').pop()}.ts`)).href)
}
