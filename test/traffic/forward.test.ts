// The forwarder's flow control, over real sockets: a client that reads slowly gets every byte
// (undici pauses for it), a client that leaves mid-answer stops the upstream's answer too, and
// informational 1xx answers are passed over for the final one.
import { createHash } from 'node:crypto'
import { connect } from 'node:net'
import t from 'tap'
import { request } from 'undici'
import { startSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'
import { RawConnection } from '../helpers/raw-http.js'
import { httpUpstream } from '../helpers/http-upstream.js'

const CHUNK = Buffer.alloc(64 * 1024, 'x')

t.test('a client that reads slowly still gets every byte of a large answer', async (t) => {
  const total = 24 * 1024 * 1024
  let sentHash = ''
  const url = await httpUpstream(t, (_req, res) => {
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
  const url = await httpUpstream(t, (_req, res) => {
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
  const url = await httpUpstream(t, (_req, res) => {
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

t.test('a client that leaves while the upstream pauses between chunks ends the upstream request at once', async (t) => {
  let upstreamClosed = false
  const url = await httpUpstream(t, (_req, res) => {
    // One event, then nothing: like a model streaming tokens with long gaps. Only the proxy
    // letting go ends this answer (proxy.timeout is 60 s, far past the test's patience).
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: first\n\n')
    res.on('close', () => { upstreamClosed = true })
  })
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green` })
  const port = Number(new URL(sy.proxyUrl).port)
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /stream HTTP/1.1\r\nhost: x\r\n\r\n'))
    socket.once('data', () => socket.destroy())
    socket.on('close', () => resolve())
  })
  t.ok(await until(() => upstreamClosed), 'the upstream saw its request end while it was idle')
  t.ok(await until(() => sy.app.upstreams.blue.inflight === 0))
})

t.test('pipelined requests: a client that leaves ends every upstream request it had queued', async (t) => {
  const closed: string[] = []
  const url = await httpUpstream(t, (req, res) => {
    res.on('close', () => closed.push(req.url as string))
    if (req.url === '/slow') return // never answers
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    const more = (): void => {
      while (res.write(CHUNK)) { /* fill */ }
      res.once('drain', more)
    }
    more()
  })
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green`, args: ['--proxy.connections', '4'] })
  const port = Number(new URL(sy.proxyUrl).port)
  const socket = connect(port, '127.0.0.1', () => socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\nGET /big HTTP/1.1\r\nhost: x\r\n\r\n'))
  socket.on('error', () => {})
  // /big's answer waits behind /slow's, which never comes.
  await until(() => sy.app.upstreams.blue.inflight === 2)
  await new Promise((resolve) => setTimeout(resolve, 300))
  socket.destroy()
  t.ok(await until(() => closed.includes('/slow') && closed.includes('/big')), `upstream requests ended: ${closed.join(', ')}`)
  t.ok(await until(() => sy.app.upstreams.blue.inflight === 0), 'nothing left in flight')
})

t.test('a chunked body that goes over the limit while still uploading gets its 413', async (t) => {
  const url = await httpUpstream(t, (req, res) => { req.resume(); req.on('end', () => res.end('ok')) })
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green`, args: ['--proxy.bodyLimit', '65536'] })
  const conn = await RawConnection.open(Number(new URL(sy.proxyUrl).port))
  conn.send('POST /invocations HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-type: application/octet-stream\r\n\r\n')
  const chunk = 'a'.repeat(4096)
  for (let i = 0; i < 40 && !conn.received.includes('HTTP/1.1'); i++) {
    if (!conn.send(`1000\r\n${chunk}\r\n`)) break
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await until(() => conn.received.includes('\r\n\r\n{') || conn.closed)
  t.match(conn.received, /^HTTP\/1.1 413/)
  t.match(conn.received, /SW_ERR_BODY_TOO_LARGE/)
  conn.socket.destroy()
})

t.test('a request undici refuses (target *) is a 400 that does not count against the colour', async (t) => {
  const url = await httpUpstream(t, (_req, res) => res.end('ok'))
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green` })
  const conn = await RawConnection.open(Number(new URL(sy.proxyUrl).port))
  conn.send('OPTIONS * HTTP/1.1\r\nhost: x\r\n\r\n')
  await until(() => conn.received.includes('}'))
  t.match(conn.received, /^HTTP\/1.1 400/)
  t.match(conn.received, /SW_ERR_BAD_TARGET/)
  conn.socket.destroy()
  const metrics = await (await fetch(`${sy.adminUrl}/metrics`)).text()
  t.match(metrics, 'switchyard_requests_total{colour="blue",outcome="connection_error"} 0')
  t.match(metrics, 'switchyard_requests_total{colour="blue",outcome="client_error"} 0')
})

t.test('a 304 with a Content-Length passes as a 304, and the connection stays usable', async (t) => {
  const url = await httpUpstream(t, (req, res) => {
    if (req.url === '/cached') {
      res.writeHead(304, { etag: '"v1"', 'content-length': '42' })
      return void res.end()
    }
    res.end('fresh')
  })
  const sy = await startSwitchyard(t, { blue: url, green: `${url}/green` })
  const conn = await RawConnection.open(Number(new URL(sy.proxyUrl).port))
  conn.send('GET /cached HTTP/1.1\r\nhost: x\r\nif-none-match: "v1"\r\n\r\n')
  await until(() => conn.received.includes('\r\n\r\n'))
  t.match(conn.received, /^HTTP\/1.1 304/)
  conn.send('GET /other HTTP/1.1\r\nhost: x\r\n\r\n')
  await until(() => conn.received.includes('fresh') || conn.closed)
  t.match(conn.received, /fresh$/)
  conn.socket.destroy()
})
