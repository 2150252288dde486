// A model server that answers like MLflow's scoring server (`mlflow models serve`), with a real
// Iris model behind it. The demo, the tests and the benchmarks of switchyard put two of these
// behind the proxy, so it is plain node:http: no framework, no per-request logging, keep-alive on
// (Node's default for HTTP/1.1).
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkFault, faultBody, type Fault } from './fault.js'
import { trainModel, type ModelKind } from './iris.js'
import { asScoringError, parseInvocation } from './scoring.js'

export type { Fault } from './fault.js'

export interface ModelServerOptions {
  model: ModelKind
  /** Sent as `x-model-version` on every response and as the body of GET /version. */
  version: string
  /** Default 127.0.0.1. */
  host?: string
  /** Default 0: a free port, read it back from `port` or `url`. */
  port?: number
  /** A label for logs and the demo; default `<model>-<version>`. */
  name?: string
}

export interface ModelServer {
  readonly url: string
  readonly port: number
  readonly host: string
  readonly version: string
  readonly name: string
  readonly model: ModelKind
  /** Requests received so far, on every path (including ones a fault dropped). */
  readonly requests: number
  /** Stops listening, cuts short fault delays and streams, closes keep-alive sockets; resolves when all are gone. */
  close (): Promise<void>
  setFault (fault: Fault | null): void
}

const JSON_TYPE = 'application/json'
const TEXT_TYPE = 'text/plain; charset=utf-8'
const MAX_STREAM_CHUNKS = 10_000
const MAX_STREAM_DELAY_MS = 60_000

export async function startModelServer (options: ModelServerOptions): Promise<ModelServer> {
  const model = trainModel(options.model)
  const version = checkVersion(options.version)
  const host = options.host ?? '127.0.0.1'
  let fault: Readonly<Fault> | null = null
  let requests = 0
  let closed: Promise<void> | undefined
  // Responses waiting on a timer of ours (a fault delay, a gap between stream chunks): close()
  // ends them at once rather than keep a test waiting.
  const waiting = new Set<ServerResponse>()

  const server = createServer((req, res) => {
    requests++
    const url = req.url as string
    const query = url.indexOf('?')
    const path = query === -1 ? url : url.slice(0, query)
    const read = req.method === 'GET' || req.method === 'HEAD'
    switch (path) {
      case '/invocations':
        if (req.method !== 'POST') return notAllowed(res, path, 'POST')
        return readBody(req, res, fault, invoke)
      case '/ping':
      case '/health':
        if (!read) return notAllowed(res, path, 'GET')
        // MLflow answers its health check with a bare newline.
        return send(res, fault?.ping ?? 200, JSON_TYPE, '\n')
      case '/version':
        if (!read) return notAllowed(res, path, 'GET')
        return send(res, 200, TEXT_TYPE, version)
      case '/echo':
        if (req.method !== 'POST') return notAllowed(res, path, 'POST')
        return readBody(req, res, null, echo)
      case '/stream':
        if (!read) return notAllowed(res, path, 'GET')
        return stream(res, query === -1 ? '' : url.slice(query + 1))
      default:
        return send(res, 404, JSON_TYPE, JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: `no route ${req.method} ${path}` }))
    }
  })

  function invoke (req: IncomingMessage, res: ServerResponse, body: Buffer, current: Readonly<Fault> | null): void {
    if (current === null) return score(req, res, body)
    const { delayMs, destroy, status } = current
    const act = (): void => {
      if (destroy === true) req.socket.destroy()
      else if (status !== undefined) send(res, status, JSON_TYPE, faultBody(status))
      else score(req, res, body)
    }
    if (delayMs !== undefined && delayMs > 0) after(res, delayMs, act)
    else act()
  }

  function score (req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    let answer: string
    try {
      answer = JSON.stringify({ predictions: model.predict(parseInvocation(req.headers['content-type'], body)) })
    } catch (err) {
      const error = asScoringError(err)
      return send(res, error.status, JSON_TYPE, JSON.stringify(error.body))
    }
    send(res, 200, JSON_TYPE, answer)
  }

  function echo (req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const type = req.headers['content-type']
    head(res, 200, type === undefined
      ? { 'content-length': body.length, 'x-model-version': version }
      : { 'content-type': type, 'content-length': body.length, 'x-model-version': version })
    res.end(body)
  }

  function stream (res: ServerResponse, query: string): void {
    const params = new URLSearchParams(query)
    const chunks = intParam(params.get('chunks'), 3, 1, MAX_STREAM_CHUNKS)
    const delayMs = intParam(params.get('delayMs'), 10, 0, MAX_STREAM_DELAY_MS)
    if (chunks === undefined || delayMs === undefined) {
      const message = `chunks must be an integer from 1 to ${MAX_STREAM_CHUNKS} and delayMs one from 0 to ${MAX_STREAM_DELAY_MS}`
      return send(res, 400, JSON_TYPE, JSON.stringify({ error_code: 'BAD_REQUEST', message }))
    }
    // No content-length: Node sends it chunked, and each write goes out as it happens.
    head(res, 200, { 'content-type': TEXT_TYPE, 'x-model-version': version })
    let sent = 0
    const next = (): void => {
      sent++
      res.write(`chunk ${sent}/${chunks}\n`)
      if (sent === chunks) res.end()
      else after(res, delayMs, next)
    }
    next()
  }

  function send (res: ServerResponse, status: number, type: string, body: string): void {
    head(res, status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-model-version': version })
    res.end(body)
  }

  function head (res: ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
    // After close(), a request still in flight is the last on its socket: Node closes it once
    // the answer is out, instead of keeping it for the next request until keepAliveTimeout.
    if (closed !== undefined) res.setHeader('connection', 'close')
    res.writeHead(status, headers)
  }

  function notAllowed (res: ServerResponse, path: string, allow: string): void {
    res.setHeader('allow', allow)
    send(res, 405, JSON_TYPE, JSON.stringify({ error_code: 'BAD_REQUEST', message: `${path} accepts ${allow} only` }))
  }

  /** Runs `then` after `ms` unless the response closes first (the client left, or close() ended it). */
  function after (res: ServerResponse, ms: number, then: () => void): void {
    const timer = setTimeout(() => {
      res.off('close', cancel)
      waiting.delete(res)
      then()
    }, ms)
    const cancel = (): void => {
      clearTimeout(timer)
      waiting.delete(res)
    }
    res.once('close', cancel)
    waiting.add(res)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    url: serverUrl(host, port),
    port,
    host,
    version,
    name: options.name ?? `${options.model}-${version}`,
    model: options.model,
    get requests () { return requests },
    setFault (next: Fault | null): void {
      fault = next === null ? null : checkFault(next)
    },
    close (): Promise<void> {
      closed ??= new Promise((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        // An answer already sent but not yet flushed (a big echo) leaves its socket idle for
        // keepAliveTimeout (plus Node's 1 s margin); shorten the wait from 6 s to 1 s.
        server.keepAliveTimeout = 1
        for (const res of waiting) res.destroy()
      })
      return closed
    }
  }
}

/** The origin to reach a server on; an IPv6 host goes in brackets. */
export function serverUrl (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

type BodyHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer, fault: Readonly<Fault> | null) => void

/** Buffers the whole body; `fault` is the one in force when the request arrived. */
function readBody (req: IncomingMessage, res: ServerResponse, fault: Readonly<Fault> | null, then: BodyHandler): void {
  const chunks: Buffer[] = []
  let size = 0
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    size += chunk.length
  })
  req.on('end', () => then(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), fault))
  // A client that leaves mid-upload gets no answer; the listener keeps that from being an uncaught error.
  req.on('error', ignore)
}

function ignore (): void {}

function intParam (value: string | null, fallback: number, min: number, max: number): number | undefined {
  if (value === null) return fallback
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  return n >= min && n <= max ? n : undefined
}

function checkVersion (version: string): string {
  // It goes out as a header value: printable ASCII, no surrounding spaces.
  if (typeof version !== 'string' || !/^[!-~](?:[ -~]*[!-~])?$/.test(version)) {
    throw new TypeError(`version must be printable ASCII without surrounding spaces (it is sent as x-model-version), got ${JSON.stringify(version)}`)
  }
  return version
}
