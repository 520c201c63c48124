import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { elapsed, Progress } from '../lib/deploy/wait.js'

/** A stream that records what is written, as a terminal or not. */
function recorder(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = ''
  const stream = { isTTY, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream
  return { stream, text: () => text }
}

const p = suite('deploy wait: progress output')

p('on a terminal the live line is rewritten in place, and lines print above it', () => {
  const out = recorder(true)
  const progress = new Progress(out.stream)
  progress.live('… starting: 0/1 running (1s)', 'starting 0/1')
  progress.live('… starting: 0/1 running (2s)', 'starting 0/1')
  progress.line('  10:00:01  (service backend-flask) has started 1 tasks.')
  progress.done()
  assert.is(
    out.text(),
    '\r\x1b[2K… starting: 0/1 running (1s)' +
      '\r\x1b[2K… starting: 0/1 running (2s)' +
      '\r\x1b[2K  10:00:01  (service backend-flask) has started 1 tasks.\n… starting: 0/1 running (2s)' +
      '\r\x1b[2K',
  )
})

p('not on a terminal: plain lines, one per change of phase or counts, no control characters', () => {
  const out = recorder(false)
  const progress = new Progress(out.stream)
  progress.live('… starting: 0/1 running (1s)', 'starting 0/1')
  progress.live('… starting: 0/1 running (2s)', 'starting 0/1')
  progress.live('… settling: 1/1 running (3s)', 'settling 1/1')
  progress.line('event')
  progress.done()
  assert.is(out.text(), '… starting: 0/1 running (1s)\n… settling: 1/1 running (3s)\nevent\n')
})

p('elapsed time reads as seconds, then minutes', () => {
  assert.is(elapsed(4999), '4s')
  assert.is(elapsed(61000), '1m01s')
  assert.is(elapsed(900000), '15m00s')
})

p.run()
