// kit.push(): the guide's `docker tag` + `docker push` to ECR, skipped when the registry holds the image (scripts/image/push).
import { EXIT, UsageError } from '../core/errors.js'
import { serviceNamed } from '../config/services.js'
import { pushImage, taskTemplate, type Pushed } from '../images/images.js'
import { checkTag } from '../images/naming.js'
import { defaultEcrLoginDeps } from '../ops/ecr-login.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { Pushed }

export interface PushOptions {
  /** The tag to push (default: the source folder's git commit, as build() tags it). */
  tag?: string
  /** The source folder whose commit names the tag. */
  context?: string
  /** The task-definition template giving the platform to check (default task-definitions/SERVICE.json). */
  taskDefinition?: string
}

export async function push(kit: Kit, name: string | undefined, options: PushOptions): Promise<Outcome<Pushed>> {
  if (!name) throw new UsageError('name the service to push, e.g. ./scripts/image/push backend-flask')
  const service = serviceNamed(name)
  const tag = options.tag === undefined ? undefined : checkTag(options.tag)
  const template = taskTemplate(service, options.taskDefinition, kit.cwd)
  const result = await pushImage(service, {
    ...(tag ? { tag } : {}),
    ...(options.context !== undefined ? { context: options.context } : {}),
    template,
    deps: defaultEcrLoginDeps(kit.env),
    cwd: kit.cwd,
    ...(kit.out.terminal ? {} : { print: kit.out.line }),
  })
  return { document: result, exitCode: EXIT.ok }
}
