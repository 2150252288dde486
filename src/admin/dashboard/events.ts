import type { ServerResponse } from 'node:http'

/** A client that lets this much pile up unread is cut off rather than buffered for. */
const MAX_BUFFERED_BYTES = 1024 * 1024

function frame (event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * Server-sent events to every open /admin/events connection. Writes never wait: a client that
 * does not read is dropped. close() ends every stream, so they never hold the admin server open.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>()
  #closed = false

  get size (): number {
    return this.#clients.size
  }

  /** Takes over `res` as an event stream and sends it `initial` first. */
  open (res: ServerResponse, initial: ReadonlyArray<readonly [string, unknown]>): void {
    if (this.#closed) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('shutting down\n')
      return
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    res.write('retry: 2000\n\n' + initial.map(([event, data]) => frame(event, data)).join(''))
    this.#clients.add(res)
    res.on('close', () => this.#clients.delete(res))
  }

  send (event: string, data: unknown): void {
    if (this.#clients.size === 0) return
    const text = frame(event, data)
    for (const res of this.#clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.#clients.delete(res)
        res.destroy()
      } else {
        res.write(text)
      }
    }
  }

  close (): void {
    this.#closed = true
    for (const res of this.#clients) res.end()
    this.#clients.clear()
  }
}
