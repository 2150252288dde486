import type { IncomingMessage } from 'node:http'
import { Counter, Gauge, type Registry } from 'prom-client'
import { Pool, type Dispatcher } from '../undici.js'
import { otherColour, type Colour } from '../colour.js'
import { LATENCY_BUCKETS, bucketOf, quantileMs } from '../guard/latency.js'
import type { Upstream } from '../upstreams/upstream.js'
import { compareAnswers } from './compare.js'

export interface ShadowOptions {
  /** Bodies up to this are mirrored (they are buffered anyway); larger ones are not. */
  maxBodyBytes: number
  timeout: number
  connections: number
  maxInflight: number
  tolerance: number
  /** How many recent disagreements to keep, and how much of each body. */
  keepDisagreements: number
  captureBytes: number
}

export interface Disagreement {
  at: string
  path: string
  input: string
  active: { colour: Colour, status: number, body: string }
  standby: { colour: Colour, status: number, body: string }
}

type Result = 'agreed' | 'disagreed' | 'standby_error' | 'dropped'

class Latency {
  readonly counts = new Float64Array(LATENCY_BUCKETS)
  total = 0
  add (ms: number): void {
    this.counts[bucketOf(ms)]!++
    this.total++
  }

  figures (): { p50Ms: number | null, p99Ms: number | null } {
    return { p50Ms: quantileMs(this.counts, this.total, 0.5), p99Ms: quantileMs(this.counts, this.total, 0.99) }
  }
}

const EMPTY = Buffer.alloc(0)

function text (bytes: Buffer, cap: number): string {
  const s = bytes.subarray(0, cap).toString('utf8')
  return bytes.length > cap ? `${s}... (${bytes.length} bytes)` : s
}

/** The first `cap` bytes of an answer, as its chunks pass: what a comparison needs of it. */
class Capture {
  readonly #cap: number
  #chunks: Buffer[] = []
  #held = 0

  constructor (cap: number) {
    this.#cap = cap
  }

  add (chunk: Buffer): void {
    const held = this.#held
    if (held < this.#cap) this.#chunks.push(held + chunk.length > this.#cap ? chunk.subarray(0, this.#cap - held) : chunk)
    this.#held = held + chunk.length
  }

  /** The bytes kept (one chunk is handed back as it is, without a copy). */
  bytes (): Buffer {
    const chunks = this.#chunks
    this.#chunks = []
    return chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)
  }
}

/**
 * Mirrors a share of live requests to the standby colour and compares the two answers. It has
 * its own small pools, its own timeout and a bound on requests in flight (past it, mirrors are
 * dropped and counted): the client's answer never waits for the shadow.
 */
export class Shadow {
  percent = 0
  mirrored = 0
  compared = 0
  agreed = 0
  disagreed = 0
  standbyErrors = 0
  dropped = 0
  readonly disagreements: Disagreement[] = []
  readonly #latency = { active: new Latency(), standby: new Latency() }
  readonly #pools: Record<Colour, Pool>
  readonly #options: ShadowOptions
  readonly #results: Counter<'result'>
  #inflight = 0
  /** Mirrors sent and not settled, and the one timer that ends those past the shadow timeout. */
  readonly #running = new Set<Mirror>()
  #sweeper: NodeJS.Timeout | null = null

  constructor (upstreams: Record<Colour, Upstream>, registry: Registry, options: ShadowOptions) {
    this.#options = options
    const pool = (u: Upstream): Pool => new Pool(new URL(u.url).origin, { connections: options.connections, pipelining: 1 })
    this.#pools = { blue: pool(upstreams.blue), green: pool(upstreams.green) }
    this.#results = new Counter({ name: 'switchyard_shadow_requests_total', help: 'Mirrored requests by result', labelNames: ['result'] as const, registers: [registry] })
    for (const r of ['agreed', 'disagreed', 'standby_error', 'dropped']) this.#results.labels(r).inc(0)
    const self = this
    new Gauge({
      name: 'switchyard_shadow_agreement_ratio',
      help: 'Share of compared mirrored requests whose answers agreed',
      registers: [registry],
      collect () { this.set(self.compared === 0 ? 0 : self.agreed / self.compared) }
    })
  }

  /**
   * Sets up a mirror of this request to `to` if the dice say so, or returns null. Nothing is sent
   * yet: the standby gets the request once the live answer is complete (ShadowRun.liveEnd), so
   * the mirror's work never sits between a client and its answer.
   */
  mirror (req: IncomingMessage, body: Buffer | null, headers: string[], to: Colour, path: string, random: number): ShadowRun | null {
    if (this.percent <= 0 || random * 100 >= this.percent) return null
    if (body !== null && body.length > this.#options.maxBodyBytes) return null
    this.mirrored++
    if (this.#inflight >= this.#options.maxInflight) {
      this.dropped++
      this.#results.labels('dropped').inc()
      return null
    }
    this.#inflight++
    return new ShadowRun(this, req, body, headers, to, path)
  }

  /** Sends the mirrored request to the standby, on the next turn of the event loop. */
  send (run: ShadowRun): void {
    setImmediate(() => {
      const mirror = new Mirror(run, this.#options.timeout, this.#options.captureBytes, this.#running)
      this.#running.add(mirror)
      this.#sweep()
      // headersTimeout and bodyTimeout bound each wait; the sweep bounds the whole exchange.
      this.#pools[run.to].dispatch({
        method: run.method as Dispatcher.HttpMethod,
        path: run.standbyPath,
        headers: run.headers,
        body: run.input,
        headersTimeout: this.#options.timeout,
        bodyTimeout: this.#options.timeout
      }, mirror)
    })
  }

  /**
   * One timer for every mirror in flight (not one per mirror): each tick ends those past the
   * shadow timeout, so a standby that stalls anywhere in its answer holds its slot that long at
   * most (plus a tenth).
   */
  #sweep (): void {
    if (this.#sweeper !== null) return
    this.#sweeper = setInterval(() => {
      const now = performance.now()
      for (const mirror of this.#running) mirror.expire(now)
      if (this.#running.size === 0 && this.#sweeper !== null) {
        clearInterval(this.#sweeper)
        this.#sweeper = null
      }
    }, Math.max(10, this.#options.timeout / 10))
    this.#sweeper.unref()
  }

  /** A run's two answers are in (or the live one failed). */
  settle (run: ShadowRun): void {
    this.#inflight--
    if (run.liveStatus === null) return
    if (run.standbyStatus === 0 || run.standbyStatus >= 500) {
      this.standbyErrors++
      this.#results.labels('standby_error').inc()
      return
    }
    this.#latency.active.add(run.liveMs)
    this.#latency.standby.add(run.standbyMs)
    this.compared++
    const verdict = run.liveStatus === run.standbyStatus ? compareAnswers(run.liveBody, run.standbyBody, this.#options.tolerance) : 'disagreed'
    this.#count(verdict)
    if (verdict === 'disagreed') this.#keep(run)
  }

  #count (result: Result): void {
    if (result === 'agreed') this.agreed++
    else this.disagreed++
    this.#results.labels(result).inc()
  }

  #keep (run: ShadowRun): void {
    const cap = this.#options.captureBytes
    this.disagreements.push({
      at: new Date().toISOString(),
      path: run.path,
      input: run.input === null ? '' : text(run.input, cap),
      active: { colour: run.liveColour, status: run.liveStatus as number, body: text(run.liveBody, cap) },
      standby: { colour: run.to, status: run.standbyStatus, body: text(run.standbyBody, cap) }
    })
    if (this.disagreements.length > this.#options.keepDisagreements) this.disagreements.shift()
  }

  get captureBytes (): number {
    return this.#options.captureBytes
  }

  report (): Record<string, unknown> {
    return {
      percent: this.percent,
      mirrored: this.mirrored,
      compared: this.compared,
      agreed: this.agreed,
      disagreed: this.disagreed,
      standbyErrors: this.standbyErrors,
      dropped: this.dropped,
      agreement: this.compared === 0 ? null : this.agreed / this.compared,
      standbyErrorRate: this.mirrored === 0 ? null : this.standbyErrors / this.mirrored,
      latency: { active: this.#latency.active.figures(), standby: this.#latency.standby.figures() },
      disagreements: this.disagreements
    }
  }

  /** Forgets the evidence: a new percent, or a new pair of colours, starts a new comparison. */
  reset (): void {
    this.mirrored = this.compared = this.agreed = this.disagreed = this.standbyErrors = this.dropped = 0
    this.disagreements.length = 0
    this.#latency.active = new Latency()
    this.#latency.standby = new Latency()
  }

  async close (): Promise<void> {
    if (this.#sweeper !== null) clearInterval(this.#sweeper)
    this.#sweeper = null
    await Promise.all([this.#pools.blue.destroy(), this.#pools.green.destroy()])
  }
}

/**
 * One mirrored request: keeps a copy of the live answer as it passes, sends the standby its copy
 * of the request once the live answer is complete, then hands both answers to the shadow.
 */
export class ShadowRun {
  readonly path: string
  readonly method: string
  readonly input: Buffer | null
  readonly headers: string[]
  readonly to: Colour
  readonly standbyPath: string
  readonly liveColour: Colour
  liveStatus: number | null = null
  liveBody: Buffer = EMPTY
  liveMs = 0
  standbyStatus = -1
  standbyBody: Buffer = EMPTY
  standbyMs = 0
  readonly #shadow: Shadow
  readonly #started = performance.now()
  #status = 0
  readonly #live: Capture
  #settled = false

  constructor (shadow: Shadow, req: IncomingMessage, body: Buffer | null, headers: string[], to: Colour, standbyPath: string) {
    this.#shadow = shadow
    this.path = req.url as string
    this.method = req.method as string
    this.input = body
    this.headers = headers
    this.to = to
    this.standbyPath = standbyPath
    this.liveColour = otherColour(to)
    this.#live = new Capture(shadow.captureBytes)
  }

  /** The live answer's status went to the client. */
  liveStart (status: number): void {
    this.#status = status
  }

  /** A chunk of the live answer went to the client: a copy (up to the cap) is kept to compare. */
  liveChunk (chunk: Buffer): void {
    this.#live.add(chunk)
  }

  /** The live answer is complete: now the standby gets the same request. */
  liveEnd (): void {
    this.liveStatus = this.#status
    this.liveBody = this.#live.bytes()
    this.liveMs = performance.now() - this.#started
    this.#shadow.send(this)
  }

  /** The live request failed: nothing to compare, so the standby is not asked. */
  liveFailed (): void {
    if (this.liveStatus !== null || this.#settled) return
    this.#settled = true
    this.#shadow.settle(this)
  }

  standby (status: number, body: Buffer, ms: number): void {
    this.standbyStatus = status
    this.standbyBody = body
    this.standbyMs = ms
    this.#settled = true
    this.#shadow.settle(this)
  }
}

/**
 * The standby's side of a run, as undici's callback handler: no promise, body stream or parsed
 * header object per mirror. A failure before or during the answer's body (a timeout, a reset,
 * an answer not complete within the shadow's timeout) is a standby error.
 */
class Mirror implements Dispatcher.DispatchHandler {
  readonly #run: ShadowRun
  readonly #timeout: number
  readonly #answer: Capture
  readonly #running: Set<Mirror>
  readonly #sent = performance.now()
  #abort: ((err?: Error) => void) | null = null
  #expired = false
  #status = 0
  #done = false

  constructor (run: ShadowRun, timeout: number, cap: number, running: Set<Mirror>) {
    this.#run = run
    this.#timeout = timeout
    this.#answer = new Capture(cap)
    this.#running = running
  }

  /** Ends the exchange if it has run past the timeout (or as soon as it connects). */
  expire (now: number): void {
    if (this.#done || now - this.#sent <= this.#timeout) return
    this.#expired = true
    this.#abort?.(new Error('shadow timeout'))
  }

  onConnect (abort: (err?: Error) => void): void {
    this.#abort = abort
    if (this.#expired) abort(new Error('shadow timeout'))
  }

  onHeaders (statusCode: number): boolean {
    this.#status = statusCode
    return true
  }

  onData (chunk: Buffer): boolean {
    this.#answer.add(chunk)
    return true
  }

  onComplete (): void {
    const ms = performance.now() - this.#sent
    if (ms > this.#timeout) return this.onError()
    this.#settle()
    this.#run.standby(this.#status, this.#answer.bytes(), ms)
  }

  onError (): void {
    if (this.#done) return // undici calls onError if onComplete threw: settle once
    this.#settle()
    this.#run.standby(0, EMPTY, performance.now() - this.#sent)
  }

  #settle (): void {
    this.#done = true
    this.#running.delete(this)
  }
}
