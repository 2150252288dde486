// The Node floor: the least a Node proxy can do. Bare node:http, the request body buffered,
// one undici Pool.request, the answer buffered and written with two headers. No routing, no
// header hygiene, no metrics: anything switchyard costs beyond this is its own overhead.
//   node --import tsx bench/proxies/node-floor.ts --upstream http://127.0.0.1:PORT
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Pool, type Dispatcher } from 'undici'
import { arg, serveChild } from '../lib/child.js'

const pool = new Pool(arg('upstream'), { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 })

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    pool.request({
      method: req.method as Dispatcher.HttpMethod,
      path: req.url as string,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
      body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    }).then(async ({ statusCode, headers, body }) => {
      const answer = Buffer.from(await body.arrayBuffer())
      res.writeHead(statusCode, { 'content-type': headers['content-type'] ?? 'application/octet-stream', 'content-length': answer.length })
      res.end(answer)
    }, () => {
      res.writeHead(502, { 'content-length': 0 })
      res.end()
    })
  })
})
server.keepAliveTimeout = 120_000

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  serveChild(`http://127.0.0.1:${port}`, async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await pool.close()
  })
})
