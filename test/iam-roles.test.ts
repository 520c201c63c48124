import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  AttachRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam'
import { openContext } from '../lib/aws/context.js'
import { normalizePolicy, samePolicy } from '../lib/steps/iam-roles.js'
import { decodePolicy } from '../lib/aws/iam.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import type { StepsDocument } from '../lib/steps/apply.js'

const sdkContext = await openContext(process.env, { mode: 'read-only' })

const EXEC = 'CruddurServiceExecutionRole'
const TASK = 'CruddurTaskRole'
const XRAY = 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess'
const CW_FULL = 'arn:aws:iam::aws:policy/CloudWatchFullAccess'

const iam = sdkContext.client(IAMClient, 'IAM')

interface Statement {
  Sid?: string
  Action: string | string[]
  Resource: string | string[]
  Principal?: { Service: string | string[] }
}
interface Doc {
  Statement: Statement[]
}

const trustOf = async (role: string) => decodePolicy((await iam.send(new GetRoleCommand({ RoleName: role }))).Role?.AssumeRolePolicyDocument) as Doc
const inlineOf = async (role: string, policy: string) =>
  decodePolicy((await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policy }))).PolicyDocument) as Doc
const attachedTo = async (role: string) =>
  ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map((p) => p.PolicyArn)
const ourRoles = async () =>
  ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName).filter((n) => n === EXEC || n === TASK)
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v])

type Json = StepsDocument
const json = (stdout: string): Json => JSON.parse(stdout) as Json
const outcomeOf = (doc: Json, resource: string, name: string) =>
  doc.steps[0].changes.find((c) => c.resource === resource && c.name === name)?.outcome

const live = suite('iam/create-roles against moto')
live.before.each(async () => {
  await resetMoto()
})
live.after(() => {
  iam.destroy()
})

live('from empty: both roles trusted by ecs-tasks, the real ARNs in the policies, X-Ray attached, no CloudWatchFullAccess', async () => {
  const r = await runKit('iam/create-roles')
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, '5 created, 0 updated, 0 unchanged')

  for (const role of [EXEC, TASK]) {
    const trust = await trustOf(role)
    assert.equal(trust.Statement.flatMap((s) => list(s.Principal?.Service ?? [])), ['ecs-tasks.amazonaws.com'], role)
    assert.equal(trust.Statement.flatMap((s) => list(s.Action)), ['sts:AssumeRole'], role)
  }

  const exec = await inlineOf(EXEC, 'CruddurServiceExecutionPolicy')
  const ssm = exec.Statement.find((s) => list(s.Action).includes('ssm:GetParameters'))
  assert.equal(ssm?.Resource, 'arn:aws:ssm:eu-west-2:123456789012:parameter/cruddur/*')
  const logs = exec.Statement.find((s) => list(s.Action).includes('logs:PutLogEvents'))
  assert.equal(logs?.Resource, 'arn:aws:logs:eu-west-2:123456789012:log-group:/cruddur/fargate-cluster:*')
  assert.not.match(JSON.stringify(exec), '${', 'a placeholder was left unrendered')

  const task = await inlineOf(TASK, 'CruddurTaskPolicy')
  assert.equal(task.Statement.flatMap((s) => list(s.Action)).sort(), [
    'ssmmessages:CreateControlChannel',
    'ssmmessages:CreateDataChannel',
    'ssmmessages:OpenControlChannel',
    'ssmmessages:OpenDataChannel',
  ])

  assert.equal(await attachedTo(TASK), [XRAY])
  assert.equal(await attachedTo(EXEC), [])
  assert.not.ok((await attachedTo(TASK)).includes(CW_FULL))
})

live('second run: everything unchanged, nothing touched', async () => {
  assert.is((await runKit('iam/create-roles')).code, 0)
  const r = await runKit('iam/create-roles', ['--json'])
  assert.is(r.code, 0, r.all)
  const doc = json(r.stdout)
  assert.equal(doc.summary, { created: 0, updated: 0, unchanged: 5, failed: 0 })
  assert.is(doc.steps[0].id, 'iam/create-roles')
  assert.equal(await attachedTo(TASK), [XRAY])
})

live('drift: an inline policy replaced out of band is put back (updated)', async () => {
  assert.is((await runKit('iam/create-roles')).code, 0)
  const other = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }
  await iam.send(new PutRolePolicyCommand({ RoleName: TASK, PolicyName: 'CruddurTaskPolicy', PolicyDocument: JSON.stringify(other) }))

  const r = await runKit('iam/create-roles', ['--json'])
  assert.is(r.code, 0, r.all)
  const doc = json(r.stdout)
  assert.is(outcomeOf(doc, 'iam inline policy', 'CruddurTaskPolicy'), 'updated')
  assert.is(outcomeOf(doc, 'iam inline policy', 'CruddurServiceExecutionPolicy'), 'unchanged')
  assert.equal(doc.summary.updated, 1)

  const task = await inlineOf(TASK, 'CruddurTaskPolicy')
  const actions = task.Statement.flatMap((s) => list(s.Action))
  assert.not.ok(actions.includes('s3:*'), 'the out-of-band grant is still there')
  assert.ok(actions.includes('ssmmessages:OpenDataChannel'))
})

live('drift: a trust policy changed out of band is put back; a detached X-Ray policy is re-attached', async () => {
  assert.is((await runKit('iam/create-roles')).code, 0)
  const ec2Trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }] }
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: EXEC, PolicyDocument: JSON.stringify(ec2Trust) }))
  await iam.send(new DetachRolePolicyCommand({ RoleName: TASK, PolicyArn: XRAY }))

  const r = await runKit('iam/create-roles', ['--json'])
  assert.is(r.code, 0, r.all)
  const doc = json(r.stdout)
  assert.is(outcomeOf(doc, 'iam role', EXEC), 'updated')
  assert.is(outcomeOf(doc, 'iam role', TASK), 'unchanged')
  assert.is(outcomeOf(doc, 'iam managed policy', 'AWSXRayDaemonWriteAccess'), 'created')

  const trust = await trustOf(EXEC)
  assert.equal(trust.Statement.flatMap((s) => list(s.Principal?.Service ?? [])), ['ecs-tasks.amazonaws.com'])
  assert.equal(await attachedTo(TASK), [XRAY])
})

live('--dry-run on an empty account: reports the plan, creates nothing', async () => {
  const r = await runKit('iam/create-roles', ['--dry-run'])
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, 'plan: 5 to create, 0 to update, 0 unchanged')
  assert.match(r.stdout, `would create iam role ${TASK}`)
  assert.equal(await ourRoles(), [])
})

live('--dry-run with drift: reports the update, leaves the drift in place', async () => {
  assert.is((await runKit('iam/create-roles')).code, 0)
  const other = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }
  await iam.send(new PutRolePolicyCommand({ RoleName: EXEC, PolicyName: 'CruddurServiceExecutionPolicy', PolicyDocument: JSON.stringify(other) }))
  await iam.send(new DetachRolePolicyCommand({ RoleName: TASK, PolicyArn: XRAY }))

  const r = await runKit('iam/create-roles', ['--dry-run', '--json'])
  assert.is(r.code, 0, r.all)
  const doc = json(r.stdout)
  assert.is(outcomeOf(doc, 'iam inline policy', 'CruddurServiceExecutionPolicy'), 'updated')
  assert.is(outcomeOf(doc, 'iam managed policy', 'AWSXRayDaemonWriteAccess'), 'created')
  assert.equal((await inlineOf(EXEC, 'CruddurServiceExecutionPolicy')).Statement.flatMap((s) => list(s.Action)), ['s3:*'])
  assert.equal(await attachedTo(TASK), [])
})

live('a role set up by the guide (CloudWatchFullAccess attached): said so, left alone', async () => {
  assert.is((await runKit('iam/create-roles')).code, 0)
  await iam.send(new AttachRolePolicyCommand({ RoleName: TASK, PolicyArn: CW_FULL }))
  const r = await runKit('iam/create-roles')
  assert.is(r.code, 0, r.all)
  assert.match(r.stdout, /iam role CruddurTaskRole: .*CloudWatchFullAccess is attached but not needed/)
  assert.ok((await attachedTo(TASK)).includes(CW_FULL), 'the kit detached a policy it did not attach')
})

live('two runs at once both succeed (create races are treated as found)', async () => {
  const [a, b] = await Promise.all([runKit('iam/create-roles'), runKit('iam/create-roles')])
  assert.is(a.code, 0, a.all)
  assert.is(b.code, 0, b.all)
  assert.equal((await ourRoles()).sort(), [EXEC, TASK].sort())
  assert.equal(await attachedTo(TASK), [XRAY])
})

live('bad input (SSM_PREFIX without a leading /): exit 2, one line, nothing created', async () => {
  const r = await runKit('iam/create-roles', [], { env: { SSM_PREFIX: 'cruddur/backend-flask' } })
  assert.is(r.code, 2, r.all)
  assert.is(r.stdout, '')
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, 'SSM_PREFIX must start with "/"')
  assert.equal(await ourRoles(), [])
})

live('bad input (AWS_ACCOUNT_ID not 12 digits): exit 2, one line, nothing created', async () => {
  const r = await runKit('iam/create-roles', [], { env: { AWS_ACCOUNT_ID: '12345' } })
  assert.is(r.code, 2, r.all)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, 'AWS_ACCOUNT_ID must be 12 digits')
  assert.equal(await ourRoles(), [])
})

live('--help: exit 0, names the variables and the README', async () => {
  const r = await runKit('iam/create-roles', ['--help'])
  assert.is(r.code, 0)
  for (const text of ['--dry-run', '--json', 'EXECUTION_ROLE_NAME', 'TASK_ROLE_NAME', 'SSM_PREFIX', 'policies/README.md']) assert.match(r.stdout, text)
})

live.run()

const pure = suite('IAM policy comparison (pure)')

pure('"x" and ["x"], key order and statement order are the same policy', () => {
  const a = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['b:Two', 'a:One'], Resource: '*', Principal: { Service: 'ecs-tasks.amazonaws.com' } },
      { Effect: 'Allow', Action: 'c:Three', Resource: ['arn:x'] },
    ],
  }
  const b = {
    Statement: [
      { Resource: 'arn:x', Action: ['c:Three'], Effect: 'Allow' },
      { Principal: { Service: ['ecs-tasks.amazonaws.com'] }, Resource: ['*'], Action: ['a:One', 'b:Two'], Effect: 'Allow' },
    ],
    Version: '2012-10-17',
  }
  assert.ok(samePolicy(a, b), `${normalizePolicy(a)}\n${normalizePolicy(b)}`)
  assert.ok(samePolicy({ Version: '1', Statement: { Effect: 'Allow', Action: 'x', Resource: '*' } }, { Version: '1', Statement: [{ Effect: 'Allow', Action: ['x'], Resource: '*' }] }))
})

pure('a different action, resource, principal or extra statement is a different policy', () => {
  const base = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'a:One', Resource: '*', Principal: { Service: 'ecs-tasks.amazonaws.com' } }] }
  const variant = (change: Record<string, unknown>) => ({ ...base, Statement: [{ ...base.Statement[0], ...change }] })
  assert.not.ok(samePolicy(base, variant({ Action: 'a:Two' })))
  assert.not.ok(samePolicy(base, variant({ Resource: 'arn:aws:s3:::b' })))
  assert.not.ok(samePolicy(base, variant({ Principal: { Service: 'ec2.amazonaws.com' } })))
  assert.not.ok(samePolicy(base, variant({ Effect: 'Deny' })))
  assert.not.ok(samePolicy(base, { ...base, Statement: [...base.Statement, { Effect: 'Allow', Action: 's3:*', Resource: '*' }] }))
})

pure('IAM returns documents URL-encoded: decodePolicy reads both forms; garbage is undefined', () => {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:eu-west-2:1:parameter/a b/*' }] }
  assert.equal(decodePolicy(encodeURIComponent(JSON.stringify(doc))), doc)
  assert.equal(decodePolicy(JSON.stringify(doc)), doc)
  assert.is(decodePolicy('%E0%A4%A'), undefined)
  assert.is(decodePolicy(undefined), undefined)
})

pure.run()
