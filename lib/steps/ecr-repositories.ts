// The ECR repositories the images are pushed to: the guide's `aws ecr create-repository
// --image-tag-mutability MUTABLE` for cruddur-python, backend-flask and frontend-react-js, plus
// scan on push (the guide's own security advice), kept that way on every run.
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
  type ImageTagMutability,
  type Repository,
} from '@aws-sdk/client-ecr'
import { ecrRepositoryUrl } from '../aws/arns.js'
import type { Change, Step } from './step.js'

export const TAG_MUTABILITY: ImageTagMutability = 'MUTABLE'
export const SCAN_ON_PUSH = true

/** What differs between a repository and the settings wanted, one phrase each. Pure. */
export function repositoryDrift(repository: Pick<Repository, 'imageTagMutability' | 'imageScanningConfiguration'>): {
  scan: boolean
  mutability: boolean
  phrases: string[]
} {
  const scan = (repository.imageScanningConfiguration?.scanOnPush ?? false) !== SCAN_ON_PUSH
  const mutability = repository.imageTagMutability !== undefined && repository.imageTagMutability !== TAG_MUTABILITY
  const phrases: string[] = []
  if (scan) phrases.push(`scan on push ${SCAN_ON_PUSH ? 'on' : 'off'} (was ${SCAN_ON_PUSH ? 'off' : 'on'})`)
  if (mutability) phrases.push(`tags ${TAG_MUTABILITY} (was ${repository.imageTagMutability})`)
  return { scan, mutability, phrases }
}

const SETTINGS = `tags ${TAG_MUTABILITY}, scan on push ${SCAN_ON_PUSH ? 'on' : 'off'}`

export const ecrRepositoriesStep: Step = {
  id: 'ecr/create-repositories',
  title: 'ECR repositories',
  needs: [],
  async run(ctx) {
    const ecr = ctx.client(ECRClient, 'ECR')
    const one = async (name: string): Promise<Change> => {
      const uri = ecrRepositoryUrl(ctx.accountId, ctx.region, name)
      let existing: Repository | undefined
      try {
        const found = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))
        existing = found.repositories?.find((r) => r.repositoryName === name)
      } catch (error) {
        if (!(error instanceof RepositoryNotFoundException)) throw error
      }
      if (!existing) {
        let created: Repository | undefined
        if (!ctx.dryRun) {
          try {
            created = (
              await ecr.send(
                new CreateRepositoryCommand({
                  repositoryName: name,
                  imageTagMutability: TAG_MUTABILITY,
                  imageScanningConfiguration: { scanOnPush: SCAN_ON_PUSH },
                }),
              )
            ).repository
          } catch (error) {
            // Created by a concurrent run between our read and our write: found after all.
            if (!(error instanceof RepositoryAlreadyExistsException)) throw error
            return converge(name)
          }
        }
        return { resource: 'ecr repository', name, outcome: 'created', detail: `${created?.repositoryUri ?? uri} (${SETTINGS})` }
      }
      return converge(name, existing)
    }

    const converge = async (name: string, known?: Repository): Promise<Change> => {
      const repository =
        known ?? (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories?.find((r) => r.repositoryName === name)
      const uri = repository?.repositoryUri ?? ecrRepositoryUrl(ctx.accountId, ctx.region, name)
      const drift = repositoryDrift(repository ?? {})
      if (drift.phrases.length === 0) return { resource: 'ecr repository', name, outcome: 'unchanged', detail: `${uri} (${SETTINGS})` }
      if (!ctx.dryRun) {
        if (drift.scan) {
          await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: SCAN_ON_PUSH } }))
        }
        if (drift.mutability) {
          await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: TAG_MUTABILITY }))
        }
      }
      return { resource: 'ecr repository', name, outcome: 'updated', detail: `${uri} (${drift.phrases.join(', ')})` }
    }

    // Independent repositories: read and converge them together; report in the configured order.
    return Promise.all(ctx.names.repositories.map(one))
  },
}
