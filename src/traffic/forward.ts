import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline, PassThrough, Writable, type Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { otherColour, type Colour } from '../colour.js'
import { BODY_TOO_LARGE, SwitchyardError, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, wrap } from '../errors.js'
import type { Shield } from '../guard/guard.js'
import type { Outcome } from '../metrics/metrics.js'
import type { Upstream } from '../upstreams/upstream.js'
import { LimitStream, readBody } from './body.js'
import { requestHeaders, responseHeaders } from './headers.js'
import { outcomeOf, type Recorder } from './record.js'
import type { Shadow, ShadowRun } from './shadow.js'

export interface ForwardOptions {
  /** Upstream answer timeout: to the response headers, and between body chunks. */
  timeout: number
  /** Largest request body accepted. */
  bodyLimit: number
  /** Bodies with a declared length up to this are buffered; larger ones stream. */
  bufferLimit: number
  proto: string
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])
const noop = (): void => {}
const NOT_RECORDED: Recorder = { record: noop }

/**
 * Sends one client request to one colour's upstream and its answer back, bytes unchanged.
 * The colour is chosen by the caller, once, when the request arrives.
 */
export class Forwarder {
  readonly #upstreams: Record<Colour, Upstream>
  readonly #recorder: Recorder
  readonly #shield: Shield | null
  readonly #shadow: Shadow | null
  readonly #options: ForwardOptions
  /** Set while stopping: answers carry `connection: close` so keep-alive clients let go. */
  draining = false

  constructor (upstreams: Record<Colour, Upstream>, recorder: Recorder, shield: Shield | null, shadow: Shadow | null, options: ForwardOptions) {
    this.#upstreams = upstreams
    this.#recorder = recorder
    this.#shield = shield
    this.#shadow = shadow
    this.#options = options
  }

  /** `live` is false for preview requests: not recorded, not shielded, not mirrored. */
  forward (req: IncomingMessage, res: ServerResponse, colour: Colour, live = true): void {
    const started = performance.now()
    const lengthHeader = req.headers['content-length']
    const chunked = req.headers['transfer-encoding'] !== undefined
    const length = lengthHeader === undefined ? 0 : Number(lengthHeader)
    if (length > this.#options.bodyLimit) {
      // Refuse before reading a byte; close, since the unread body is still on the socket.
      sendError(res, BODY_TOO_LARGE(this.#options.bodyLimit), colour, true)
      return
    }
    if (chunked) {
      const limited = new LimitStream(this.#options.bodyLimit)
      pipeline(req, limited, noop)
      this.#dispatch(req, res, colour, limited, started, live)
    } else if (length > this.#options.bufferLimit) {
      const pass = new PassThrough()
      pipeline(req, pass, noop)
      this.#dispatch(req, res, colour, pass, started, live)
    } else if (length > 0) {
      readBody(req, (err, body) => {
        if (err === null) this.#dispatch(req, res, colour, body, started, live)
        else res.destroy()
      })
    } else {
      this.#dispatch(req, res, colour, null, started, live)
    }
  }

  #dispatch (req: IncomingMessage, res: ServerResponse, colour: Colour, body: Buffer | Readable | null, started: number, live: boolean, shielded = false): void {
    const upstream = this.#upstreams[colour]
    const recorder = live ? this.#recorder : NOT_RECORDED
    const timeout = this.#options.timeout
    // Only a buffered body can be sent twice; a retried request is never retried again.
    const buffered = body === null || Buffer.isBuffer(body)
    const shield = live && !shielded && buffered ? this.#shield : null
    let recorded = false
    let captured = false
    let retryOn: Colour | null = null
    upstream.inflight++
    const headers = requestHeaders(req.headers, { remoteAddress: req.socket.remoteAddress, proto: this.#options.proto })
    const options: Dispatcher.RequestOptions = {
      method: req.method as Dispatcher.HttpMethod,
      path: upstream.basePath === '' ? req.url as string : upstream.basePath + (req.url as string),
      headers,
      body,
      headersTimeout: timeout,
      bodyTimeout: timeout
    }
    // Set just after the live request is dispatched: the mirror never goes out ahead of it.
    let mirror: ShadowRun | null = null
    upstream.pool.stream(options, ({ statusCode, headers }) => {
      recorded = true
      const seconds = (performance.now() - started) / 1000
      if (shield !== null && statusCode >= 400) {
        retryOn = shield.target(colour, req.method as string, req.url as string, statusCode)
        if (retryOn !== null) {
          // The failure still counts against this colour; the client never sees it.
          recorder.record(colour, outcomeOf(statusCode), seconds)
          return discard()
        }
      }
      recorder.record(colour, shielded ? 'shielded' : outcomeOf(statusCode), seconds)
      const out = responseHeaders(headers, colour)
      if (shielded) out['x-switchyard-shielded'] = '1'
      if (this.draining) out.connection = 'close'
      res.writeHead(statusCode, out)
      if (mirror === null) return res
      captured = true
      return mirror.capture(res, statusCode)
    }, (err) => {
      upstream.inflight--
      if (mirror !== null && !captured) mirror.liveFailed()
      if (retryOn !== null) {
        this.#dispatch(req, res, retryOn, body, started, live, true)
        return
      }
      if (err === null) return
      if (recorded || res.destroyed) {
        // Failed mid-answer, or the client left: the socket is closed so a truncated answer
        // is never taken for a whole one.
        res.destroy()
        return
      }
      const failure = classify(err, upstream, timeout)
      recorder.record(colour, failure.outcome, (performance.now() - started) / 1000)
      const target = shield !== null && failure.outcome !== 'client_error' ? shield.target(colour, req.method as string, req.url as string, null) : null
      if (target !== null) {
        this.#dispatch(req, res, target, body, started, live, true)
        return
      }
      sendError(res, failure.error, colour, body !== null && !Buffer.isBuffer(body))
    })
    if (live && !shielded && buffered && this.#shadow !== null && this.#shadow.percent > 0) {
      mirror = this.#shadow.mirror(req, body, headers, otherColour(colour), this.#upstreams[otherColour(colour)].basePath + (req.url as string), started, Math.random())
    }
  }
}

/** A sink for a failed answer that is about to be replaced by the previous colour's. */
function discard (): Writable {
  return new Writable({ write (_chunk, _encoding, callback) { callback() } })
}

function classify (err: Error, upstream: Upstream, timeout: number): { error: SwitchyardError, outcome: Outcome } {
  if (err instanceof SwitchyardError) return { error: err, outcome: 'client_error' }
  const code = (err as Error & { code?: string }).code
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return { error: wrap(UPSTREAM_TIMEOUT, err, upstream.colour, timeout), outcome: 'timeout' }
  }
  return { error: wrap(UPSTREAM_UNAVAILABLE, err, upstream.colour, upstream.url, code ?? err.message), outcome: 'connection_error' }
}

/** Answers with switchyard's JSON error body. `close` when an unread request body is left. */
export function sendError (res: ServerResponse, err: SwitchyardError, colour: Colour | null, close: boolean): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify({ error: err.code, message: err.message, colour })
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body)
  }
  if (colour !== null) headers['x-switchyard-colour'] = colour
  if (close) headers.connection = 'close'
  res.writeHead(err.statusCode, headers)
  res.end(body)
}
