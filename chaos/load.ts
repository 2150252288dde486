// Open-loop load through switchyard's public listener: POST /invocations with an Iris
// dataframe_split body at a fixed rate (a slow answer never delays the next request), each with a
// client timeout longer than anything switchyard may legitimately take. Every request ends in
// exactly one cause (see classify below); the record keeps what is needed to attribute it.
import { Agent, request, type IncomingMessage } from 'node:http'
import type { Random } from './prng.js'

export type Cause =
  | 'ok'
  /** 2xx, whole body, but the JSON does not parse, has no predictions, or x-switchyard-colour is missing. */
  | 'ok-invalid'
  /** A status >= 300 with switchyard's JSON error body; the code is in `code`. */
  | 'switchyard-error'
  /** A status >= 300 without switchyard's error body (from the model server, or a broken answer). */
  | 'http-other'
  /** Headers came, then the connection closed before content-length bytes of body. */
  | 'truncated-closed'
  | 'conn-refused'
  /** Reset, hang-up or broken pipe before any response header. */
  | 'conn-reset'
  /** No response headers within the client timeout: a hang. */
  | 'client-timeout'
  /** Headers came, then the body stopped on an open connection until the client timeout. */
  | 'client-timeout-mid-body'
  | 'other'

export interface RequestRecord {
  id: number
  /** Which switchyard listener it was sent to. */
  target: string
  /** ms on the run's clock. */
  start: number
  end: number
  cause: Cause
  status: number | null
  /** SW_ERR_* of a switchyard error body. */
  code: string | null
  /** x-switchyard-colour of the answer (or `colour` of the error body). */
  colour: string | null
  shielded: boolean
  /** Node's error code for a client-side failure (ECONNREFUSED, ECONNRESET, ...). */
  errorCode: string | null
  message: string | null
  /** The request went out on a kept-alive socket that had served an earlier request. */
  reusedSocket: boolean
  bodyBytes: number | null
  contentLength: number | null
}

export interface Target {
  name: string
  url: string
}

export interface LoadOptions {
  rate: number
  clientTimeoutMs: number
  clock: () => number
  random: Random
  onRecord: (record: RequestRecord) => void
}

/** Keep-alive like a real client; idle sockets are let go after 3 s. */
function newAgent (): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1024, timeout: 3_000 })
}

const COLUMNS = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']
const ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5], [6.3, 2.7, 4.9, 1.8], [4.9, 3.1, 1.5, 0.1]]

export class Load {
  readonly #options: LoadOptions
  #agent: Agent
  #targets: Target[] = []
  #timer: NodeJS.Timeout | null = null
  #startedAt = 0
  #scheduled = 0
  #sent = 0
  readonly #inflight = new Set<Promise<void>>()

  constructor (options: LoadOptions) {
    this.#options = options
    this.#agent = newAgent()
  }

  get sent (): number {
    return this.#sent
  }

  /** Requests go round the targets in turn. */
  start (targets: Target[]): void {
    this.#targets = targets
    this.#startedAt = this.#options.clock()
    this.#scheduled = 0
    this.#timer = setInterval(() => this.#tick(), 5)
  }

  /** Stops sending, waits for the requests in flight, and closes every client connection. */
  async pause (): Promise<void> {
    await this.stop()
    this.#agent.destroy()
    this.#agent = newAgent()
  }

  /** Sends again, at the same rate, from now. */
  resume (): void {
    this.start(this.#targets)
  }

  #tick (): void {
    const due = Math.floor((this.#options.clock() - this.#startedAt) * this.#options.rate / 1000)
    // Catch up after a stall, but never in a burst of more than a second's worth.
    if (due - this.#scheduled > this.#options.rate) this.#scheduled = due - this.#options.rate
    while (this.#scheduled < due) {
      this.#scheduled++
      const target = this.#targets[this.#sent % this.#targets.length] as Target
      const p = this.#send(target)
      this.#inflight.add(p)
      void p.finally(() => this.#inflight.delete(p))
    }
  }

  /** Stops sending and waits for every request in flight to end (each ends by its timeout at the latest). */
  async stop (): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    await Promise.all([...this.#inflight])
  }

  /** Closes the idle kept-alive sockets. */
  destroy (): void {
    this.#agent.destroy()
  }

  #send (target: Target): Promise<void> {
    const id = ++this.#sent
    const { clock, clientTimeoutMs, random } = this.#options
    const row = random.pick(ROWS)
    const body = JSON.stringify({ dataframe_split: { columns: COLUMNS, data: [row] } })
    const record: RequestRecord = {
      id, target: target.name, start: clock(), end: 0, cause: 'other', status: null, code: null, colour: null, shielded: false,
      errorCode: null, message: null, reusedSocket: false, bodyBytes: null, contentLength: null
    }
    return new Promise<void>((resolve) => {
      let settled = false
      let response: IncomingMessage | null = null
      let bytes = 0
      const chunks: Buffer[] = []
      const finish = (cause: Cause, extra: Partial<RequestRecord> = {}): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        Object.assign(record, extra, { cause, end: clock() })
        if (response !== null) record.bodyBytes = bytes
        this.#options.onRecord(record)
        resolve()
      }
      const req = request(target.url + '/invocations', {
        method: 'POST',
        agent: this.#agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      })
      const timer = setTimeout(() => {
        finish(response === null ? 'client-timeout' : 'client-timeout-mid-body', { message: `no ${response === null ? 'answer' : 'end of body'} in ${clientTimeoutMs} ms` })
        req.destroy()
      }, clientTimeoutMs)
      req.on('socket', () => { record.reusedSocket = req.reusedSocket })
      req.on('error', (err: NodeJS.ErrnoException) => {
        record.reusedSocket = req.reusedSocket
        if (response !== null) return // handled by the response's own events
        const code = err.code ?? null
        const cause: Cause = code === 'ECONNREFUSED' ? 'conn-refused' : code === 'ECONNRESET' || code === 'EPIPE' ? 'conn-reset' : 'other'
        finish(cause, { errorCode: code, message: err.message })
      })
      req.on('response', (res) => {
        response = res
        record.reusedSocket = req.reusedSocket
        record.status = res.statusCode ?? null
        const colourHeader = res.headers['x-switchyard-colour']
        record.colour = typeof colourHeader === 'string' ? colourHeader : null
        record.shielded = res.headers['x-switchyard-shielded'] === '1'
        const lengthHeader = res.headers['content-length']
        record.contentLength = lengthHeader === undefined ? null : Number(lengthHeader)
        res.on('data', (chunk: Buffer) => { bytes += chunk.length; chunks.push(chunk) })
        const cut = (err?: NodeJS.ErrnoException): void => {
          finish('truncated-closed', { errorCode: err?.code ?? null, message: err?.message ?? 'connection closed before the end of the body' })
        }
        res.on('aborted', () => cut())
        res.on('error', (err: NodeJS.ErrnoException) => cut(err))
        res.on('close', () => { if (!res.complete) cut() })
        res.on('end', () => {
          if (!res.complete || (record.contentLength !== null && bytes < record.contentLength)) return cut()
          finish(...classify(res.statusCode ?? 0, record.colour, Buffer.concat(chunks, bytes).toString('utf8')))
        })
      })
      req.end(body)
    })
  }
}

/** A whole answer: ok, ok-invalid, switchyard-error (with its code and colour) or http-other. */
function classify (status: number, colour: string | null, text: string): [Cause, Partial<RequestRecord>] {
  let json: unknown
  try { json = JSON.parse(text) } catch { json = undefined }
  const object = typeof json === 'object' && json !== null ? json as Record<string, unknown> : null
  if (status >= 200 && status < 300) {
    const good = object !== null && Array.isArray(object.predictions) && (colour === 'blue' || colour === 'green')
    return good ? ['ok', {}] : ['ok-invalid', { message: `body ${JSON.stringify(text.slice(0, 200))}, x-switchyard-colour ${colour ?? 'missing'}` }]
  }
  const code = object !== null && typeof object.error === 'string' && object.error.startsWith('SW_ERR_') ? object.error : null
  if (code !== null) {
    const bodyColour = typeof object?.colour === 'string' ? object.colour : colour
    return ['switchyard-error', { code, colour: bodyColour, message: typeof object?.message === 'string' ? object.message.slice(0, 300) : null }]
  }
  return ['http-other', { message: text.slice(0, 300) }]
}
