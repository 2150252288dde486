// A plain HTTP upstream for tests that need an answer no model server gives (a stall, a
// redirect, an echo of the headers): listens on a free loopback port, closed at teardown.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TeardownHost } from './model-server.js'

export async function httpUpstream (t: TeardownHost, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
