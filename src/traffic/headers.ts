// Hop-by-hop headers describe one connection, not the message: a proxy must not pass them on
// (RFC 9110 section 7.6.1), in either direction, nor any header the Connection header names.

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade'
])

/** Names listed in a Connection header, lowercased; null when there are none (the usual case). */
function connectionNamed (value: string): Set<string> | null {
  let named: Set<string> | null = null
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase()
    if (name !== '' && name !== 'close' && name !== 'keep-alive') (named ??= new Set()).add(name)
  }
  return named
}

export interface ForwardedFor {
  remoteAddress: string | undefined
  proto: string
}

/** What the forwarder needs of a request's head: the upstream's headers and the body's framing. */
export interface RequestHead {
  /** Flat list (name, value, ...) as undici takes it: the client's, less hop-by-hop, plus x-forwarded-*. */
  headers: string[]
  /** Declared Content-Length, or null. */
  length: number | null
  /** The body comes in chunks of unknown total (Transfer-Encoding). */
  chunked: boolean
}

// Set by switchyard alone: a client's own values would be taken for switchyard's (a framework that
// trusts its proxy reads the first one).
const OURS_UPSTREAM = new Set(['x-forwarded-proto', 'x-forwarded-host'])
// Lengths of the names the request pass looks at: host, expect, x-forwarded-*, content-length
// and the hop-by-hop ones. Any other name is copied without a lowercase copy being made.
const REQUEST_LENGTHS = new Set([...HOP_BY_HOP, ...OURS_UPSTREAM, 'host', 'expect', 'x-forwarded-for', 'content-length'].map((name) => name.length))

/**
 * Reads the client's raw header list once: the headers for the upstream (names as the client
 * spelled them) and the body's framing. `host` goes to x-forwarded-host (undici sets Host to the
 * upstream's own); `expect` is answered by Node's server itself and undici refuses to send it.
 */
export function requestHead (raw: readonly string[], forwarded: ForwardedFor): RequestHead {
  const headers: string[] = []
  let named: Set<string> | null = null
  let prior: string | null = null
  let host: string | null = null
  let length: number | null = null
  let chunked = false
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    const value = raw[i + 1] as string
    if (REQUEST_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase()
      if (lower === 'content-length') length = Number(value)
      else if (lower === 'x-forwarded-for') {
        prior = prior === null ? value : `${prior}, ${value}`
        continue
      } else if (lower === 'host') {
        host ??= value
        continue
      } else if (lower === 'expect' || OURS_UPSTREAM.has(lower)) continue
      else if (HOP_BY_HOP.has(lower)) {
        if (lower === 'transfer-encoding') chunked = true
        else if (lower === 'connection') named = addNamed(named, value)
        continue
      }
    }
    headers.push(name, value)
  }
  const out = named === null ? headers : withoutNamed(headers, named)
  const client = forwarded.remoteAddress ?? 'unknown'
  out.push('x-forwarded-for', prior === null ? client : `${prior}, ${client}`, 'x-forwarded-proto', forwarded.proto)
  if (host !== null) out.push('x-forwarded-host', host)
  return { headers: out, length, chunked }
}

// Set by switchyard alone on the way back (an upstream that is itself a switchyard sends them too).
const OURS_CLIENT = new Set(['x-switchyard-colour', 'x-switchyard-shielded'])
// Lengths of the names the response pass looks at: most names skip the lowercase copy.
const HOP_LENGTHS = new Set([...HOP_BY_HOP, ...OURS_CLIENT].map((name) => name.length))

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
      if (OURS_CLIENT.has(lower)) continue
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
