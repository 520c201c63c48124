// kit.build(): the guide's `docker build` of a service, for its task's platform (scripts/image/build).
import { EXIT, UsageError } from '../core/errors.js'
import { serviceNamed } from '../config/services.js'
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

/** Needs no AWS: only the environment, the working directory and where lines go. */
export async function build(kit: Pick<Kit, 'env' | 'cwd' | 'out'>, name: string | undefined, options: BuildOptions): Promise<Outcome<Built>> {
  if (!name) throw new UsageError('name the service to build, e.g. ./scripts/image/build backend-flask')
  const service = serviceNamed(name)
  const tag = options.tag === undefined ? undefined : checkTag(options.tag)
  const template = taskTemplate(service, options.taskDefinition, kit.cwd)
  const built = await buildImage(service, {
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(tag ? { tag } : {}),
    template,
    env: kit.env,
    cwd: kit.cwd,
    ...(kit.out.terminal ? {} : { print: kit.out.line }),
  })
  return { document: built, exitCode: EXIT.ok }
}
