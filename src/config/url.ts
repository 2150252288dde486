// Upstream origins are joined with request paths by the forwarder, so they must be plain http(s)
// URLs: no query or fragment to collide with the request's, and no trailing slash to double up.
import type { Parsed } from './units.js'
import { show } from './problems.js'

export const URL_EXPECTED = 'must be an http(s) URL with no query or fragment'

export function parseHttpUrl (value: string, label: string): Parsed<string> {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return bad(value, label)
  }
  // Checked on the text too: new URL() drops an empty "?" or "#".
  const plain = (url.protocol === 'http:' || url.protocol === 'https:') && !/[?#]/.test(value)
  if (!plain) return bad(value, label)
  // The normalised form (lower-case host, default port dropped) so equal origins compare equal.
  return { ok: true, value: url.href.replace(/\/+$/, '') }
}

function bad (value: string, label: string): Parsed<string> {
  return { ok: false, problem: `${label}: ${URL_EXPECTED} (got ${show(value)})` }
}
