import type { Colour } from '../colour.js'
import type { Metrics, Outcome } from '../metrics/metrics.js'

/** Where the outcome of each proxied request goes: metrics now, the guard's windows too. */
export interface Recorder {
  record (colour: Colour, outcome: Outcome, seconds: number): void
}

export function outcomeOf (statusCode: number): Outcome {
  if (statusCode >= 500) return 'server_error'
  if (statusCode >= 400) return 'client_error'
  return 'ok'
}

export class MetricsRecorder implements Recorder {
  readonly #metrics: Metrics
  constructor (metrics: Metrics) {
    this.#metrics = metrics
  }

  record (colour: Colour, outcome: Outcome, seconds: number): void {
    this.#metrics.requests[colour][outcome].inc()
    this.#metrics.duration[colour].observe(seconds)
  }
}
