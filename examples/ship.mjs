#!/usr/bin/env zx
// Ship: bring the stack up, build and push every service's image, deploy each, and print
// where each one answers. What a Gitpod task runs after a merge:
//
//   zx examples/ship.mjs                     # tag = each service folder's git commit
//   zx examples/ship.mjs --tag v42           # build and push under this tag
//   zx examples/ship.mjs --skip-build --tag v42   # deploy what ECR already holds
//   zx examples/ship.mjs --json              # the kit's documents on stdout, progress on stderr
//
// Exits with the kit's code: 1 when a deploy failed (the verdict is printed), 2 on bad configuration.
import { openKit } from 'cruddur-ecs-kit'

const json = argv.json === true
// The tag is what the templates' ${IMAGE_TAG} names too, so status compares against what runs.
if (argv.tag !== undefined) process.env.IMAGE_TAG = String(argv.tag)
const log = json ? (line) => process.stderr.write(`${line}\n`) : (line) => echo(chalk.dim(line))
const kit = await openKit({ progress: log, $ })

try {
  const provision = await kit.provision()
  const deploys = []
  for (const service of await kit.services()) {
    let tag = argv.tag === undefined ? undefined : String(argv.tag)
    if (argv['skip-build'] !== true) {
      const built = await kit.build(service.name, tag ? { tag } : {})
      tag = (await kit.push(service.name, { tag: built.tag })).tag
    }
    const deployed = await kit.deploy(service.name, tag ? { tag } : {})
    if (!json) echo(`${service.name}: ${deployed.outcome}, ${deployed.reason}`)
    deploys.push(deployed)
  }
  // A status that finds something to look at still has the tasks' addresses: say it, go on.
  const status = await kit.status().catch((error) => {
    if (!error.document) throw error
    log(`status: ${error.message}`)
    return error.document
  })
  const ports = Object.fromEntries((await kit.services()).map((s) => [s.name, s.containerPort]))
  const urls = status.services.flatMap((s) => s.tasks.filter((t) => t.publicIp).map((t) => `http://${t.publicIp}:${ports[s.name]}`))
  if (json) echo(JSON.stringify({ provision, deploys, status, urls }, null, 2))
  else echo(urls.length ? urls.join('\n') : 'no task has a public IP yet: ./scripts/status shows the tasks')
} catch (error) {
  // One line and the script's exit code, as the kit's own scripts end.
  echo(chalk.red(`ship: ${error.message}`))
  if (json && error.document) echo(JSON.stringify(error.document, null, 2))
  process.exit(error.exitCode ?? 1)
}
