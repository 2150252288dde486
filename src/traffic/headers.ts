// Hop-by-hop headers describe one connection, not the message: a proxy must not pass them on
// (RFC 9110 section 7.6.1), in either direction, nor any header the Connection header names.
import type { IncomingHttpHeaders } from 'node:http'

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

// Lengths of the hop-by-hop names: most names skip the lowercase copy on the way back.
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length))

/**
 * Headers for the client, from the upstream's raw header list (name, value, name, value...):
 * the same list less hop-by-hop ones, names as the upstream spelled them, plus the colour that
 * answered. The flat list goes to writeHead as is: no header object is built on the way.
 */
export function responseHeaders (raw: ReadonlyArray<Buffer | string>, colour: string, shielded = false, draining = false): string[] {
  const out: string[] = []
  let named: Set<string> | null = null
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = latin1(raw[i] as Buffer | string)
    if (HOP_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase()
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') named = addNamed(named, latin1(raw[i + 1] as Buffer | string))
        continue
      }
    }
    out.push(name, latin1(raw[i + 1] as Buffer | string))
  }
  const kept = named === null ? out : withoutNamed(out, named)
  kept.push('x-switchyard-colour', colour)
  if (shielded) kept.push('x-switchyard-shielded', '1')
  if (draining) kept.push('connection', 'close')
  return kept
}

function latin1 (value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('latin1')
}

function addNamed (named: Set<string> | null, value: string): Set<string> | null {
  const more = connectionNamed(value)
  if (more === null) return named
  if (named === null) return more
  for (const name of more) named.add(name)
  return named
}

function withoutNamed (headers: string[], named: Set<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!named.has((headers[i] as string).toLowerCase())) out.push(headers[i] as string, headers[i + 1] as string)
  }
  return out
}
