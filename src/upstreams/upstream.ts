import { Pool } from '../undici.js'
import type { Colour } from '../colour.js'

export interface UpstreamOptions {
  colour: Colour
  url: string
  connections: number
  keepAliveTimeout: number
  connectTimeout: number
}

/**
 * One model-server origin: its keep-alive pool (kept open whichever colour is active, so a switch
 * never pays for new connections) and its count of requests in flight.
 */
export class Upstream {
  readonly colour: Colour
  readonly url: string
  /** Path prefix of the upstream URL ('' for none), put before every forwarded path. */
  readonly basePath: string
  readonly pool: Pool
  inflight = 0

  constructor (options: UpstreamOptions) {
    const url = new URL(options.url)
    this.colour = options.colour
    this.url = options.url
    this.basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeout,
      // A model server's own keep-alive hint wins when shorter, less a margin, so we never
      // write to a socket the server is about to close.
      keepAliveMaxTimeout: options.keepAliveTimeout,
      keepAliveTimeoutThreshold: 1000,
      connectTimeout: options.connectTimeout
    })
  }

  close (): Promise<void> {
    return this.pool.close()
  }
}
