// The part of undici that switchyard runs: its connection pools and the request API on them.
// undici's index loads everything it has (fetch, WebSocket, EventSource, mocks, cache stores)
// at import; the proxy never uses those and they cost ~9 MB of resident memory per replica.
// These are the modules index.js itself wires together (undici 7; the tests start switchyard,
// so a move of them in an upgrade fails every test at once rather than at run time).
import { createRequire } from 'node:module'
import type * as Undici from 'undici'

const require = createRequire(import.meta.url)

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool
export type Pool = Undici.Pool
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent
export type Agent = Undici.Agent
export type { Dispatcher } from 'undici'

// What index.js does: request(), stream() and the rest as methods of every dispatcher.
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as typeof Undici.Dispatcher
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'))

/** `request(url, { dispatcher })` of undici's index, on the dispatcher given. */
export function requestVia (dispatcher: Undici.Dispatcher, url: URL, options: Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Undici.Dispatcher.ResponseData> {
  return dispatcher.request({ ...options, origin: url.origin, path: `${url.pathname}${url.search}` })
}
