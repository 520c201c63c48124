import './helpers/guard.js'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as assert from 'uvu/assert'
import { imageDemo } from '../lib/images/demo.js'
import { onPath } from '../lib/core/shell.js'
import { dockerSuite } from './helpers/docker.js'
import { resetMoto } from './helpers/moto.js'

const { test } = dockerSuite("npm run demo's image part (lib/images/demo.ts) against a real dockerd, its own local registry, moto")

test('builds, pushes to a local registry and runs the image to a healthy verdict; leaves nothing behind', async () => {
  await resetMoto()
  const lines: string[] = []
  const result = await imageDemo({ ...process.env }, (line) => lines.push(line))
  const out = lines.join('\n')
  assert.equal(result, { ok: true }, out)
  assert.match(out, /\$ \.\/scripts\/image\/build backend-flask/)
  assert.match(out, /Pushed 127\.0\.0\.1:\d+\/backend-flask:demo sha256:/)
  assert.match(out, /\[OK\] backend-flask is healthy after/)
  assert.match(out, 'secrets CONNECTION_URL from SSM')
  assert.not.match(out, 'demo-image-password')
})

test('without docker it does nothing and says plainly why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-node-'))
  try {
    symlinkSync(process.execPath, join(dir, 'node'))
    const result = await imageDemo({ ...process.env, PATH: dir }, () => {})
    assert.equal(result, { skipped: 'docker is not installed (Debian/Ubuntu: sudo apt-get install docker.io)', ok: false })
    // docker, the registry and htpasswd, but no dockerd to start a private daemon with.
    const tools = mkdtempSync(join(tmpdir(), 'kit-tools-'))
    try {
      for (const program of ['docker', 'docker-registry', 'htpasswd']) symlinkSync(onPath(program) as string, join(tools, program))
      const down = await imageDemo({ ...process.env, PATH: `${dir}:${tools}`, DOCKER_HOST: `unix://${join(dir, 'none.sock')}` }, () => {})
      assert.equal(down, { skipped: 'the Docker daemon is not running (start it: sudo systemctl start docker)', ok: false })
    } finally {
      rmSync(tools, { recursive: true, force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
