#!/usr/bin/env zx
// A Gitpod prebuild's check of the stack: is everything provision makes there and as it
// should be, and could each service's task start (roles, parameters, image, log group)?
// Prints what is wrong, one line each, and exits 1 when anything is; 2 when the workspace
// has no AWS configuration yet (set it with gp env, see .env.example).
//
//   zx examples/prebuild-verify.mjs
import { openKit } from 'cruddur-ecs-kit'

const kit = await openKit()
let code = 0
for (const [name, check] of [['status', () => kit.status()], ['verify', () => kit.verify()]]) {
  try {
    await check()
    echo(chalk.green(`${name}: ok`))
  } catch (error) {
    code = Math.max(code, error.exitCode ?? 1)
    echo(chalk.red(`${name}: ${error.message}`))
    const doc = error.document
    // status: its resources and what verify and audit fail on (a state each); verify: its checks (a verdict each).
    const items = name === 'status' ? [...(doc?.resources ?? []), ...(doc?.checks ?? [])] : []
    for (const r of items.filter((r) => r.state !== 'ok')) echo(`  ${r.state} ${r.kind} ${r.name}${r.detail ? `: ${r.detail}` : ''}`)
    for (const c of name === 'verify' ? doc?.checks?.filter((c) => c.verdict === 'fail') ?? [] : []) echo(`  ${c.service} ${c.check}: ${c.detail}`)
    if (error.exitCode === 2) break
  }
}
process.exit(code)
