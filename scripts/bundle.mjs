// `npm run build`: bundle every script (scripts/**/*.ts) with its lib and the AWS SDK into
// dist/, shared code split into chunks. A script then loads a handful of files instead of
// the SDK's thousands of modules: provision starts in well under half the time. Packages
// that are loaded lazily or carry native/optional parts stay external (node_modules).
import { build } from 'esbuild'
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
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

// A clean slate: chunk names carry hashes, so old ones would pile up.
rmSync(join(root, 'dist'), { recursive: true, force: true })
await build({
  absWorkingDir: root,
  entryPoints: entries(join(root, 'scripts')),
  outbase: '.',
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  external: ['zx', 'chalk', 'dotenv', 'pg', 'tsx'],
  // Some SDK internals still call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __kitCreateRequire } from 'node:module'; const require = __kitCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  minify: true,
})
writeFileSync(join(root, 'dist', '.build-stamp'), '')
