// The data the kit keeps unless asked (teardown --all): the ECR repositories with their
// images (lib/steps/ecr-repositories.ts) and the SSM parameters (lib/steps/ssm-parameters.ts).
import { DeleteRepositoryCommand, DescribeRepositoriesCommand, ECRClient, paginateListImages } from '@aws-sdk/client-ecr'
import { DeleteParametersCommand, paginateGetParametersByPath, SSMClient } from '@aws-sdk/client-ssm'
import { awsErrorIs } from '../aws/clients.js'
import type { Change, Step } from '../steps/step.js'
import { alreadyGone, deleted, TEARDOWN_IDS } from './options.js'

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export function deleteRepositoriesStep(): Step {
  return {
    id: TEARDOWN_IDS.repositories,
    title: 'delete the ECR repositories and their images',
    needs: [],
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
      return Promise.all(ctx.names.repositories.map(one))
    },
  }
}

const DELETE_BATCH = 10

/** Every parameter under the kit's SSM prefix (its services' parameters live there). */
export function deleteParametersStep(): Step {
  return {
    id: TEARDOWN_IDS.parameters,
    title: 'delete the SSM parameters',
    needs: [],
    async run(ctx) {
      const ssm = ctx.client(SSMClient, 'SSM')
      const prefix = ctx.names.ssmPrefix
      const names: string[] = []
      // Names only: the values are never asked for.
      for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: prefix, Recursive: true, WithDecryption: false })) {
        for (const p of page.Parameters ?? []) if (p.Name) names.push(p.Name)
      }
      if (names.length === 0) return [alreadyGone('ssm parameters', `${prefix}/*`, 'none left')]
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
