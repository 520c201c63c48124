// The data the kit keeps unless asked (teardown --all): the ECR repositories with their
// images (lib/steps/ecr-repositories.ts) and the SSM parameters (lib/steps/ssm-parameters.ts).
// Each comes in two parts: what belongs to the selected services alone (their repositories,
// the parameters under <prefix>/<service>/), and what is shared (the base image repository,
// parameters outside every service's folder), kept while another declared service exists.
// What belongs to a service the teardown was not asked about is never touched.
import { DeleteRepositoryCommand, DescribeRepositoriesCommand, ECRClient, paginateListImages } from '@aws-sdk/client-ecr'
import { DeleteParametersCommand, paginateGetParametersByPath, SSMClient } from '@aws-sdk/client-ssm'
import { awsErrorIs } from '../aws/clients.js'
import type { ServiceDeclaration } from '../config/services.js'
import type { Change } from '../steps/step.js'
import { alreadyGone, deleted, TEARDOWN_IDS, type TeardownStep } from './options.js'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

type Declared = ReadonlyArray<Pick<ServiceDeclaration, 'name' | 'repository'>>

/**
 * The repositories (of ECR_REPOSITORIES) the selected services have to themselves, and those
 * that are shared: no declared service's (the base image), or also a service's not selected.
 * Pure.
 */
export function repositoryShares(repositories: readonly string[], selected: readonly string[], declared: Declared): { own: string[]; shared: string[] } {
  const users = (repository: string) => declared.filter((s) => s.repository === repository).map((s) => s.name)
  const own: string[] = []
  const shared: string[] = []
  for (const repository of new Set(repositories)) {
    const by = users(repository)
    if (by.length === 0) shared.push(repository)
    else if (by.every((name) => selected.includes(name))) own.push(repository)
    else if (by.some((name) => selected.includes(name))) shared.push(repository)
    // else: another service's alone, not this teardown's
  }
  return { own, shared }
}

/** Whose a parameter is: a declared service's (under <prefix>/<service>/), or nobody's (shared). Pure. */
export function parameterOwner(name: string, prefix: string, declared: readonly string[]): string | undefined {
  return declared.find((service) => name.startsWith(`${prefix}/${service}/`))
}

function deleteRepositories(id: string, title: string, pick: (repositories: readonly string[]) => string[], shared: boolean): TeardownStep {
  return {
    id,
    title,
    needs: [],
    data: true,
    shared,
    async run(ctx) {
      const ecr = ctx.client(ECRClient, 'ECR')
      const one = async (name: string): Promise<Change> => {
        try {
          await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))
        } catch (error) {
          if (awsErrorIs(error, 'RepositoryNotFoundException')) return alreadyGone('ecr repository', name)
          throw error
        }
        const digests = new Set<string>()
        for await (const page of paginateListImages({ client: ecr }, { repositoryName: name })) {
          for (const image of page.imageIds ?? []) if (image.imageDigest) digests.add(image.imageDigest)
        }
        const detail = `with ${plural(digests.size, 'image')}`
        if (ctx.dryRun) return deleted('ecr repository', name, detail)
        try {
          await ecr.send(new DeleteRepositoryCommand({ repositoryName: name, force: true }))
        } catch (error) {
          if (!awsErrorIs(error, 'RepositoryNotFoundException')) throw error
        }
        return deleted('ecr repository', name, detail)
      }
      return Promise.all(pick(ctx.names.repositories).map(one))
    },
  }
}

/** The selected services' own repositories, with their images. */
export const deleteRepositoriesStep = (selected: readonly string[], declared: Declared): TeardownStep =>
  deleteRepositories(TEARDOWN_IDS.repositories, 'delete the services’ ECR repositories and their images', (r) => repositoryShares(r, selected, declared).own, false)

/** The shared repositories (the base image's), with their images. */
export const deleteSharedRepositoriesStep = (selected: readonly string[], declared: Declared): TeardownStep =>
  deleteRepositories(TEARDOWN_IDS.sharedRepositories, 'delete the shared ECR repositories and their images', (r) => repositoryShares(r, selected, declared).shared, true)

const DELETE_BATCH = 10

function deleteParameters(id: string, title: string, pick: (name: string, prefix: string) => boolean, scope: (prefix: string) => string, shared: boolean): TeardownStep {
  return {
    id,
    title,
    needs: [],
    data: true,
    shared,
    async run(ctx) {
      const ssm = ctx.client(SSMClient, 'SSM')
      const prefix = ctx.names.ssmPrefix
      const names: string[] = []
      // Names only: the values are never asked for.
      for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: prefix, Recursive: true, WithDecryption: false })) {
        for (const p of page.Parameters ?? []) if (p.Name && pick(p.Name, prefix)) names.push(p.Name)
      }
      if (names.length === 0) return [alreadyGone('ssm parameters', scope(prefix), 'none left')]
      names.sort()
      if (!ctx.dryRun) {
        // Names already gone come back in InvalidParameters, not as an error: gone is the goal.
        for (let i = 0; i < names.length; i += DELETE_BATCH) {
          await ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + DELETE_BATCH) }))
        }
      }
      return names.map((name) => deleted('ssm parameter', name))
    },
  }
}

/** The selected services' own parameters: everything under <prefix>/<service>/. */
export const deleteParametersStep = (selected: readonly string[], declared: readonly string[]): TeardownStep =>
  deleteParameters(
    TEARDOWN_IDS.parameters,
    'delete the services’ SSM parameters',
    (name, prefix) => selected.includes(parameterOwner(name, prefix, declared) ?? ''),
    (prefix) => selected.map((s) => `${prefix}/${s}/*`).join(', '),
    false,
  )

/** The parameters under the prefix that are no declared service's. */
export const deleteSharedParametersStep = (declared: readonly string[]): TeardownStep =>
  deleteParameters(
    TEARDOWN_IDS.sharedParameters,
    'delete the shared SSM parameters',
    (name, prefix) => parameterOwner(name, prefix, declared) === undefined,
    (prefix) => `${prefix}/* (outside the services’ folders)`,
    true,
  )
