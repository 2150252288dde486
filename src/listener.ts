// The node:http (or node:https) server under each Fastify listener, with the client-side limits:
// how long a client may take to send its headers and its whole request, how long an idle
// connection stays open, how many connections are open at once. Node's requestTimeout stops
// counting once the request has been received, so a slow upstream answer is never cut here
// (proxy.timeout bounds that).
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https'
import type { Logger } from 'pino'
import { CONFIG_INVALID } from './errors.js'

export interface ListenerLimits {
  headersTimeout: number
  requestTimeout: number
  keepAliveTimeout: number
  maxConnections: number | null
  maxRequestsPerSocket: number | null
}

export interface TlsFiles {
  readonly cert: string | null
  readonly key: string | null
}

/** The certificate and key, read now; null for plain HTTP. `section` names the keys in errors. */
export function readTls (tls: TlsFiles, section: string): { cert: Buffer, key: Buffer } | null {
  if (tls.cert === null || tls.key === null) return null
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(file)
    } catch (err) {
      throw CONFIG_INVALID(`${section}.tls.${key}: ${JSON.stringify(file)} cannot be read (${String((err as NodeJS.ErrnoException).code)})`)
    }
  }
  return { cert: read(tls.cert, 'cert'), key: read(tls.key, 'key') }
}

/**
 * How often Node looks for requests over headersTimeout or requestTimeout: a quarter of the
 * shorter one, between 50 ms and 1 s (Node's own default, 30 s, would let a slow client hold a
 * connection up to 30 s past its timeout).
 */
export function checkingInterval (limits: Pick<ListenerLimits, 'headersTimeout' | 'requestTimeout'>): number {
  return Math.min(1000, Math.max(50, Math.floor(Math.min(limits.headersTimeout, limits.requestTimeout) / 4)))
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

export interface ListenerOptions {
  /** 'public' or 'admin', in log lines. */
  name: string
  limits: ListenerLimits
  tls: { cert: Buffer, key: Buffer } | null
  logger: Logger
}

/** How often at most a "connections refused" line is logged while the limit holds. */
const DROP_LOG_INTERVAL_MS = 10_000

/** A Fastify serverFactory: the server with the limits applied (and TLS when given). */
export function listenerFactory (options: ListenerOptions): (handler: Handler) => Server {
  return (handler) => {
    const { limits } = options
    const http = {
      headersTimeout: limits.headersTimeout,
      requestTimeout: limits.requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeout,
      connectionsCheckingInterval: checkingInterval(limits)
    }
    // https.Server has every http.Server member (Node's typings merge the two).
    const server: Server = options.tls === null ? createHttpServer(http, handler) : createHttpsServer({ ...http, ...options.tls }, handler)
    if (limits.maxConnections !== null) server.maxConnections = limits.maxConnections
    if (limits.maxRequestsPerSocket !== null) server.maxRequestsPerSocket = limits.maxRequestsPerSocket
    let dropped = 0
    let loggedAt = -Infinity
    server.on('drop', () => {
      dropped++
      const now = performance.now()
      if (now - loggedAt < DROP_LOG_INTERVAL_MS) return
      loggedAt = now
      options.logger.warn({ listener: options.name, maxConnections: limits.maxConnections, dropped }, 'connection refused: maxConnections reached')
    })
    return server
  }
}

/**
 * Reads the certificate and key again and puts them in force for new connections (on SIGHUP):
 * a certificate renewed on disk needs no restart. A file that cannot be read or used keeps the
 * old pair and logs why.
 */
export function reloadTls (server: Server, tls: TlsFiles, section: string, logger: Logger): boolean {
  if (!(server instanceof HttpsServer)) return false
  try {
    const pair = readTls(tls, section)
    if (pair !== null) server.setSecureContext(pair)
  } catch (err) {
    logger.error({ listener: section, cert: tls.cert, key: tls.key, problem: (err as Error).message }, `${section}.tls: certificate not reloaded, the previous one stays in force`)
    return false
  }
  logger.info({ listener: section, cert: tls.cert }, `${section}.tls: certificate reloaded`)
  return true
}
