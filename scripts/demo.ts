// The main job, locally: provision the whole stack into a local AWS emulator twice (the second
// run must change nothing), show what exists, and stop the emulator (lib/demo/demo.ts).
import { runDemo } from '../lib/demo/demo.js'
import { runScript } from '../lib/core/boundary.js'

await runScript(
  {
    name: 'demo',
    summary:
      'Provision the whole stack into a local moto emulator (started here unless AWS_ENDPOINT_URL points at one), ' +
      'run provision again to show nothing changes, list what exists; when Docker is there (a private dockerd it starts as root when no daemon answers), build, push and run an image locally, ' +
      'then deploy that image (with a scripted clean rollout) and show its status; show logs, tear everything down, and stop the emulator. ' +
      'Uses throwaway secrets; never real AWS.',
    options: {},
    env: [{ name: 'AWS_ENDPOINT_URL', description: 'a running local emulator to use instead of starting moto (loopback only)' }],
  },
  runDemo,
)
