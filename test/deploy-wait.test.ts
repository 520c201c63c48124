import './helpers/guard.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { elapsed, Progress } from '../lib/deploy/wait.js'
import { isTransientAwsError } from '../lib/aws/clients.js'
import { NotAwsApiError } from '../lib/aws/clients.js'
import { describeError } from '../lib/core/describe-error.js'

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

p('a wait polls again after a timeout, a 5xx page or throttling, not after an AWS refusal', () => {
  const page503 = new NotAwsApiError('http://127.0.0.1:4566', 'ECS DescribeServices', 'eu-west-2', 503, 'an HTML page')
  assert.ok(isTransientAwsError(page503))
  assert.ok(isTransientAwsError(Object.assign(new Error('a request has exceeded the configured 4000 ms requestTimeout'), { name: 'TimeoutError' })))
  assert.ok(isTransientAwsError(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })))
  assert.ok(isTransientAwsError(Object.assign(new Error('internal'), { name: 'ServerException', $metadata: { httpStatusCode: 500 } })))
  assert.not.ok(isTransientAwsError(Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })))
  assert.not.ok(isTransientAwsError(Object.assign(new Error('no'), { name: 'ClusterNotFoundException', $metadata: { httpStatusCode: 400 } })))
  // The same 503 page, when it ends a command: an unavailable endpoint, not one that does not speak the API.
  const line = describeError(page503).line
  assert.match(line, /http:\/\/127\.0\.0\.1:4566 is unavailable: it answered ECS DescribeServices in eu-west-2 with HTTP 503/)
  assert.not.match(line, /does not speak/)
})

p.run()
