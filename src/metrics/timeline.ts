import { EventEmitter } from 'node:events'
import { COLOURS, type Colour } from '../colour.js'
import { LATENCY_BUCKETS, bucketOf, quantileMs } from '../guard/latency.js'
import type { Recorder } from '../traffic/record.js'
import { isFailure, type Outcome } from './metrics.js'

/** One colour over one interval. */
export interface TimelinePoint {
  /** Requests answered per second. */
  rps: number
  /** 5xx + connection errors + timeouts over requests; null with no requests. */
  errorRate: number | null
  /** p99 of the interval's requests (to within ~20%, the guard's latency buckets); null with none. */
  p99Ms: number | null
}

/** Both colours over one interval, stamped with its end (epoch ms) and the colour live at that moment. */
export interface TimelineSample {
  t: number
  active: Colour
  blue: TimelinePoint
  green: TimelinePoint
}

export interface TimelineOptions {
  /** The live colour, read once per sample. */
  active: () => Colour
  /** Default 1000 ms. */
  intervalMs?: number
  /** Samples kept; default 300 (five minutes at one a second). */
  keep?: number
  /** Epoch milliseconds; tests pass their own clock. */
  now?: () => number
  /** Sample on a timer (default); false leaves sampling to tick(), for tests. */
  timer?: boolean
}

export interface TimelineEvents {
  sample: [sample: TimelineSample]
}

class Counts {
  requests = 0
  errors = 0
  readonly latency = new Uint32Array(LATENCY_BUCKETS)

  take (seconds: number): TimelinePoint {
    const point = {
      rps: seconds > 0 ? Math.round((this.requests / seconds) * 10) / 10 : 0,
      errorRate: this.requests === 0 ? null : this.errors / this.requests,
      p99Ms: quantileMs(this.latency, this.requests, 0.99)
    }
    this.requests = 0
    this.errors = 0
    this.latency.fill(0)
    return point
  }
}

/**
 * Requests per second, error rate and p99 per colour, one sample a second, the last few minutes
 * of them: what the dashboard draws. It counts as a Recorder (a few integer increments on the
 * request path, like the guard's windows) and samples on an unref'd timer stopped by close().
 */
export class Timeline extends EventEmitter<TimelineEvents> implements Recorder {
  readonly intervalMs: number
  readonly #keep: number
  readonly #active: () => Colour
  readonly #now: () => number
  readonly #counts: Record<Colour, Counts> = { blue: new Counts(), green: new Counts() }
  readonly #samples: TimelineSample[] = []
  #last: number
  #timer: NodeJS.Timeout | null = null

  constructor (options: TimelineOptions) {
    super()
    this.intervalMs = options.intervalMs ?? 1000
    this.#keep = options.keep ?? 300
    this.#active = options.active
    this.#now = options.now ?? Date.now
    this.#last = this.#now()
    if (options.timer !== false) {
      this.#timer = setInterval(() => this.tick(), this.intervalMs)
      this.#timer.unref()
    }
  }

  /** A recorder that passes every outcome to `inner`, then counts it here. */
  wrap (inner: Recorder): Recorder {
    return {
      record: (colour, outcome, seconds) => {
        inner.record(colour, outcome, seconds)
        this.record(colour, outcome, seconds)
      }
    }
  }

  record (colour: Colour, outcome: Outcome, seconds: number): void {
    const counts = this.#counts[colour]
    counts.requests++
    if (isFailure(outcome)) counts.errors++
    counts.latency[bucketOf(seconds * 1000)]!++
  }

  /** Closes the interval so far into a sample, keeps it and announces it. */
  tick (): TimelineSample {
    const now = this.#now()
    const seconds = (now - this.#last) / 1000
    this.#last = now
    const sample = { t: now, active: this.#active() } as TimelineSample
    for (const colour of COLOURS) sample[colour] = this.#counts[colour].take(seconds)
    this.#samples.push(sample)
    if (this.#samples.length > this.#keep) this.#samples.shift()
    this.emit('sample', sample)
    return sample
  }

  /** The samples kept, oldest first. */
  samples (): TimelineSample[] {
    return this.#samples.slice()
  }

  close (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }
}
