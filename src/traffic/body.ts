import type { IncomingMessage } from 'node:http'
import { Transform, type Duplex, type TransformCallback } from 'node:stream'
import { BODY_TOO_LARGE } from '../errors.js'

/**
 * Reads a small body whose length is declared into one Buffer. Buffered bodies are the fastest
 * to forward, and can be sent a second time; the client's socket is never handed to undici,
 * which destroys its request body on an upstream error.
 */
export function readBody (req: IncomingMessage, callback: (err: Error | null, body: Buffer | null) => void): void {
  let first: Buffer | null = null
  let chunks: Buffer[] | null = null
  let done = false
  const finish = (err: Error | null, body: Buffer | null): void => {
    if (done) return
    done = true
    callback(err, body)
  }
  req.on('data', (chunk: Buffer) => {
    if (first === null) first = chunk
    else (chunks ??= [first]).push(chunk)
  })
  req.once('end', () => finish(null, chunks !== null ? Buffer.concat(chunks) : (first ?? Buffer.alloc(0))))
  req.once('error', (err) => finish(err, null))
  req.once('close', () => { if (!req.complete) finish(new Error('client closed the request'), null) })
}

/** Passes a streamed body on, failing once it grows past `limit` bytes (bodies without a length). */
export class LimitStream extends Transform {
  readonly #limit: number
  #seen = 0

  constructor (limit: number) {
    super()
    this.#limit = limit
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length
    if (this.#seen > this.#limit) callback(BODY_TOO_LARGE(this.#limit))
    else callback(null, chunk)
  }
}

/**
 * Feeds a body that is not buffered to undici through `sink`, without tying the two together
 * the way pipeline() does (it would destroy the client's socket with the sink): when the sink
 * stops early (over the limit, or the upstream failed), the rest of the body is read and dropped,
 * so the client gets its 413 or 502 rather than a reset; when the client goes away mid-upload,
 * the sink fails too, so undici aborts the upstream request.
 */
export function feed<T extends Duplex> (req: IncomingMessage, sink: T): T {
  req.pipe(sink)
  req.once('error', (err) => sink.destroy(err))
  req.once('close', () => { if (!req.complete) sink.destroy(new Error('client closed the request')) })
  sink.once('close', () => {
    if (req.readableEnded) return
    req.unpipe(sink)
    req.resume()
  })
  return sink
}
