// The two IAM roles a Fargate task runs with (the guide's `aws iam create-role`,
// `put-role-policy` and `attach-role-policy`), idempotent:
//  - the execution role ECS itself uses to pull the image, write the container's logs and
//    read the SSM parameters the task definition's `secrets` name;
//  - the task role the app runs as: ECS Exec's ssmmessages channels and X-Ray writes.
// CloudWatchFullAccess, which the guide attaches, is deliberately not granted: see
// policies/README.md. Policies are the files in policies/, rendered with the real account.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type AttachedPolicy,
  type Role,
} from '@aws-sdk/client-iam'
import { awsErrorIs } from '../aws/clients.js'
import type { KitNames } from '../config/names.js'
import type { ServiceDeclaration } from '../config/services.js'
import { partitionOf } from '../aws/arns.js'
import { decodePolicy } from '../aws/iam.js'
import { checkTemplate, type Change, type Step, type StepContext } from './step.js'

export const TRUST_POLICY_FILE = 'policies/service-assume-role-execution-policy.json'
export const EXECUTION_POLICY_FILE = 'policies/service-execution-policy.json'
export const TASK_POLICY_FILE = 'policies/task-role-policy.json'
/** Trust for the role ECS itself assumes to shift a routed service's traffic (ecs.amazonaws.com, not ecs-tasks). */
export const TRAFFIC_SHIFT_TRUST_FILE = 'policies/ecs-infrastructure-assume-role-policy.json'
export const POLICY_FILES = [TRUST_POLICY_FILE, EXECUTION_POLICY_FILE, TASK_POLICY_FILE, TRAFFIC_SHIFT_TRUST_FILE] as const

/**
 * The role ECS assumes to change the front door's listener rules during a CANARY, LINEAR or
 * BLUE_GREEN deployment (loadBalancers[].advancedConfiguration.roleArn), with AWS's managed
 * AmazonECSInfrastructureRolePolicyForLoadBalancers. Made only when a routed service of the run
 * declares one of those strategies.
 */
export const TRAFFIC_SHIFT_ROLE = 'CruddurECSInfrastructureRole'
export const TRAFFIC_SHIFT_POLICY = 'AmazonECSInfrastructureRolePolicyForLoadBalancers'

/** Whether any of these services has ECS shift its traffic through the front door (the role above is needed). Pure. */
export const needsTrafficShiftRole = (services: ReadonlyArray<Pick<ServiceDeclaration, 'deployment' | 'frontDoor'>>): boolean =>
  services.some((s) => s.deployment.strategy !== 'ROLLING' && s.frontDoor !== undefined)

/** Managed policies the guide attaches that the kit does not grant (policies/README.md says why). */
export const NOT_GRANTED = ['CloudWatchFullAccess'] as const

/** A role the step makes: its trust policy's file (default TRUST_POLICY_FILE), an inline policy or none, managed policies. */
interface AnyRoleSpec {
  role: string
  trustFile?: string
  inlinePolicy?: string
  inlineFile?: string
  managed: string[]
}

interface RoleSpec extends AnyRoleSpec {
  inlinePolicy: string
  inlineFile: string
  /** AWS managed policy names to attach. */
  managed: string[]
}

/** The roles, their inline policies and managed attachments, from the kit's names. Pure. */
export function roleSpecs(names: KitNames): RoleSpec[] {
  return [
    { role: names.executionRole, inlinePolicy: names.executionPolicy, inlineFile: EXECUTION_POLICY_FILE, managed: [] },
    { role: names.taskRole, inlinePolicy: names.taskRolePolicy, inlineFile: TASK_POLICY_FILE, managed: ['AWSXRayDaemonWriteAccess'] },
  ]
}

/** The roles the step makes for a run: the task roles, and ECS's traffic-shift role when a service needs it. Pure. */
export function runRoleSpecs(names: KitNames, services: ReadonlyArray<Pick<ServiceDeclaration, 'deployment' | 'frontDoor'>>): AnyRoleSpec[] {
  const shift: AnyRoleSpec[] = needsTrafficShiftRole(services) ? [{ role: TRAFFIC_SHIFT_ROLE, trustFile: TRAFFIC_SHIFT_TRUST_FILE, managed: [TRAFFIC_SHIFT_POLICY] }] : []
  return [...roleSpecs(names), ...shift]
}

export const managedPolicyArn = (region: string, name: string): string => `arn:${partitionOf(region)}:iam::aws:policy/${name}`

const STRING_LISTS = ['Action', 'NotAction', 'Resource', 'NotResource'] as const

const asSortedList = (value: unknown): unknown =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? [...value].map(String).sort() : value

/** JSON with object keys sorted, so key order never counts as a difference. Pure. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * A policy document in a form where equal policies are equal strings: one statement or a
 * list, "x" or ["x"], any order of actions, resources, principals, statements or keys. Pure.
 */
export function normalizePolicy(document: unknown): string {
  if (!document || typeof document !== 'object') return canonical(document)
  const doc = { ...(document as Record<string, unknown>) }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement]
  doc.Statement = statements
    .map((s: unknown) => {
      if (!s || typeof s !== 'object') return canonical(s)
      const statement = { ...(s as Record<string, unknown>) }
      for (const key of STRING_LISTS) if (key in statement) statement[key] = asSortedList(statement[key])
      for (const key of ['Principal', 'NotPrincipal']) {
        const principal = statement[key]
        if (principal && typeof principal === 'object' && !Array.isArray(principal)) {
          statement[key] = Object.fromEntries(Object.entries(principal).map(([k, v]) => [k, asSortedList(v)]))
        }
      }
      return canonical(statement)
    })
    .sort()
  return canonical(doc)
}

/** Whether two policy documents grant the same. Pure. */
export const samePolicy = (a: unknown, b: unknown): boolean => normalizePolicy(a) === normalizePolicy(b)


const isNoSuchEntity = (error: unknown): boolean => awsErrorIs(error, /^NoSuchEntity(Exception)?$/)
const isAlreadyExists = (error: unknown): boolean => awsErrorIs(error, /^EntityAlreadyExists(Exception)?$/)

async function getRole(iam: IAMClient, name: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined
    throw error
  }
}

async function attachedPolicies(iam: IAMClient, role: string): Promise<AttachedPolicy[]> {
  const all: AttachedPolicy[] = []
  let marker: string | undefined
  do {
    const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role, Marker: marker }))
    all.push(...(page.AttachedPolicies ?? []))
    marker = page.IsTruncated ? page.Marker : undefined
  } while (marker)
  return all
}

/** The role itself and its trust policy. `exists` is false only under --dry-run for a role still to create. */
async function ensureRole(iam: IAMClient, ctx: StepContext, name: string, trust: unknown, trustFile = TRUST_POLICY_FILE): Promise<{ change: Change; exists: boolean }> {
  const trustText = JSON.stringify(trust)
  let role = await getRole(iam, name)
  if (!role) {
    const change: Change = { resource: 'iam role', name, outcome: 'created', detail: `trust: ${trustFile}` }
    if (ctx.dryRun) return { change, exists: false }
    try {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustText }))
      return { change, exists: true }
    } catch (error) {
      // Created by a concurrent run between our read and our write: compare what it holds.
      if (!isAlreadyExists(error)) throw error
      role = await getRole(iam, name)
      if (!role) throw error
    }
  }
  if (!samePolicy(decodePolicy(role.AssumeRolePolicyDocument), trust)) {
    if (!ctx.dryRun) await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustText }))
    return { change: { resource: 'iam role', name, outcome: 'updated', detail: `trust policy differed from ${trustFile}` }, exists: true }
  }
  const trusted = trustFile === TRUST_POLICY_FILE ? 'ecs-tasks.amazonaws.com' : 'ecs.amazonaws.com'
  return { change: { resource: 'iam role', name, outcome: 'unchanged', detail: `trusted by ${trusted}` }, exists: true }
}

async function ensureInlinePolicy(iam: IAMClient, ctx: StepContext, spec: Required<Pick<AnyRoleSpec, 'role' | 'inlinePolicy' | 'inlineFile'>>, roleExists: boolean): Promise<Change> {
  const document = ctx.render(spec.inlineFile)
  const put = () => iam.send(new PutRolePolicyCommand({ RoleName: spec.role, PolicyName: spec.inlinePolicy, PolicyDocument: JSON.stringify(document) }))
  const change = (outcome: Change['outcome'], detail: string): Change => ({ resource: 'iam inline policy', name: spec.inlinePolicy, outcome, detail })
  let current: string | undefined
  if (roleExists) {
    try {
      current = (await iam.send(new GetRolePolicyCommand({ RoleName: spec.role, PolicyName: spec.inlinePolicy }))).PolicyDocument
    } catch (error) {
      if (!isNoSuchEntity(error)) throw error
    }
  }
  if (current === undefined) {
    if (!ctx.dryRun) await put()
    return change('created', `on ${spec.role}, from ${spec.inlineFile}`)
  }
  if (!samePolicy(decodePolicy(current), document)) {
    if (!ctx.dryRun) await put()
    return change('updated', `on ${spec.role}: differed from ${spec.inlineFile}`)
  }
  return change('unchanged', `on ${spec.role}`)
}

async function ensureRoleSetup(iam: IAMClient, ctx: StepContext, spec: AnyRoleSpec, trust: unknown): Promise<Change[]> {
  const { change: roleChange, exists } = await ensureRole(iam, ctx, spec.role, spec.trustFile ? ctx.render(spec.trustFile) : trust, spec.trustFile)
  const { inlinePolicy, inlineFile } = spec
  // The inline policy and the attachments are independent: read (and fix) them at once.
  const [inline, attached] = await Promise.all([
    inlinePolicy && inlineFile ? ensureInlinePolicy(iam, ctx, { role: spec.role, inlinePolicy, inlineFile }, exists) : undefined,
    exists ? attachedPolicies(iam, spec.role) : [],
  ])
  const changes: Change[] = inline ? [roleChange, inline] : [roleChange]
  for (const policy of spec.managed) {
    const arn = managedPolicyArn(ctx.region, policy)
    if (attached.some((a) => a.PolicyArn === arn)) {
      changes.push({ resource: 'iam managed policy', name: policy, outcome: 'unchanged', detail: `attached to ${spec.role}` })
      continue
    }
    if (!ctx.dryRun) await iam.send(new AttachRolePolicyCommand({ RoleName: spec.role, PolicyArn: arn }))
    changes.push({ resource: 'iam managed policy', name: policy, outcome: 'created', detail: `attached to ${spec.role}` })
  }
  // Someone who followed the guide has CloudWatchFullAccess attached: say so, leave it alone
  // (detaching what the kit did not attach is the user's call).
  const extra = attached.filter((a) => (NOT_GRANTED as readonly string[]).includes(a.PolicyName ?? ''))
  if (extra.length > 0) {
    const list = extra.map((a) => a.PolicyName).join(', ')
    roleChange.detail = `${roleChange.detail}; ${list} is attached but not needed (policies/README.md): detach it`
  }
  return changes
}

export const iamRolesStep: Step = {
  id: 'iam/create-roles',
  title: 'IAM execution and task roles',
  needs: [],
  validate({ env }) {
    return POLICY_FILES.map((file) => checkTemplate(file, env)).filter((p): p is string => p !== undefined)
  },
  async run(ctx) {
    const iam = ctx.client(IAMClient, 'IAM')
    const trust = ctx.render(TRUST_POLICY_FILE)
    // Render every policy before any change, so a bad template changes nothing.
    const specs = runRoleSpecs(ctx.names, ctx.services)
    for (const spec of specs) for (const file of [spec.inlineFile, spec.trustFile]) if (file) ctx.render(file)
    const perRole = await Promise.all(specs.map((spec) => ensureRoleSetup(iam, ctx, spec, trust)))
    return perRole.flat()
  },
}
