import type { IncomingMessage } from 'node:http'
import { Transform, type TransformCallback } from 'node:stream'
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
