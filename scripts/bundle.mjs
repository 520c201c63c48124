// `npm run build`: bundle every script (scripts/**/*.ts) with its lib and the AWS SDK into
// dist/, and the kit's API (lib/index.ts) into dist/lib/index.js. Each script is one self-contained file (no shared chunks): a script loads one file,
// so even the lightest (flask/health-check) starts near Node's own floor. Packages loaded
// lazily or with native/optional parts stay external (node_modules). The launcher calls
// bundle() itself when the build is out of date; one build runs at a time, and the new
// dist/ replaces the old in one rename, so a script never sees half a build.
import { build } from 'esbuild'
import { mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function entries(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entries(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(root, path)] : []
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Take the build lock (a directory), waiting for another build to finish; a lock older than 2 minutes is abandoned. */
async function lock(path) {
  for (;;) {
    try {
      mkdirSync(path)
      return
    } catch {
      try {
        if (Date.now() - statSync(path).mtimeMs > 120000) rmSync(path, { recursive: true, force: true })
      } catch {
        // released meanwhile
      }
      await sleep(100)
    }
  }
}

/** Build dist/. `stillNeeded` is asked once the lock is held: another process may have just built. */
export async function bundle(stillNeeded = () => true) {
  const lockDir = join(root, '.dist-build-lock')
  await lock(lockDir)
  try {
    if (!stillNeeded()) return
    const next = join(root, `dist.next-${process.pid}`)
    rmSync(next, { recursive: true, force: true })
    const result = await build({
      absWorkingDir: root,
      // Every script, and the library a zx script imports ("exports" in package.json).
      entryPoints: [...entries(join(root, 'scripts')), 'lib/index.ts'],
      outbase: '.',
      outdir: next,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      mainFields: ['module', 'main'],
      external: ['zx', 'chalk', 'dotenv', 'pg', 'esbuild'],
      // Some SDK internals still call require(); give ESM bundles one.
      banner: { js: "import { createRequire as __kitCreateRequire } from 'node:module'; const require = __kitCreateRequire(import.meta.url);" },
      logLevel: 'warning',
      minify: true,
      metafile: true,
    })
    // Each bundle's own sources, for the launcher's freshness check: a script stats only what it
    // is made of (and the lockfile and this bundler), not the whole tree, at every start. Packages
    // are left to the lockfile, wherever node_modules really is (a symlink resolves to ../...).
    for (const [output, { inputs }] of Object.entries(result.metafile.outputs)) {
      const own = Object.keys(inputs).filter((input) => !input.split('/').includes('node_modules'))
      writeFileSync(join(root, `${output}.inputs`), [...own, 'package-lock.json', 'scripts/bundle.mjs'].join('\n'))
    }
    writeFileSync(join(next, '.build-stamp'), '')
    const old = join(root, `dist.old-${process.pid}`)
    try {
      renameSync(join(root, 'dist'), old)
    } catch {
      // no previous build
    }
    renameSync(next, join(root, 'dist'))
    rmSync(old, { recursive: true, force: true })
  } finally {
    rmdirSync(lockDir)
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundle()
