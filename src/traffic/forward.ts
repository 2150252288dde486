import type { IncomingMessage, ServerResponse } from 'node:http'
import { PassThrough, type Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { otherColour, type Colour } from '../colour.js'
import { BAD_TARGET, BODY_TOO_LARGE, SwitchyardError, UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, wrap } from '../errors.js'
import type { Shield } from '../guard/guard.js'
import type { Outcome } from '../metrics/metrics.js'
import type { Upstream } from '../upstreams/upstream.js'
import { feed, LimitStream, readBody } from './body.js'
import { requestHead, responseHeaders } from './headers.js'
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
// undici refused the request itself (e.g. a target like `*`): the client's doing, not the colour's.
const REFUSED_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED'])
const noop = (): void => {}
const NOT_RECORDED: Recorder = { record: noop }

/**
 * Sends one client request to one colour's upstream and its answer back, bytes unchanged.
 * The colour is chosen by the caller, once, when the request arrives.
 */
export class Forwarder {
  readonly upstreams: Record<Colour, Upstream>
  readonly recorder: Recorder
  readonly shield: Shield | null
  readonly shadow: Shadow | null
  readonly options: ForwardOptions
  /** Set while stopping: answers carry `connection: close` so keep-alive clients let go. */
  draining = false

  constructor (upstreams: Record<Colour, Upstream>, recorder: Recorder, shield: Shield | null, shadow: Shadow | null, options: ForwardOptions) {
    this.upstreams = upstreams
    this.recorder = recorder
    this.shield = shield
    this.shadow = shadow
    this.options = options
  }

  /** `live` is false for preview requests: not recorded, not shielded, not mirrored. */
  forward (req: IncomingMessage, res: ServerResponse, colour: Colour, live = true): void {
    const started = performance.now()
    const head = requestHead(req.rawHeaders, { remoteAddress: req.socket.remoteAddress, proto: this.options.proto })
    const length = head.length ?? 0
    if (length > this.options.bodyLimit) {
      // Refuse before reading a byte; close, since the unread body is still on the socket.
      sendError(res, BODY_TOO_LARGE(this.options.bodyLimit), colour, true)
      return
    }
    const headers = head.headers
    if (head.chunked) {
      this.dispatch(req, res, colour, feed(req, new LimitStream(this.options.bodyLimit)), headers, started, live, false)
    } else if (length > this.options.bufferLimit) {
      this.dispatch(req, res, colour, feed(req, new PassThrough()), headers, started, live, false)
    } else if (length > 0) {
      readBody(req, (err, body) => {
        if (err === null) this.dispatch(req, res, colour, body, headers, started, live, false)
        else res.destroy()
      })
    } else {
      this.dispatch(req, res, colour, null, headers, started, live, false)
    }
  }

  /** One attempt on one colour; a shielded attempt is the retry on the previous colour. */
  dispatch (req: IncomingMessage, res: ServerResponse, colour: Colour, body: Buffer | Readable | null, headers: string[], started: number, live: boolean, shielded: boolean): void {
    const upstream = this.upstreams[colour]
    const exchange = new Exchange(this, req, res, colour, body, headers, started, live, shielded)
    // The mirror is set up first (undici may fail a dispatch synchronously) but sends nothing
    // until the live answer is complete, so it never competes with the live request.
    if (live && !shielded && exchange.buffered && this.shadow !== null && this.shadow.percent > 0) {
      const to = otherColour(colour)
      exchange.mirror = this.shadow.mirror(req, body as Buffer | null, headers, to, this.upstreams[to].basePath + (req.url as string), Math.random())
    }
    upstream.inflight++
    exchange.watch()
    upstream.pool.dispatch({
      method: req.method as Dispatcher.HttpMethod,
      path: upstream.basePath + (req.url as string),
      headers,
      body,
      headersTimeout: this.options.timeout,
      bodyTimeout: this.options.timeout
    }, exchange)
  }
}

/**
 * One request on its way through undici and its answer on the way back to the client. It is
 * undici's own (callback) handler interface, the one its core calls directly: the stream() API
 * would add an AsyncResource, a finished() watcher and a parsed header object per request.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly buffered: boolean
  mirror: ShadowRun | null = null
  readonly #forwarder: Forwarder
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  readonly #colour: Colour
  readonly #body: Buffer | Readable | null
  readonly #headers: string[]
  readonly #started: number
  readonly #live: boolean
  readonly #shielded: boolean
  #abort: ((err?: Error) => void) | null = null
  #resume: (() => void) | null = null
  /** The previous colour that answers instead, when the shield takes this failure. */
  #retryOn: Colour | null = null
  #finished = false
  /** The final answer's status, once its headers are in (0 before): no JSON error after that. */
  #status = 0

  constructor (forwarder: Forwarder, req: IncomingMessage, res: ServerResponse, colour: Colour, body: Buffer | Readable | null, headers: string[], started: number, live: boolean, shielded: boolean) {
    this.#forwarder = forwarder
    this.#req = req
    this.#res = res
    this.#colour = colour
    this.#body = body
    this.#headers = headers
    this.#started = started
    this.#live = live
    this.#shielded = shielded
    // Only a buffered body can be sent twice.
    this.buffered = body === null || Buffer.isBuffer(body)
  }

  /** The shield, for a live first attempt with a body that can be sent again. */
  get #shield (): Shield | null {
    return this.#live && !this.#shielded && this.buffered ? this.#forwarder.shield : null
  }

  get #recorder (): Recorder {
    return this.#live ? this.#forwarder.recorder : NOT_RECORDED
  }

  /**
   * Ends the upstream request as soon as the client's connection closes: before the answer, in
   * a pause between chunks, or while this answer waits behind another on a pipelined connection.
   */
  watch (): void {
    this.#req.socket.once('close', this.#onClose)
  }

  #unwatch (): void {
    this.#req.socket.off('close', this.#onClose)
  }

  onConnect (abort: (err?: Error) => void): void {
    this.#abort = abort
  }

  onHeaders (statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true // 1xx: informational, the final answer follows
    this.#status = statusCode
    this.#resume = resume
    const seconds = (performance.now() - this.#started) / 1000
    const shield = this.#shield
    if (shield !== null && statusCode >= 400) {
      this.#retryOn = shield.target(this.#colour, this.#req.method as string, this.#req.url as string, statusCode)
      if (this.#retryOn !== null) {
        // The failure still counts against this colour; the client never sees it.
        this.#recorder.record(this.#colour, outcomeOf(statusCode), seconds)
        return true
      }
    }
    this.#recorder.record(this.#colour, this.#shielded ? 'shielded' : outcomeOf(statusCode), seconds)
    const res = this.#res
    res.writeHead(statusCode, responseHeaders(rawHeaders, this.#colour, this.#shielded, this.#forwarder.draining))
    this.mirror?.liveStart(statusCode)
    return true
  }

  onData (chunk: Buffer): boolean {
    if (this.#retryOn !== null) return true // the failed answer is dropped
    const res = this.#res
    if (res.destroyed) {
      // The client left: stop reading an answer nobody will get.
      this.#abort?.(new Error('client closed the connection'))
      return false
    }
    this.mirror?.liveChunk(chunk)
    if (res.write(chunk)) return true
    // Backpressure: undici pauses until the client's socket drains (or closes: watch()).
    res.once('drain', this.#resume as () => void)
    return false
  }

  readonly #onClose = (): void => {
    if (!this.#finished) this.#abort?.(new Error('client closed the connection'))
  }

  onComplete (): void {
    this.#finished = true
    this.#unwatch()
    this.#forwarder.upstreams[this.#colour].inflight--
    if (this.#retryOn !== null) {
      this.mirror?.liveFailed()
      return this.#retry(this.#retryOn)
    }
    this.#res.end()
    this.mirror?.liveEnd()
  }

  onError (err: Error): void {
    if (this.#finished) return // undici calls onError if onComplete threw: count it once
    this.#finished = true
    this.#unwatch()
    this.#forwarder.upstreams[this.#colour].inflight--
    this.mirror?.liveFailed()
    const body = this.#body
    if (body !== null && !Buffer.isBuffer(body)) body.destroy()
    if (this.#retryOn !== null) return this.#retry(this.#retryOn)
    const res = this.#res
    // undici holds a 204/304 with a Content-Length to a body it never gets; there is none.
    if ((this.#status === 204 || this.#status === 304) && (err as Error & { code?: string }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return void res.end()
    if (this.#status !== 0 || res.destroyed) {
      // Failed mid-answer, or the client left: the socket is closed so a truncated answer
      // is never taken for a whole one.
      res.destroy()
      return
    }
    const upstream = this.#forwarder.upstreams[this.#colour]
    const failure = classify(err, upstream, this.#forwarder.options.timeout)
    if (failure.outcome !== null) this.#recorder.record(this.#colour, failure.outcome, (performance.now() - this.#started) / 1000)
    const shield = this.#shield
    const upstreamFailed = failure.outcome !== null && failure.outcome !== 'client_error'
    const target = shield !== null && upstreamFailed ? shield.target(this.#colour, this.#req.method as string, this.#req.url as string, null) : null
    if (target !== null) return this.#retry(target)
    sendError(res, failure.error, this.#colour, body !== null && !Buffer.isBuffer(body))
  }

  #retry (colour: Colour): void {
    this.#forwarder.dispatch(this.#req, this.#res, colour, this.#body, this.#headers, this.#started, this.#live, true)
  }
}

/** The client's error and the outcome counted against the colour (null: it never reached it). */
function classify (err: Error, upstream: Upstream, timeout: number): { error: SwitchyardError, outcome: Outcome | null } {
  if (err instanceof SwitchyardError) return { error: err, outcome: 'client_error' }
  const code = (err as Error & { code?: string }).code
  if (code !== undefined && REFUSED_CODES.has(code)) return { error: wrap(BAD_TARGET, err, err.message), outcome: null }
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
