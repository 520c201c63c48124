// Where a service's source is and what its image is tagged: the folder named after the service
// (service.source) at the top of the git repository the kit is used from, or --context DIR; the
// tag is the folder's last commit (short), marked -dirty when the folder has uncommitted changes.
import { existsSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import type { Env } from '../config/env.js'
import type { ServiceDeclaration } from '../config/services.js'
import { CheckFailed, ConfigError } from '../core/errors.js'
import { stream } from '../core/shell.js'
import { sourceTag } from './naming.js'

async function git(args: string[], cwd: string, env: Env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    // Spawned directly (no zx load) for speed; arguments as an array all the same.
    return await stream('git', ['-C', cwd, ...args], { env, onLine: () => {} }).done
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { code: 127, stdout: '', stderr: 'git: not found' }
    throw error
  }
}

/** The top of the git repository holding `dir`, or undefined outside one (or without git). */
export async function gitTopLevel(dir: string, env: Env): Promise<string | undefined> {
  const ran = await git(['rev-parse', '--show-toplevel'], dir, env)
  return ran.code === 0 ? ran.stdout.trim() : undefined
}

export interface Source {
  /** The build context. */
  dir: string
  dockerfile: string
}

/** The service's source folder with its Dockerfile; a clear error when either is missing. */
export async function sourceFolder(service: ServiceDeclaration, context: string | undefined, cwd: string, env: Env): Promise<Source> {
  let dir: string
  if (context !== undefined) {
    dir = resolve(cwd, context)
  } else {
    const top = await gitTopLevel(cwd, env)
    if (!top) {
      throw new ConfigError(
        `${cwd} is not inside a git repository, so the source of ${service.name} (its folder ${service.source}/ at the repository's top) cannot be found: run this from the app's repository, or pass --context DIR`,
      )
    }
    dir = join(top, service.source)
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new ConfigError(`${context !== undefined ? `--context ${context}` : `the source folder of ${service.name}`}: ${dir} is not a directory: give the folder that holds the Dockerfile`)
  }
  if (!existsSync(dir)) {
    throw new ConfigError(`the source folder of ${service.name}, ${dir}, does not exist: run this from the app's repository (it has ${service.source}/ at its top), or pass --context DIR`)
  }
  const dockerfile = join(dir, 'Dockerfile')
  if (!existsSync(dockerfile)) throw new ConfigError(`${dir} has no Dockerfile: add one (the guide's ${service.source}/Dockerfile), or pass --context DIR`)
  return { dir, dockerfile }
}

/** The tag of a folder's source: its last commit, short, with -dirty when it has uncommitted changes. */
export async function gitSourceTag(dir: string, env: Env): Promise<string> {
  const top = await gitTopLevel(dir, env)
  if (!top) throw new ConfigError(`${dir} is not in a git repository, so there is no commit to tag the image with: pass --tag TAG`)
  const path = relative(top, dir) || '.'
  const last = await git(['log', '-1', '--format=%h', '--', path], top, env)
  const commit = last.stdout.trim()
  if (last.code !== 0 || !commit) throw new ConfigError(`${dir} has no commit yet, so there is nothing to tag the image with: commit it, or pass --tag TAG`)
  const status = await git(['status', '--porcelain', '--untracked-files=normal', '--', path], top, env)
  if (status.code !== 0) throw new CheckFailed(`git status in ${top} failed: ${status.stderr.trim()}`)
  return sourceTag(commit, status.stdout.trim() !== '')
}
