// The bench's upstream: answers like a model server, but as fast as Node can, so the proxy in
// front of it is what gets measured. POST /invocations reads the whole body (of any size) and
// answers a fixed `{"predictions":[0]}`; GET /ping answers the health probes. One process, two
// listeners: switchyard refuses blue and green on the same URL, so blue gets the first port and
// green the second (green only ever sees health probes).
//   node --import tsx bench/upstream.ts
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serveChild } from './lib/child.js'

const ANSWER = Buffer.from('{"predictions":[0]}')
const ANSWER_HEADERS = { 'content-type': 'application/json', 'content-length': ANSWER.length }
const PONG_HEADERS = { 'content-type': 'application/json', 'content-length': 1 }

function handle (req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/invocations' && req.method === 'POST') {
    // Answer only once the body is all read, as a model server must; the bytes are dropped.
    req.resume()
    req.once('end', () => {
      res.writeHead(200, ANSWER_HEADERS)
      res.end(ANSWER)
    })
  } else if (req.url === '/ping' || req.url === '/health') {
    res.writeHead(200, PONG_HEADERS)
    res.end('\n')
  } else {
    res.writeHead(404, { 'content-length': 0 })
    res.end()
  }
}

function listen (): Promise<Server> {
  const server = createServer(handle)
  // Longer than any run, so no pool ever meets a socket the upstream has just closed.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 121_000
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const servers = [await listen(), await listen()]
serveChild(servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`), async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => {
    server.close(resolve)
    server.closeAllConnections()
  })))
})
