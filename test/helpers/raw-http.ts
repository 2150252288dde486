// A raw HTTP/1.1 client over one TCP socket, for what a client library would never do: send its
// headers a byte at a time, hold a connection idle, count on the server closing it.
import { connect, type Socket } from 'node:net'

export class RawConnection {
  readonly socket: Socket
  /** Everything received and not yet taken by response(). */
  buffer = ''
  /** Everything ever received. */
  received = ''
  closed = false
  readonly #waiters = new Set<() => void>()

  private constructor (socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1')
      this.buffer += text
      this.received += text
      this.#wake()
    })
    // A reset (the server cut us) is a close like any other here.
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
      this.#wake()
    })
  }

  static open (port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host)
      socket.once('connect', () => resolve(new RawConnection(socket)))
      socket.once('error', reject)
    })
  }

  /** Writes, unless the server already closed the connection (then it returns false). */
  send (text: string): boolean {
    if (this.closed || this.socket.destroyed) return false
    this.socket.write(text)
    return true
  }

  /** The next whole response (headers and a Content-Length body), or null if the connection closes (or `ms` pass) first. */
  async response (ms = 10_000): Promise<string | null> {
    const deadline = Date.now() + ms
    for (;;) {
      const answer = this.#take()
      if (answer !== null) return answer
      if (this.closed || !(await this.#event(deadline))) return null
    }
  }

  /** True once the server has closed the connection; false if it is still open after `ms`. */
  async waitClosed (ms = 10_000): Promise<boolean> {
    const deadline = Date.now() + ms
    while (!this.closed) {
      if (!(await this.#event(deadline))) return false
    }
    return true
  }

  close (): void {
    this.socket.destroy()
  }

  #take (): string | null {
    const end = this.buffer.indexOf('\r\n\r\n')
    if (end === -1) return null
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(this.buffer.slice(0, end))
    const total = end + 4 + (length === null ? 0 : Number(length[1]))
    if (this.buffer.length < total) return null
    const answer = this.buffer.slice(0, total)
    this.buffer = this.buffer.slice(total)
    return answer
  }

  /** Waits for data or the close; false when the deadline passes first. */
  #event (deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
        resolve(true)
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(wake)
        resolve(false)
      }, Math.max(0, deadline - Date.now()))
      this.#waiters.add(wake)
    })
  }

  #wake (): void {
    for (const wake of [...this.#waiters]) wake()
  }
}

/** The port of a listener URL. */
export function portOf (url: string): number {
  return Number(new URL(url).port)
}
