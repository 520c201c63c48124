import './helpers/guard.js'
// The README's figures are the kit's own output: each is computed here by running the kit,
// and the README must state exactly that, so a figure cannot drift from what the kit does.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ROOT } from '../lib/config/paths.js'
import { usd } from '../lib/cost/estimate.js'
import { DEFAULT_ASSUMPTIONS } from '../lib/cost/workload.js'
import { VERIFY_CHECKS } from '../lib/verify/verify.js'
import { resetMoto } from './helpers/moto.js'
import { runKit } from './helpers/run.js'
import { STACK_ENV } from './helpers/stack.js'

const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

/** The README says `text`, verbatim. */
const says = (text: string) => assert.ok(README.includes(text), `README.md does not say: ${text}`)

/** Both declared services (ECS_SERVICES unset), the shipped prices. */
async function cost(args: string[], env: Record<string, string | undefined> = {}) {
  const r = await runKit('cost', args, { env: { ECS_SERVICES: undefined, LOG_RETENTION_DAYS: undefined, ...env } })
  assert.is(r.code, 0, r.all)
  return r
}
const costJson = async (args: string[], env: Record<string, string | undefined> = {}) =>
  JSON.parse((await cost([...args, '--json'], env)).stdout) as { monthlyUsd: number; items: Array<{ kind: string; monthlyUsd: number }> }

const readme = suite('README.md states the figures the kit computes')

readme('cost: the us-east-1 sample is the real output, line for line', async () => {
  const r = await cost([], { AWS_DEFAULT_REGION: 'us-east-1' })
  const block = /\$ AWS_DEFAULT_REGION=us-east-1 \.\/scripts\/cost\n([\s\S]*?)\n```/.exec(README)?.[1]
  assert.ok(block, 'the cost sample is in the README')
  const shown = block.split('\n').filter((line) => line.trim() !== '…')
  assert.ok(shown.length >= 8, block)
  const output = r.stdout.split('\n')
  for (const line of shown) assert.ok(output.includes(line), `the sample's line is not in the output:\n${line}\noutput:\n${r.stdout}`)
})

readme('cost: one task before logs, both services in us-east-1 and eu-west-2, the NAT gateway the audit weighs', async () => {
  const task = await costJson(['--region', 'us-east-1', '--log-gb-per-task-month', '0', '--image-gb', '0', '--albs', '0'], { ECS_SERVICES: 'backend-flask' })
  const east = await costJson(['--region', 'us-east-1'])
  const london = await costJson(['--region', 'eu-west-2'])
  // The task's own lines: its Fargate vCPU and memory and its address (not the alarms and Container Insights around it).
  const taskOnly = task.items.filter((i) => i.kind.startsWith('fargate-') || i.kind === 'public-ipv4').reduce((t, i) => t + i.monthlyUsd, 0)
  says(`A 0.25 vCPU / 0.5 GB x86 task with a public IP costs ${usd(taskOnly)} a month in us-east-1 before logs;`)
  says("both services with the assumed logs and images and the front door's load balancer,")
  says(`${usd(east.monthlyUsd)} (${usd(london.monthlyUsd)} in eu-west-2).`)
  says(`(\`--alb-lcu\` or \`ALB_LCU\`,\ndefault ${DEFAULT_ASSUMPTIONS.albLcu} LCU all month`)
  const nat = (await costJson(['--region', 'us-east-1', '--nat-gateways', '1'])).items.find((i) => i.kind === 'nat-gateway')!
  says(`private subnets would cost ~${usd(nat.monthlyUsd)}/month more`)
  says(`(\`--log-gb-per-task-month\`, default ${DEFAULT_ASSUMPTIONS.logGbPerTaskMonth}, and \`LOG_RETENTION_DAYS\`)`)
})

readme("front door: the kit's bill and Express Mode's defaults side by side, each row the kit's own output", async () => {
  const env = { ALB_LCU: undefined }
  const rows = async (region: string, args: string[]) => {
    const doc = await costJson(['--region', region, ...args], env)
    const sum = (pick: (kind: string) => boolean) => usd(doc.items.filter((i) => pick(i.kind)).reduce((t, i) => t + i.monthlyUsd, 0))
    return {
      fargate: sum((k) => k.startsWith('fargate-')),
      taskIps: sum((k) => k === 'public-ipv4'),
      alb: sum((k) => k === 'alb'),
      lcu: sum((k) => k === 'alb-lcu'),
      albIps: sum((k) => k === 'alb-ipv4'),
      rest: sum((k) => k.startsWith('logs-') || k === 'ecr-storage'),
      watch: sum((k) => k === 'cloudwatch-alarms' || k === 'container-insights'),
      total: usd(doc.monthlyUsd),
    }
  }
  const [kit, express] = [await rows('us-east-1', []), await rows('us-east-1', ['--express-mode'])]
  const [kitLondon, expressLondon] = [await rows('eu-west-2', []), await rows('eu-west-2', ['--express-mode'])]
  says(`| Fargate, both services | ${kit.fargate} (0.25 vCPU / 0.5 GB each) | ${express.fargate} (1 vCPU / 2 GB each) |`)
  says(`| tasks' public IPv4 addresses | ${kit.taskIps} | ${express.taskIps} |`)
  says(`| ALB hours | ${kit.alb} | ${express.alb} |`)
  says(`| ALB LCU-hours (1 LCU assumed) | ${kit.lcu} | ${express.lcu} |`)
  says(`| ALB public IPv4 (2 AZs) | ${kit.albIps} | ${express.albIps} |`)
  says(`| logs and images | ${kit.rest} | ${express.rest} |`)
  says(`| rollback alarms and Container Insights | ${kit.watch} | ${express.watch} |`)
  says(`| total | ${kit.total} | ${express.total} |`)
  says(`| total in eu-west-2 | ${kitLondon.total} | ${expressLondon.total} |`)
  assert.ok(express.fargate !== kit.fargate, 'the sizes differ')
})

readme('verify: the checks per service, as a run against an empty account lists them', async () => {
  await resetMoto()
  const r = await runKit('verify', ['backend-flask', '--json'], { env: { ...STACK_ENV, ECR_REGISTRY: '127.0.0.1:9' } })
  const checks = (JSON.parse(r.stdout) as { checks: Array<{ check: string }> }).checks.map((c) => c.check)
  // Nothing exists: the image is not in ECR, so there is no platform to check.
  assert.equal(checks, VERIFY_CHECKS.filter((c) => c !== 'image platform'))
  says(`one line per check (${VERIFY_CHECKS.length} per service; ${checks.length} when the image is not in ECR, which leaves no platform to check)`)
})

readme('audit: the number of checks and the rules table are the rules the audit runs', async () => {
  const r = await runKit('audit', ['--local', '--json', '--fail-on', 'none'], { env: { AWS_DEFAULT_REGION: 'eu-west-2' } })
  assert.is(r.code, 0, r.all)
  const rules = (JSON.parse(r.stdout) as { rules: Array<{ id: string; severity: string }> }).rules
  says(`The guide's security advice as ${rules.length} checks`)
  const table = [...README.matchAll(/^\| (KIT-[A-Z0-9]+-\d{3}) \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`)
  assert.equal(table.sort(), rules.map((rule) => `${rule.id} ${rule.severity}`).sort())
})

readme("front door: the plan's lines are provision --dry-run's on a fresh account in us-east-1", async () => {
  await resetMoto()
  const r = await runKit('provision', ['--dry-run'], { env: { ...STACK_ENV, ECS_SERVICES: undefined, AWS_DEFAULT_REGION: 'us-east-1' } })
  assert.is(r.code, 0, r.all)
  const block = /AWS_DEFAULT_REGION=us-east-1\s+\.\/scripts\/provision --dry-run`, the front door's lines\):\n\n```\n([\s\S]*?)\n```/.exec(README)?.[1]
  assert.ok(block, 'the front door plan is in the README')
  const output = r.stdout.split('\n')
  for (const line of block.split('\n')) assert.ok(output.includes(line), `the README's plan line is not in the output:\n${line}\noutput:\n${r.stdout}`)
})

readme.run()
