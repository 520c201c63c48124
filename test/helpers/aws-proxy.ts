// A recording, fault-injecting proxy in front of moto. Tests point a script's
// AWS_ENDPOINT_URL here to count the API calls it makes (by service and action), to answer
// chosen calls with 503s or throttling, and to hold a call unanswered (a run "killed
// half-way"). Everything else is forwarded to moto untouched.
import { spawn } from 'node:child_process'
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Test } from 'uvu'
import { ROOT } from '../../lib/config/paths.js'
import { resetMoto } from './moto.js'
import { waitFor } from './net.js'

export interface Call {
  service: string
  action: string
}

export interface Fault {
  /** Which calls: e.g. (c) => c.action === 'CreateRepository'. */
  match: (call: Call) => boolean
  /** How many matching calls to answer with the fault. */
  times: number
  /** denied: AWS's answer to a caller without the permission (AccessDeniedException / AccessDenied). */
  kind: '503' | 'throttle' | 'hold' | 'denied'
}

export interface AwsProxy {
  url: string
  calls: Call[]
  /** Calls that change something: every action not starting Describe/Get/List, and no REST GET (Route 53's reads). */
  mutations(): Call[]
  inject(fault: Fault): void
  /** Answer every held call (forwarding it) and stop holding. */
  release(): void
  reset(): void
  stop(): Promise<void>
}

const READ_ONLY = /^(Describe|Get|List|GET |HEAD )/

export function isMutation(call: Call): boolean {
  return !READ_ONLY.test(call.action)
}

function identify(req: IncomingMessage, body: string): Call {
  const auth = String(req.headers.authorization ?? '')
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown'
  const target = req.headers['x-amz-target']
  if (typeof target === 'string') return { service, action: target.split('.').pop() as string }
  const action = new URLSearchParams(body).get('Action')
  return { service, action: action ?? `${req.method} ${req.url}` }
}

function faultResponse(res: ServerResponse, call: Call, req: IncomingMessage, kind: '503' | 'throttle' | 'denied'): void {
  if (kind === 'denied') {
    const message = `User: arn:aws:iam::123456789012:user/student is not authorized to perform: ${call.service}:${call.action}`
    if (req.headers['x-amz-target']) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'AccessDeniedException', message }))
    } else {
      res
        .writeHead(403, { 'content-type': 'text/xml' })
        .end(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`)
    }
    return
  }
  if (kind === '503') {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable')
    return
  }
  if (req.headers['x-amz-target']) {
    res
      .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ __type: 'ThrottlingException', message: `Rate exceeded (${call.action})` }))
  } else {
    res
      .writeHead(400, { 'content-type': 'text/xml' })
      .end(`<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`)
  }
}

export async function startAwsProxy(target: string): Promise<AwsProxy> {
  const upstream = new URL(target)
  const calls: Call[] = []
  let faults: Fault[] = []
  let held: Array<() => void> = []
  let holding = true

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const upstreamReq = request(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
        upstreamRes.pipe(res)
      },
    )
    upstreamReq.on('error', (e) => res.writeHead(502).end(String(e)))
    upstreamReq.end(body)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const call = identify(req, body.toString('utf8'))
      if (call.service !== 'unknown') calls.push(call)
      const fault = faults.find((f) => f.times > 0 && f.match(call))
      if (fault) {
        fault.times -= 1
        if (fault.kind === 'hold') {
          if (holding) {
            held.push(() => forward(req, body, res))
            return
          }
        } else {
          faultResponse(res, call, req, fault.kind)
          return
        }
      }
      forward(req, body, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    mutations: () => calls.filter(isMutation),
    inject: (fault) => faults.push({ ...fault }),
    release() {
      holding = false
      for (const answer of held) answer()
      held = []
    },
    reset() {
      calls.length = 0
      faults = []
      held = []
      holding = true
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * A suite's recording proxy in front of moto (`target`): started before the suite's first test,
 * moto reset and the record cleared before each test, stopped after the suite. The handle
 * answers for the proxy of the moment, so scripts and checks defined before the suite can use it.
 */
export function recordingProxy<T>(suite: Test<T>, target: string): AwsProxy {
  let current: AwsProxy | undefined
  const started = (): AwsProxy => {
    if (!current) throw new Error('the recording proxy runs only while its suite does (it starts in the suite\'s before hook)')
    return current
  }
  suite.before(async () => {
    current = await startAwsProxy(target)
  })
  suite.before.each(async () => {
    await resetMoto(target)
    started().reset()
  })
  suite.after(async () => {
    await started().stop()
  })
  return {
    get url() {
      return started().url
    },
    get calls() {
      return started().calls
    },
    mutations: () => started().mutations(),
    inject: (fault) => started().inject(fault),
    release: () => started().release(),
    reset: () => started().reset(),
    stop: () => started().stop(),
  }
}

/**
 * A proxy for one part of a test: `start` it (startAwsProxy(moto), startScriptedProxy(moto, script);
 * or give one started, to read its record afterwards), run `use` with it, stop it whatever
 * happened. What `use` returns.
 */
export async function withProxy<P extends { stop(): Promise<void> }, R>(start: P | Promise<P>, use: (proxy: P) => Promise<R>): Promise<R> {
  const proxy = await start
  try {
    return await use(proxy)
  } finally {
    await proxy.stop()
  }
}

/**
 * A run killed half-way: hold the next `times` calls of `action` at the proxy, start the kit's
 * scripts/<script> through it (env over this process's, AWS_ENDPOINT_URL the proxy), and kill it
 * (SIGKILL) once it has made that call. The held calls stay held: the caller releases or drops them.
 */
export async function killWhileHeld(
  proxy: AwsProxy,
  script: string,
  env: Record<string, string | undefined>,
  hold: { action: string; times: number },
  args: string[] = [],
): Promise<void> {
  proxy.inject({ match: (c) => c.action === hold.action, times: hold.times, kind: 'hold' })
  const child = spawn(join(ROOT, 'scripts', script), args, { env: { ...process.env, ...env, AWS_ENDPOINT_URL: proxy.url }, stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  await waitFor(`${script} to reach ${hold.action}`, async () => proxy.calls.some((c) => c.action === hold.action), 30000)
  child.kill('SIGKILL')
  await exited
}
