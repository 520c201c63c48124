// A role as AWS holds it: its trust policy and every policy document that applies to it, read
// once here for every command that judges what a role may do (verify, audit).
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type Role,
} from '@aws-sdk/client-iam'
import { awsErrorIs } from './clients.js'

export interface AttachedPolicy {
  name: string
  arn: string
  /** arn:...:iam::aws:policy/...: AWS's own, its document read only when asked for. */
  awsManaged: boolean
  /** Undefined when not read (AWS-managed, not asked for) or unreadable (allowed to fail). */
  document?: unknown
}

export interface RolePolicies {
  role: Role
  trust: unknown
  inline: Array<{ name: string; document: unknown }>
  attached: AttachedPolicy[]
}

export interface ReadRoleOptions {
  /** Read AWS-managed policies' documents too (default: only customer-managed ones). */
  awsManagedDocuments?: boolean
  /** A managed policy that cannot be read is left without a document instead of failing the read. */
  tolerateUnreadablePolicies?: boolean
}

/** A role with its trust and policy documents, or undefined when there is no such role. */
export async function readRolePolicies(iam: IAMClient, name: string, options: ReadRoleOptions = {}): Promise<RolePolicies | undefined> {
  let role: Role | undefined
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role
  } catch (error) {
    if (awsErrorIs(error, /^NoSuchEntity(Exception)?$/)) return undefined
    throw error
  }
  if (!role) return undefined
  const [inlineNames, attachedList] = await Promise.all([
    iam.send(new ListRolePoliciesCommand({ RoleName: name })),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name })),
  ])
  const inline = Promise.all(
    (inlineNames.PolicyNames ?? []).map(async (policyName) => ({
      name: policyName,
      document: decodePolicy((await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }))).PolicyDocument),
    })),
  )
  const attached = Promise.all(
    (attachedList.AttachedPolicies ?? []).map(async (p): Promise<AttachedPolicy> => {
      const arn = p.PolicyArn ?? ''
      const awsManaged = /^arn:[^:]+:iam::aws:policy\//.test(arn)
      const policy: AttachedPolicy = { name: p.PolicyName ?? arn, arn, awsManaged }
      if (awsManaged && !options.awsManagedDocuments) return policy
      try {
        const version = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId
        if (!version) return policy
        const document = decodePolicy((await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }))).PolicyVersion?.Document)
        return { ...policy, document }
      } catch (error) {
        if (options.tolerateUnreadablePolicies) return policy
        throw error
      }
    }),
  )
  return { role, trust: decodePolicy(role.AssumeRolePolicyDocument), inline: await inline, attached: await attached }
}

/** A policy document as IAM returns it (URL-encoded JSON), parsed; undefined when it does not parse. Pure. */
export function decodePolicy(text: string | undefined): unknown {
  if (text === undefined) return undefined
  for (const candidate of [text, safeDecode(text)]) {
    try {
      return JSON.parse(candidate)
    } catch {
      // try the next form
    }
  }
  return undefined
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
