// Bounds token guessing: a client address that fails the token check `limit` times within
// `window` is refused (429) for `window`, right token or not. Successful checks do not count.
// Memory is bounded: at most `maxClients` addresses are tracked; past it, expired entries go
// first, then the oldest.
import { isIPv6 } from 'node:net'

export interface AuthFailuresOptions {
  /** Failures allowed per window; null: no limit. */
  limit: number | null
  windowMs: number
  /** Addresses tracked at most (10,000 by default). */
  maxClients?: number
  now?: () => number
}

interface Tally {
  /** Failures since `since`. */
  count: number
  since: number
  /** Refused until then, once the limit is reached; 0 while not refused. */
  blockedUntil: number
}

export const MAX_CLIENTS = 10_000

/**
 * The key an address is counted under: IPv4 as it is (an IPv4-mapped IPv6 address too), IPv6
 * by its /64, since one host usually holds a whole /64.
 */
export function clientKey (address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped !== null) return mapped[1] as string
  if (!isIPv6(address)) return address
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`
}

function expandIPv6 (address: string): string[] {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? []
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
}

export class AuthFailures {
  readonly limit: number | null
  readonly windowMs: number
  readonly #max: number
  readonly #now: () => number
  readonly #clients = new Map<string, Tally>()

  constructor (options: AuthFailuresOptions) {
    this.limit = options.limit
    this.windowMs = options.windowMs
    this.#max = options.maxClients ?? MAX_CLIENTS
    this.#now = options.now ?? Date.now
  }

  /** Addresses tracked now. */
  get size (): number {
    return this.#clients.size
  }

  /** Whole seconds `address` must wait before it may try again; 0 when it may try now. */
  retryAfter (address: string): number {
    const record = this.#clients.get(clientKey(address))
    const now = this.#now()
    if (record === undefined || record.blockedUntil <= now) return 0
    return Math.max(1, Math.ceil((record.blockedUntil - now) / 1000))
  }

  /** Counts one failed check; true when the address has now reached the limit. */
  fail (address: string): boolean {
    if (this.limit === null) return false
    const key = clientKey(address)
    const now = this.#now()
    let record = this.#clients.get(key)
    if (record === undefined || this.#expired(record, now)) {
      if (record === undefined) this.#makeRoom(now)
      // Delete first so the Map's order stays "oldest first" for eviction.
      this.#clients.delete(key)
      record = { count: 0, since: now, blockedUntil: 0 }
      this.#clients.set(key, record)
    }
    record.count++
    if (record.count >= this.limit && record.blockedUntil === 0) record.blockedUntil = now + this.windowMs
    return record.blockedUntil !== 0
  }

  #expired (record: Tally, now: number): boolean {
    return record.blockedUntil === 0 ? now - record.since >= this.windowMs : record.blockedUntil <= now
  }

  #makeRoom (now: number): void {
    if (this.#clients.size < this.#max) return
    for (const [key, record] of this.#clients) {
      if (this.#expired(record, now)) this.#clients.delete(key)
    }
    if (this.#clients.size < this.#max) return
    // All live: the oldest goes.
    const oldest = this.#clients.keys().next()
    if (oldest.done !== true) this.#clients.delete(oldest.value)
  }
}
