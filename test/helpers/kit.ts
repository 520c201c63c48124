// A copy of the kit in the tests' temporary folder, for a test that must change the kit's own
// files (declare a service, add templates, put a .env at its root): the checkout is never
// written, so an interrupted run leaves nothing behind that `provision` would pick up. The copy
// runs its own scripts: the kit finds its root from the running file (lib/config/paths.ts).
import { cpSync, linkSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { ROOT } from '../../lib/config/paths.js'
import { runKit, type RunOptions, type RunResult } from './run.js'
import { removeTemp, tempDir } from './temp.js'

/** Never copied: the repository, the dependencies and the build (linked instead), a developer's .env, builds in progress. */
const NOT_COPIED = /^(\.git|node_modules|dist|\.env|\.dist-build-lock|dist\.(next|old)-.*)$/

export interface KitCopy {
  /** The copy's root: pass it wherever a function takes `root` (declaredServices(kit.root), ...). */
  root: string
  /** runKit on the copy's scripts. */
  run(script: string, args?: string[], options?: RunOptions): Promise<RunResult>
  /** Write a file under the copy's root (a path relative to it). */
  write(file: string, text: string): void
  remove(): void
}

/**
 * Copy the kit (`from`, default the checkout) with its build: timestamps kept, so the copy's
 * scripts see an up-to-date dist/ and never rebuild. The build (most of the bytes) is hard-linked
 * where it can be: nothing writes a built file in place (scripts/bundle.mjs builds a new dist/
 * and renames it). Removed with remove(), or when the test process ends.
 */
export function copyKit(from = ROOT): KitCopy {
  const root = tempDir('kit-copy-')
  cpSync(from, root, {
    recursive: true,
    preserveTimestamps: true,
    filter: (source) => !(isTopLevel(from, source) && NOT_COPIED.test(basename(source))),
  })
  symlinkSync(realpathSync(join(from, 'node_modules')), join(root, 'node_modules'))
  try {
    linkTree(join(from, 'dist'), join(root, 'dist'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    cpSync(join(from, 'dist'), join(root, 'dist'), { recursive: true, force: true, preserveTimestamps: true })
  }
  return {
    root,
    run: (script, args = [], options = {}) => runKit(script, args, { ...options, root }),
    write: (file, text) => writeFileSync(join(root, file), text),
    remove: () => removeTemp(root),
  }
}

function linkTree(from: string, to: string): void {
  mkdirSync(to)
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) linkTree(join(from, entry.name), join(to, entry.name))
    else linkSync(join(from, entry.name), join(to, entry.name))
  }
}

const isTopLevel = (from: string, source: string): boolean => join(from, basename(source)) === source

/** Run body on a fresh copy of the kit, removed afterwards even when body fails. */
export async function withKitCopy<T>(body: (kit: KitCopy) => Promise<T>): Promise<T> {
  const kit = copyKit()
  try {
    return await body(kit)
  } finally {
    kit.remove()
  }
}
