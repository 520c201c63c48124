// kit.deploy(), kit.wait(), kit.rollback(): a deployment and a verdict that does not lie
// (scripts/deploy, wait, rollback; the orchestration is lib/deploy/deploy-service.ts).
import { EXIT } from '../core/errors.js'
import type { DeployDocument } from '../deploy/command.js'
import { deployService, rollbackService, waitService, type DeployOptions, type RollbackOptions, type WaitOptions } from '../deploy/deploy-service.js'
import type { KitCore as Kit, Outcome } from './core.js'

export type { DeployDocument, DeployOptions, RollbackOptions, WaitOptions }

/** The exit code and line of a deploy-like document: a failure is exit 1. Pure. */
export function deployOutcome(document: DeployDocument): Outcome<DeployDocument> {
  if (document.outcome !== 'failure') return { document, exitCode: EXIT.ok }
  return { document, exitCode: EXIT.failed, message: `${document.command} ${document.service}: ${document.cause}: ${document.reason}` }
}

export async function deploy(kit: Kit, service: string | undefined, options: DeployOptions): Promise<Outcome<DeployDocument>> {
  return deployOutcome(await deployService(await kit.run('apply'), service, options, kit.out))
}

export async function wait(kit: Kit, service: string | undefined, options: WaitOptions): Promise<Outcome<DeployDocument>> {
  return deployOutcome(await waitService(await kit.run('apply'), service, options, kit.out))
}

export async function rollback(kit: Kit, service: string | undefined, options: RollbackOptions): Promise<Outcome<DeployDocument>> {
  return deployOutcome(await rollbackService(await kit.run('apply'), service, options, kit.out))
}
