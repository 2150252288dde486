// What one load-generator run reports, whichever tool ran it.

export type Tool = 'wrk' | 'autocannon' | 'paced'

export interface LoadOptions {
  /** Origin, e.g. http://127.0.0.1:8080; the path is always /invocations. */
  url: string
  connections: number
  /** Seconds; ignored when `amount` is set. */
  duration: number
  bodyFile: string
  /** autocannon only: stop after this many requests, and report progress every `every`. */
  amount?: number
  every?: number
}

export interface LoadResult {
  tool: Tool
  requests: number
  seconds: number
  rps: number
  p50Ms: number
  p99Ms: number
  /** Connection errors and timeouts. */
  errors: number
  non2xx: number
  /** Requests the server answered during the run, when more than `requests` were (paced warm-up). */
  served?: number
  /** CPU seconds the load generator process used in all (to tell its use of core 1 from others'). */
  loadCpuSeconds: number | null
}

export const PATH = '/invocations'
export const HEADERS = { 'content-type': 'application/json' }
