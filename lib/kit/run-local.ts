// kit.runLocal(): a service's task definition on the local docker as Fargate would run it
// (scripts/ecs/run-local; the command is lib/images/run-local-service.ts).
import { runLocalService, type LocalRunDocument, type RunLocalOptions } from '../images/run-local-service.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { LocalRunDocument, RunLocalOptions }

export async function runLocal(kit: Kit, service: string | undefined, options: RunLocalOptions, started = performance.now()): Promise<Outcome<LocalRunDocument | undefined>> {
  const run = await kit.run('read-only')
  const { exitCode, document, verdict } = await runLocalService(run, service, options, { line: kit.out.line, ok: kit.out.ok, bad: kit.out.bad, cwd: kit.cwd, started })
  return { document, exitCode, message: verdict }
}
