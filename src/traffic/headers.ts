// Hop-by-hop headers describe one connection, not the message: a proxy must not pass them on
// (RFC 9110 section 7.6.1), in either direction, nor any header the Connection header names.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade'
])

/** Names listed in a Connection header, lowercased; null when there are none (the usual case). */
function connectionNamed (value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null
  const text = Array.isArray(value) ? value.join(',') : value
  let named: Set<string> | null = null
  for (const part of text.split(',')) {
    const name = part.trim().toLowerCase()
    if (name !== '' && name !== 'close' && name !== 'keep-alive') (named ??= new Set()).add(name)
  }
  return named
}

export interface ForwardedFor {
  remoteAddress: string | undefined
  proto: string
}

/** Headers for the upstream: the client's, less hop-by-hop ones, plus x-forwarded-*. */
export function requestHeaders (incoming: IncomingHttpHeaders, forwarded: ForwardedFor): Record<string, string | string[]> {
  const named = connectionNamed(incoming.connection)
  const out: Record<string, string | string[]> = {}
  for (const name in incoming) {
    // `host` goes to x-forwarded-host: undici sets Host to the upstream's own.
    // `expect` is answered by Node's server itself; undici refuses to send it.
    if (HOP_BY_HOP.has(name) || name === 'host' || name === 'expect' || (named !== null && named.has(name))) continue
    const value = incoming[name]
    if (value !== undefined) out[name] = value
  }
  const prior = incoming['x-forwarded-for']
  const client = forwarded.remoteAddress ?? 'unknown'
  out['x-forwarded-for'] = prior === undefined ? client : `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}`
  out['x-forwarded-proto'] = forwarded.proto
  if (incoming.host !== undefined) out['x-forwarded-host'] = incoming.host
  return out
}

/** Headers for the client: the upstream's, less hop-by-hop ones, plus the colour that answered. */
export function responseHeaders (incoming: IncomingHttpHeaders, colour: string): OutgoingHttpHeaders {
  const named = connectionNamed(incoming.connection)
  const out: OutgoingHttpHeaders = {}
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || (named !== null && named.has(name))) continue
    out[name] = incoming[name]
  }
  out['x-switchyard-colour'] = colour
  return out
}
