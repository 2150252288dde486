// The part of autocannon 9's programmatic API the bench uses (it ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface Options {
    url: string
    connections?: number
    /** Seconds. */
    duration?: number
    /** Stop after this many requests instead of after `duration`. */
    amount?: number
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    /** Seconds. */
    timeout?: number
  }

  interface Result {
    requests: { total: number, sent: number }
    /** Seconds. */
    duration: number
    errors: number
    timeouts: number
    non2xx: number
  }

  interface Instance extends EventEmitter {
    stop (): void
  }

  function autocannon (options: Options, callback: (err: Error | null, result: Result) => void): Instance
  export default autocannon
}
