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
import { partitionOf } from '../aws/arns.js'
import { decodePolicy } from '../aws/iam.js'
import { checkTemplate, type Change, type Step, type StepContext } from './step.js'

export const TRUST_POLICY_FILE = 'policies/service-assume-role-execution-policy.json'
export const EXECUTION_POLICY_FILE = 'policies/service-execution-policy.json'
export const TASK_POLICY_FILE = 'policies/task-role-policy.json'
export const POLICY_FILES = [TRUST_POLICY_FILE, EXECUTION_POLICY_FILE, TASK_POLICY_FILE] as const

/** Managed policies the guide attaches that the kit does not grant (policies/README.md says why). */
export const NOT_GRANTED = ['CloudWatchFullAccess'] as const

interface RoleSpec {
  role: string
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
async function ensureRole(iam: IAMClient, ctx: StepContext, name: string, trust: unknown): Promise<{ change: Change; exists: boolean }> {
  const trustText = JSON.stringify(trust)
  let role = await getRole(iam, name)
  if (!role) {
    const change: Change = { resource: 'iam role', name, outcome: 'created', detail: `trust: ${TRUST_POLICY_FILE}` }
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
    return { change: { resource: 'iam role', name, outcome: 'updated', detail: `trust policy differed from ${TRUST_POLICY_FILE}` }, exists: true }
  }
  return { change: { resource: 'iam role', name, outcome: 'unchanged', detail: 'trusted by ecs-tasks.amazonaws.com' }, exists: true }
}

async function ensureInlinePolicy(iam: IAMClient, ctx: StepContext, spec: RoleSpec, roleExists: boolean): Promise<Change> {
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

async function ensureRoleSetup(iam: IAMClient, ctx: StepContext, spec: RoleSpec, trust: unknown): Promise<Change[]> {
  const { change: roleChange, exists } = await ensureRole(iam, ctx, spec.role, trust)
  // The inline policy and the attachments are independent: read (and fix) them at once.
  const [inline, attached] = await Promise.all([ensureInlinePolicy(iam, ctx, spec, exists), exists ? attachedPolicies(iam, spec.role) : []])
  const changes: Change[] = [roleChange, inline]
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
    for (const spec of roleSpecs(ctx.names)) ctx.render(spec.inlineFile)
    const perRole = await Promise.all(roleSpecs(ctx.names).map((spec) => ensureRoleSetup(iam, ctx, spec, trust)))
    return perRole.flat()
  },
}
