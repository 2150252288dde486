import { isFailure, type Outcome } from '../metrics/metrics.js'
import { LATENCY_BUCKETS, bucketOf, quantileMs } from './latency.js'

/** What the guard judges a colour on: counts over the window, and its p50/p99. */
export interface WindowSummary {
  requests: number
  /** 5xx + connection errors + timeouts. */
  errors: number
  clientErrors: number
  errorRate: number
  clientErrorRate: number
  p50Ms: number | null
  p99Ms: number | null
  /** Milliseconds of data the summary covers (less than the window right after a reset). */
  spanMs: number
}

const BUCKETS = 120

/**
 * A sliding window of one colour's outcomes, in sub-second slices. Totals are kept running (a
 * slice's counts are taken off when it is reused), so recording and summarising are O(1) in the
 * number of requests; a p99 costs one walk over the latency buckets.
 */
export class SlidingWindow {
  readonly #sliceMs: number
  readonly #windowMs: number
  // Per slice: the slice number it holds, and its counts.
  readonly #epoch = new Float64Array(BUCKETS).fill(-1)
  readonly #requests = new Uint32Array(BUCKETS)
  readonly #errors = new Uint32Array(BUCKETS)
  readonly #clientErrors = new Uint32Array(BUCKETS)
  readonly #latency = new Uint32Array(BUCKETS * LATENCY_BUCKETS)
  // Running totals over the live slices.
  #totalRequests = 0
  #totalErrors = 0
  #totalClientErrors = 0
  readonly #totalLatency = new Float64Array(LATENCY_BUCKETS)
  #startedAt: number

  constructor (windowMs: number, now: number) {
    this.#windowMs = windowMs
    this.#sliceMs = windowMs / BUCKETS
    this.#startedAt = now
  }

  record (outcome: Outcome, ms: number, now: number): void {
    const i = this.#slice(now)
    this.#requests[i]!++
    this.#totalRequests++
    if (isFailure(outcome)) {
      this.#errors[i]!++
      this.#totalErrors++
    } else if (outcome === 'client_error') {
      this.#clientErrors[i]!++
      this.#totalClientErrors++
    }
    const b = bucketOf(ms)
    this.#latency[i * LATENCY_BUCKETS + b]!++
    this.#totalLatency[b]!++
  }

  summary (now: number, withLatency = true): WindowSummary {
    this.#expire(now)
    const requests = this.#totalRequests
    return {
      requests,
      errors: this.#totalErrors,
      clientErrors: this.#totalClientErrors,
      errorRate: requests === 0 ? 0 : this.#totalErrors / requests,
      clientErrorRate: requests === 0 ? 0 : this.#totalClientErrors / requests,
      p50Ms: withLatency ? quantileMs(this.#totalLatency, requests, 0.5) : null,
      p99Ms: withLatency ? quantileMs(this.#totalLatency, requests, 0.99) : null,
      spanMs: Math.min(now - this.#startedAt, this.#windowMs)
    }
  }

  /** Forgets everything: a colour that becomes active is judged on what it does from now on. */
  reset (now: number): void {
    this.#epoch.fill(-1)
    this.#requests.fill(0)
    this.#errors.fill(0)
    this.#clientErrors.fill(0)
    this.#latency.fill(0)
    this.#totalLatency.fill(0)
    this.#totalRequests = 0
    this.#totalErrors = 0
    this.#totalClientErrors = 0
    this.#startedAt = now
  }

  /** The slot for `now`, cleared first if it still holds an older slice. */
  #slice (now: number): number {
    const epoch = Math.floor(now / this.#sliceMs)
    const i = epoch % BUCKETS
    if (this.#epoch[i] !== epoch) {
      this.#drop(i)
      this.#epoch[i] = epoch
    }
    return i
  }

  #expire (now: number): void {
    const oldest = Math.floor(now / this.#sliceMs) - BUCKETS + 1
    for (let i = 0; i < BUCKETS; i++) {
      const epoch = this.#epoch[i] as number
      if (epoch !== -1 && epoch < oldest) {
        this.#drop(i)
        this.#epoch[i] = -1
      }
    }
  }

  #drop (i: number): void {
    if (this.#epoch[i] === -1) return
    this.#totalRequests -= this.#requests[i] as number
    this.#totalErrors -= this.#errors[i] as number
    this.#totalClientErrors -= this.#clientErrors[i] as number
    this.#requests[i] = 0
    this.#errors[i] = 0
    this.#clientErrors[i] = 0
    const base = i * LATENCY_BUCKETS
    for (let b = 0; b < LATENCY_BUCKETS; b++) {
      const n = this.#latency[base + b] as number
      if (n !== 0) {
        this.#totalLatency[b]! -= n
        this.#latency[base + b] = 0
      }
    }
  }
}
