// A TCP proxy of our own between switchyard and one upstream, which on command cuts a share of
// the connections that carry a model request (POST /invocations by default):
//   - 'mid-body': the answer's status line and headers go out, then half of its body at most,
//     then the connection is closed (FIN or RST, half and half): switchyard has started its own
//     answer to the client and can only cut that connection too;
//   - 'before-answer': the request reaches the model server, but the connection is reset (RST)
//     before any byte of its answer goes back.
// It reads HTTP/1.1 just enough to know where each request and answer starts and ends on a
// keep-alive connection (content-length bodies, which is what switchyard and the demo model
// server send); a connection it cannot follow (a chunked body) is passed through untouched.
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export type CutMode = 'mid-body' | 'before-answer'

export interface CutFault {
  mode: CutMode
  /** Share of matching requests whose connection is cut, 0-1. */
  share: number
}

export interface TcpFaultStats {
  connections: number
  requests: number
  cutMidBodyFin: number
  cutMidBodyRst: number
  cutBeforeAnswer: number
  /** Connections whose traffic could not be followed (passed through untouched). */
  unparsed: number
  /** Connections accepted while the upstream refused: closed at once with an RST. */
  upstreamRefused: number
}

export interface TcpFaultOptions {
  /** The upstream's address. */
  target: { host: string, port: number }
  random: () => number
}

type Fate = 'pass' | 'mid-body-fin' | 'mid-body-rst' | 'before-answer'

interface Pending {
  method: string
  fate: Fate
}

/** The only requests cut: the model's (exact match, query ignored). */
const CUT_PATH = '/invocations'
const HEAD_END = Buffer.from('\r\n\r\n')
const MAX_HEAD = 64 * 1024

export class TcpFaultProxy {
  readonly #options: TcpFaultOptions
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #fault: CutFault | null = null
  readonly stats: TcpFaultStats = { connections: 0, requests: 0, cutMidBodyFin: 0, cutMidBodyRst: 0, cutBeforeAnswer: 0, unparsed: 0, upstreamRefused: 0 }

  private constructor (options: TcpFaultOptions) {
    this.#options = options
    this.#server = createServer((client) => this.#accept(client))
  }

  static async start (options: TcpFaultOptions): Promise<TcpFaultProxy> {
    const proxy = new TcpFaultProxy(options)
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject)
      proxy.#server.listen(0, '127.0.0.1', () => {
        proxy.#server.off('error', reject)
        resolve()
      })
    })
    return proxy
  }

  get port (): number {
    return (this.#server.address() as AddressInfo).port
  }

  get url (): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Cut `share` of matching requests from now on, or stop cutting (null). */
  set (fault: CutFault | null): void {
    if (fault !== null && !(fault.share >= 0 && fault.share <= 1)) throw new RangeError(`share must be from 0 to 1, got ${fault.share}`)
    this.#fault = fault
  }

  async close (): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #track (socket: Socket): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  #fateOf (path: string): Fate {
    const fault = this.#fault
    if (fault === null || path !== CUT_PATH || this.#options.random() >= fault.share) return 'pass'
    if (fault.mode === 'before-answer') return 'before-answer'
    return this.#options.random() < 0.5 ? 'mid-body-fin' : 'mid-body-rst'
  }

  #accept (client: Socket): void {
    this.stats.connections++
    this.#track(client)
    client.setNoDelay(true)
    const upstream = connect({ host: this.#options.target.host, port: this.#options.target.port })
    upstream.setNoDelay(true)
    this.#track(upstream)
    let connected = false
    let done = false
    const pending: Pending[] = []
    let passthrough = false

    const close = (how: 'rst' | 'fin'): void => {
      if (how === 'rst') client.resetAndDestroy()
      else client.end(() => client.destroy())
    }
    const cut = (how: 'rst' | 'fin'): void => {
      if (done) return
      done = true
      upstream.destroy()
      close(how)
    }

    upstream.once('connect', () => { connected = true })
    upstream.on('error', () => {
      if (!connected) this.stats.upstreamRefused++
      cut('rst')
    })
    upstream.on('end', () => {
      // The upstream closed its side (keep-alive timeout, or after `connection: close`).
      if (!done) client.end()
    })
    upstream.on('close', () => { if (!done) { done = true; client.destroy() } })
    client.on('error', () => { done = true; upstream.destroy() })
    client.on('end', () => { if (!done) upstream.end() })
    client.on('close', () => { done = true; upstream.destroy() })

    // Client -> upstream: find each request's head, decide its fate, forward every byte.
    let reqBuf = Buffer.alloc(0)
    let reqBody = 0
    client.on('data', (chunk: Buffer) => {
      if (done) return
      upstream.write(chunk)
      if (passthrough) return
      let data = reqBuf.length === 0 ? chunk : Buffer.concat([reqBuf, chunk])
      reqBuf = Buffer.alloc(0)
      while (data.length > 0) {
        if (reqBody > 0) {
          const n = Math.min(reqBody, data.length)
          reqBody -= n
          data = data.subarray(n)
          continue
        }
        const end = data.indexOf(HEAD_END)
        if (end === -1) {
          if (data.length > MAX_HEAD) { passthrough = true; this.stats.unparsed++ }
          else reqBuf = Buffer.from(data)
          return
        }
        const head = parseHead(data.subarray(0, end).toString('latin1'))
        if (head === null || head.chunked) { passthrough = true; this.stats.unparsed++; return }
        const [method = '', target = ''] = head.startLine.split(' ')
        const query = target.indexOf('?')
        this.stats.requests++
        pending.push({ method, fate: this.#fateOf(query === -1 ? target : target.slice(0, query)) })
        reqBody = head.length
        data = data.subarray(end + HEAD_END.length)
      }
    })

    // Upstream -> client: find each answer's head; apply its request's fate.
    let resBuf = Buffer.alloc(0)
    let resBody = 0
    upstream.on('data', (chunk: Buffer) => {
      if (done) return
      if (passthrough) { client.write(chunk); return }
      let data = resBuf.length === 0 ? chunk : Buffer.concat([resBuf, chunk])
      resBuf = Buffer.alloc(0)
      while (data.length > 0 && !done) {
        if (resBody > 0) {
          const n = Math.min(resBody, data.length)
          client.write(data.subarray(0, n))
          resBody -= n
          data = data.subarray(n)
          continue
        }
        const end = data.indexOf(HEAD_END)
        if (end === -1) {
          if (data.length > MAX_HEAD) { passthrough = true; this.stats.unparsed++; client.write(data) }
          else resBuf = Buffer.from(data)
          return
        }
        const head = parseHead(data.subarray(0, end).toString('latin1'))
        const status = head === null ? NaN : Number(head.startLine.split(' ')[1])
        if (head === null || head.chunked || (status >= 100 && status < 200)) {
          passthrough = true
          this.stats.unparsed++
          client.write(data)
          return
        }
        const request = pending.shift() ?? { method: 'GET', fate: 'pass' as const }
        const headLength = end + HEAD_END.length
        const bodyLength = request.method === 'HEAD' || status === 204 || status === 304 ? 0 : head.length
        if (request.fate === 'before-answer') {
          this.stats.cutBeforeAnswer++
          cut('rst')
          return
        }
        if (request.fate !== 'pass') {
          // Headers and at most half the body, then the connection goes: a truncated answer.
          const part = Math.min(Math.floor(bodyLength / 2), data.length - headLength)
          const how = request.fate === 'mid-body-fin' ? 'fin' : 'rst'
          if (how === 'fin') this.stats.cutMidBodyFin++
          else this.stats.cutMidBodyRst++
          done = true
          upstream.destroy()
          // Let the bytes reach switchyard before the connection goes (an RST could discard
          // what is still unread on the other side).
          client.write(data.subarray(0, headLength + part), () => {
            setTimeout(() => close(how), 20)
          })
          return
        }
        client.write(data.subarray(0, headLength))
        resBody = bodyLength
        data = data.subarray(headLength)
      }
    })
  }
}

interface Head {
  startLine: string
  length: number
  chunked: boolean
}

function parseHead (text: string): Head | null {
  const lines = text.split('\r\n')
  const startLine = lines[0]
  if (startLine === undefined || startLine === '') return null
  let length = 0
  let chunked = false
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string
    const colon = line.indexOf(':')
    if (colon === -1) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === 'content-length') {
      length = Number(value)
      if (!Number.isInteger(length) || length < 0) return null
    } else if (name === 'transfer-encoding' && value.toLowerCase() !== 'identity') {
      chunked = true
    }
  }
  return { startLine, length, chunked }
}
