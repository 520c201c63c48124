// A task definition family (the guide's `aws ecs register-task-definition --cli-input-json`),
// from task-definitions/FAMILY.json rendered with the real account, region, role ARNs and log
// group. Registering is not idempotent in ECS (every call adds a revision), so the step
// registers only when the rendered definition differs from the latest ACTIVE revision, as
// ecs-cli did. The template carries taskRoleArn: the guide leaves it empty, and ECS Exec
// then has no role to open its ssmmessages channels with.
import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { PRIMARY_SERVICE, type KitNames } from '../config/names.js'
import { ConfigError } from '../core/errors.js'
import { awsErrorIs } from '../aws/clients.js'
import { TASK_DEFINITIONS_DIR } from '../config/paths.js'
import { checkTemplate, type Change, type Step } from './step.js'
import { differences, summarizePaths } from '../core/diff.js'
import { templateNameProblem, templateNames } from '../templates/template.js'

export const templateFile = (family: string): string => `task-definitions/${family}.json`

/** The families there is a template for: task-definitions/*.json. */
export const availableFamilies = (dir = TASK_DEFINITIONS_DIR): string[] => templateNames(dir)

/** The step id for a family: plain for the guide's backend-flask, suffixed for any other. Pure. */
export const taskDefinitionStepId = (family: string): string =>
  family === PRIMARY_SERVICE ? 'ecs/register-task-definition' : `ecs/register-task-definition:${family}`

/** Why a family cannot be registered (bad name, no template), or undefined. */
export const familyProblem = (family: string, available = availableFamilies()): string | undefined =>
  templateNameProblem('task definition family', family, templateFile(family), available)

/** DescribeTaskDefinition's answer for a family with no ACTIVE revision. */
export const isMissingDefinition = (error: unknown): boolean =>
  awsErrorIs(error, 'ClientException', /unable to describe task definition|not found|does not exist/i)

export function taskDefinitionStep(family: string): Step {
  const file = templateFile(family)
  return {
    id: taskDefinitionStepId(family),
    title: `ECS task definition ${family}`,
    needs: ['iam/create-roles', 'logs/create-log-group'],
    validate(env) {
      const problem = familyProblem(family) ?? checkTemplate(file, env)
      return problem ? [problem] : []
    },
    async run(ctx) {
      const problem = familyProblem(family)
      if (problem) throw new ConfigError(problem)
      const desired = ctx.render(file) as Record<string, unknown>
      if (desired.family !== family) {
        throw new ConfigError(`${file}: "family" is ${JSON.stringify(desired.family)}, expected "${family}" (the file's name)`)
      }
      const ecs = ctx.client(ECSClient, 'ECS')
      let current
      try {
        current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }))
      } catch (error) {
        if (!isMissingDefinition(error)) throw error
      }
      const register = async (): Promise<number | undefined> => {
        const input = desired as unknown as RegisterTaskDefinitionCommandInput
        return (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition?.revision
      }
      const change = (outcome: Change['outcome'], detail: string): Change => ({ resource: 'task definition', name: family, outcome, detail })

      const latest = current?.taskDefinition
      if (!latest) {
        if (ctx.dryRun) return [change('created', 'first revision')]
        return [change('created', `${family}:${await register()}`)]
      }
      // Tags come back beside the definition, not in it.
      const paths = differences(desired, { ...latest, tags: current?.tags ?? [] })
      if (paths.length === 0) return [change('unchanged', `${family}:${latest.revision}`)]
      const differs = `differs in ${summarizePaths(paths)}`
      if (ctx.dryRun) return [change('updated', `new revision after ${family}:${latest.revision}, ${differs}`)]
      return [change('updated', `${family}:${await register()} (was :${latest.revision}; ${differs})`)]
    },
  }
}

/** One step per service the kit deploys (ECS_SERVICES), each family once. */
export function taskDefinitionSteps(families: readonly string[]): Step[] {
  return [...new Set(families)].map(taskDefinitionStep)
}

/** The families provision registers by default: one per service. */
export const defaultFamilies = (names: KitNames): string[] => names.services
