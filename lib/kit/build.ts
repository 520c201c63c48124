// kit.build(): the guide's `docker build` of a service, for its task's platform (scripts/image/build).
import { EXIT, UsageError } from '../core/errors.js'
import { serviceNamed } from '../config/services.js'
import { openContext } from '../aws/context.js'
import { resolveBuildArgs } from '../images/build-args.js'
import { buildImage, taskTemplate, type Built } from '../images/images.js'
import { checkTag } from '../images/naming.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { Built }

export interface BuildOptions {
  /** The build context (default: the service's folder at the top of this git repository). */
  context?: string
  /** Tag instead of the git commit. */
  tag?: string
  /** The task-definition template to read the platform from (default task-definitions/SERVICE.json). */
  taskDefinition?: string
}

/**
 * Needs no AWS for a service without build arguments: only the environment, the working
 * directory and where lines go. Build arguments (json/services.json buildArgs) are rendered
 * first, with the run context (the kit's own when given) and, without DOMAIN_NAME, the load
 * balancer's URL: read-only, and before docker runs.
 */
export async function build(kit: Pick<Kit, 'env' | 'cwd' | 'out'> & Partial<Pick<Kit, 'run'>>, name: string | undefined, options: BuildOptions): Promise<Outcome<Built>> {
  if (!name) throw new UsageError('name the service to build, e.g. ./scripts/image/build backend-flask')
  const service = serviceNamed(name)
  const tag = options.tag === undefined ? undefined : checkTag(options.tag)
  const template = taskTemplate(service, options.taskDefinition, kit.cwd)
  const buildArgs = await resolveBuildArgs(service, () => (kit.run ? kit.run('read-only') : openContext(kit.env, { mode: 'read-only' })))
  const built = await buildImage(service, {
    buildArgs,
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(tag ? { tag } : {}),
    template,
    env: kit.env,
    cwd: kit.cwd,
    ...(kit.out.terminal ? {} : { print: kit.out.line }),
  })
  return { document: built, exitCode: EXIT.ok }
}
