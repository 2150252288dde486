// The forwarder's flow control, over real sockets: a client that reads slowly gets every byte
// (undici pauses for it), a client that leaves mid-answer stops the upstream's answer too, and
// informational 1xx answers are passed over for the final one.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

const CHUNK = Buffer.alloc(64 * 1024, 'x')

async function upstream (t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('a client that reads slowly still gets every byte of a large answer', async (t) => {
  const total = 24 * 1024 * 1024
  let sentHash = ''
  const url = await upstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) })
    const hash = createHash('sha256')
    let sent = 0
    const more = (): void => {
      while (sent < total) {
        // Each chunk's bytes differ, so a lost or repeated chunk shows in the hash.
        const chunk = Buffer.alloc(Math.min(CHUNK.length, total - sent), sent / CHUNK.length % 251)
        sent += chunk.length
        hash.update(chunk)
        if (!res.write(chunk)) return void res.once('drain', more)
      }
      sentHash = hash.digest('hex')
      res.end()
    }
    more()
  })
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green` })
  const res = await request(`${sy.proxyUrl}/big`)
  t.equal(res.statusCode, 200)
  const hash = createHash('sha256')
  let bytes = 0
  let paused = false
  for await (const chunk of res.body) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
    if (!paused && bytes > 1024 * 1024) {
      // Stop reading long enough for every buffer between upstream and client to fill.
      paused = true
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  t.equal(bytes, total)
  t.equal(hash.digest('hex'), sentHash)
  await until(() => sy.app.upstreams.blue.inflight === 0)
  t.equal(sy.app.upstreams.blue.inflight, 0)
})

t.test('a client that leaves mid-answer ends the upstream request as well', async (t) => {
  let upstreamClosed = false
  let upstreamFinished = false
  const url = await upstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    // An answer with no end: only the proxy letting go stops it.
    const more = (): void => {
      while (res.write(CHUNK)) { /* fill */ }
      res.once('drain', more)
    }
    res.on('close', () => { upstreamClosed = true; upstreamFinished = res.writableFinished })
    more()
  })
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green` })
  const port = Number(new URL(sy.proxyUrl).port)
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /endless HTTP/1.1\r\nhost: x\r\n\r\n'))
    let bytes = 0
    socket.on('data', (d) => {
      bytes += d.length
      if (bytes > 256 * 1024) {
        socket.pause()
        // Leave while switchyard waits for this client to drain.
        setTimeout(() => socket.destroy(), 200)
      }
    })
    socket.on('close', () => resolve())
  })
  await until(() => upstreamClosed)
  t.ok(upstreamClosed, 'the upstream saw its request end')
  t.notOk(upstreamFinished, 'before it finished its answer')
  await until(() => sy.app.upstreams.blue.inflight === 0)
  t.equal(sy.app.upstreams.blue.inflight, 0)
})

t.test('1xx informational answers are skipped; the final answer arrives whole', async (t) => {
  const url = await upstream(t, (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '17' })
      res.end('{"predictions":1}')
    }, 20)
  })
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green` })
  const res = await fetch(`${sy.proxyUrl}/invocations`, { method: 'POST', body: '{}' })
  t.equal(res.status, 200)
  t.equal(res.headers.get('x-switchyard-colour'), 'blue')
  t.equal(await res.text(), '{"predictions":1}')
})
