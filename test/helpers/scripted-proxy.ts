// A proxy in front of moto that answers chosen AWS calls itself, with what AWS really returns,
// so the kit's real SDK path runs for what moto does not model (tasks of a service, ECR's
// layer download URLs). Every other call goes to moto untouched. Tests that use it say so in
// their names.
import { createServer, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ScriptedCall {
  /** The action: the X-Amz-Target's last part (JSON protocols) or the query's Action. */
  action: string
  /** The request body, parsed as JSON for JSON protocols, else the raw text. */
  body: unknown
}

export interface ScriptedAnswer {
  status?: number
  /** JSON-protocol answers: an object (sent as application/x-amz-json-1.1). */
  json?: unknown
  /** Query-protocol answers (ELBv2, EC2...): the XML body as AWS writes it (sent as text/xml). */
  xml?: string
  /** Instead of `json`: forward to moto and change its JSON answer (e.g. add events moto never records). */
  edit?: (upstream: Record<string, unknown>) => unknown
}

export type Script = (call: ScriptedCall) => ScriptedAnswer | undefined

export interface ScriptedProxy {
  url: string
  /** Actions answered by the script, in order. */
  answered: string[]
  /** Every action seen, answered or forwarded. */
  seen: string[]
  /** Every call seen, with its request body (what the kit asked for, where moto keeps less). */
  calls: ScriptedCall[]
  stop(): Promise<void>
}

function actionOf(req: IncomingMessage, text: string): string {
  const target = req.headers['x-amz-target']
  if (typeof target === 'string') return target.split('.').pop() as string
  return new URLSearchParams(text).get('Action') ?? `${req.method} ${req.url}`
}

export async function startScriptedProxy(target: string, script: Script): Promise<ScriptedProxy> {
  const upstream = new URL(target)
  const answered: string[] = []
  const seen: string[] = []
  const calls: ScriptedCall[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const text = raw.toString('utf8')
      const action = actionOf(req, text)
      seen.push(action)
      let body: unknown = text
      if (req.headers['x-amz-target']) {
        try {
          body = JSON.parse(text || '{}')
        } catch {
          body = text
        }
      }
      calls.push({ action, body })
      const answer = script({ action, body })
      if (answer?.edit) {
        const edit = answer.edit
        const forward = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          const parts: Buffer[] = []
          up.on('data', (c: Buffer) => parts.push(c))
          up.on('end', () => {
            answered.push(action)
            const edited = JSON.stringify(edit(JSON.parse(Buffer.concat(parts).toString('utf8') || '{}')))
            const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(edited)) }
            delete headers['transfer-encoding']
            res.writeHead(up.statusCode ?? 200, headers).end(edited)
          })
        })
        forward.on('error', (e) => res.writeHead(502).end(String(e)))
        forward.end(raw)
        return
      }
      if (answer?.xml !== undefined) {
        answered.push(action)
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/xml', 'x-amzn-requestid': 'scripted' }).end(answer.xml)
        return
      }
      if (answer) {
        answered.push(action)
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'scripted' }).end(JSON.stringify(answer.json ?? {}))
        return
      }
      const forward = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      forward.on('error', (e) => res.writeHead(502).end(String(e)))
      forward.end(raw)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    seen,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
