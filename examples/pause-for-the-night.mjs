#!/usr/bin/env zx
// End of the day: every service to 0 tasks (their counts remembered on the services), and
// what that saves a month. ./scripts/resume (or kit.resume()) brings them back in the morning.
//
//   zx examples/pause-for-the-night.mjs [--dry-run]
import { openKit } from 'cruddur-ecs-kit'

const kit = await openKit()
try {
  const paused = await kit.pause({ dryRun: argv['dry-run'] === true })
  for (const s of paused.services) echo(`${s.service}: ${s.action} (${s.detail})`)
  echo(paused.savings ?? 'nothing was running')
} catch (error) {
  echo(chalk.red(`pause: ${error.message}`))
  process.exit(error.exitCode ?? 1)
}
