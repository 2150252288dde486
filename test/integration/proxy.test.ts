// The public listener over real sockets: bytes, headers and failures pass as documented.
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { request } from 'undici'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'
import { freePort } from '../helpers/free-port.js'

t.test('pass-through', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })

  t.test('a prediction goes to the active colour and says so', async (t) => {
    const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[5.1, 3.5, 1.4, 0.2]]}' })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-switchyard-colour'], 'blue')
    t.equal(res.headers['x-model-version'], 'v1')
    t.same(await res.body.json(), { predictions: [0] })
  })

  t.test('JSON bodies arrive byte for byte (1.0, large integers)', async (t) => {
    const body = '{"a": 1.0, "big": 12345678901234567890, "x": [1.50, -0.0, 1e400]}'
    const res = await request(`${sy.proxyUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    t.equal(res.headers['content-type'], 'application/json')
    t.equal(await res.body.text(), body)
  })

  t.test('CSV passes unchanged', async (t) => {
    const body = 'sepal_length,sepal_width,petal_length,petal_width\r\n5.1,3.5,1.4,0.2\r\n'
    const echo = await request(`${sy.proxyUrl}/echo`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body })
    t.equal(await echo.body.text(), body)
    const scored = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body })
    t.same(await scored.body.json(), { predictions: [0] })
  })

  t.test('a 5 MiB body, declared and chunked, passes byte for byte', async (t) => {
    const big = Buffer.alloc(5 * 1024 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff
    const res = await request(`${sy.proxyUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: big })
    t.equal(res.statusCode, 200)
    t.ok(Buffer.from(await res.body.arrayBuffer()).equals(big), 'declared length')
    async function * chunks (): AsyncGenerator<Buffer> {
      for (let i = 0; i < 5; i++) yield big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024)
    }
    const res2 = await request(`${sy.proxyUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Readable.from(chunks()) })
    t.ok(Buffer.from(await res2.body.arrayBuffer()).equals(big), 'chunked')
  })

  t.test('streaming responses pass chunk by chunk', async (t) => {
    const res = await request(`${sy.proxyUrl}/stream?chunks=5&delayMs=20`)
    t.equal(res.statusCode, 200)
    let chunks = 0
    for await (const _ of res.body) chunks++
    t.ok(chunks >= 2, `arrived in ${chunks} pieces, not one buffered lump`)
  })

  t.test('status codes and bodies of errors pass through', async (t) => {
    const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"nope": 1}' })
    t.equal(res.statusCode, 400)
    t.match(await res.body.json(), { error_code: 'BAD_REQUEST' })
    const missing = await request(`${sy.proxyUrl}/no/such/path?x=1`)
    t.equal(missing.statusCode, 404)
    t.equal(missing.headers['x-switchyard-colour'], 'blue')
    await missing.body.dump()
  })

  t.test('any method and path goes upstream, including HEAD and odd methods', async (t) => {
    const head = await request(`${sy.proxyUrl}/ping`, { method: 'HEAD' })
    t.equal(head.headers['x-switchyard-colour'], 'blue')
    await head.body.dump()
    const odd = await request(`${sy.proxyUrl}/ping`, { method: 'PROPFIND' as 'GET' })
    t.equal(odd.headers['x-switchyard-colour'], 'blue')
    await odd.body.dump()
  })
})

t.test('headers: hop-by-hop stripped, x-forwarded-* added, both ways', async (t) => {
  let seen: Record<string, string | string[] | undefined> = {}
  const upstream: Server = createServer((req, res) => {
    seen = req.headers
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive, x-upstream-hop', 'x-upstream-hop': 'secret', 'x-kept': 'yes' })
    res.end('ok')
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { upstream.closeAllConnections(); upstream.close() })
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: url, green: green.url })
  // A raw request: HTTP clients rewrite the Connection header, and it is the thing under test.
  const port = Number(new URL(sy.proxyUrl).port)
  const raw = await new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /x HTTP/1.1\r\nhost: public.example\r\nconnection: close, x-client-hop\r\nx-client-hop: secret\r\nx-keep: 1\r\n\r\n'))
    let data = ''
    socket.on('data', (d) => { data += d.toString() })
    socket.on('close', () => resolve(data))
  })
  t.match(raw, /^HTTP\/1.1 200 OK\r\n/)
  t.match(raw, /\r\n2\r\nok\r\n/)
  t.match(raw, /\r\nx-kept: yes\r\n/)
  t.notMatch(raw, /x-upstream-hop/)
  t.equal(seen['x-client-hop'], undefined)
  t.equal(seen['x-keep'], '1')
  t.equal(seen['x-forwarded-for'], '127.0.0.1')
  t.equal(seen['x-forwarded-proto'], 'http')
  t.equal(seen['x-forwarded-host'], 'public.example')
})

t.test('failures answer with a JSON body naming the code and colour', async (t) => {
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const slow = await startModelServer(t, { model: 'logistic', version: 'v1' })

  t.test('upstream refusing connections -> 502', async (t) => {
    const port = await freePort() // nothing listens there: connections are refused
    const sy = await startSwitchyard(t, { blue: `http://127.0.0.1:${port}`, green: green.url })
    const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[1,2,3,4]]}' })
    t.equal(res.statusCode, 502)
    t.equal(res.headers['x-switchyard-colour'], 'blue')
    t.match(await res.body.json(), { error: 'SW_ERR_UPSTREAM_UNAVAILABLE', colour: 'blue', message: /ECONNREFUSED/ })
  })

  t.test('upstream resetting the connection -> 502', async (t) => {
    const reset = await startModelServer(t, { model: 'logistic', version: 'v1' })
    reset.setFault({ destroy: true })
    const sy = await startSwitchyard(t, { blue: reset.url, green: green.url })
    const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[1,2,3,4]]}' })
    t.equal(res.statusCode, 502)
    t.match(await res.body.json(), { error: 'SW_ERR_UPSTREAM_UNAVAILABLE', colour: 'blue' })
  })

  t.test('upstream slower than proxy.timeout -> 504', async (t) => {
    slow.setFault({ delayMs: 1000 })
    t.teardown(() => slow.setFault(null))
    const sy = await startSwitchyard(t, { blue: slow.url, green: green.url, args: ['--proxy.timeout', '100ms'] })
    const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[1,2,3,4]]}' })
    t.equal(res.statusCode, 504)
    t.match(await res.body.json(), { error: 'SW_ERR_UPSTREAM_TIMEOUT', colour: 'blue', message: /100 ms/ })
  })

  t.test('body over the limit -> 413, declared or chunked', async (t) => {
    const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
    const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--proxy.bodyLimit', '1KiB'] })
    const declared = await request(`${sy.proxyUrl}/echo`, { method: 'POST', body: Buffer.alloc(2048) })
    t.equal(declared.statusCode, 413)
    t.match(await declared.body.json(), { error: 'SW_ERR_BODY_TOO_LARGE', message: /1024 bytes/ })
    async function * chunks (): AsyncGenerator<Buffer> {
      for (let i = 0; i < 4; i++) yield Buffer.alloc(512)
    }
    const chunked = await request(`${sy.proxyUrl}/echo`, { method: 'POST', body: Readable.from(chunks()) })
    t.equal(chunked.statusCode, 413)
    t.match(await chunked.body.json(), { error: 'SW_ERR_BODY_TOO_LARGE' })
    const fits = await request(`${sy.proxyUrl}/echo`, { method: 'POST', body: Buffer.alloc(1024, 7) })
    t.equal(fits.statusCode, 200)
    t.equal((await fits.body.arrayBuffer()).byteLength, 1024)
  })

  t.test('a response cut mid-body closes the client connection instead of ending cleanly', async (t) => {
    const cut: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' })
      res.write('only part of it')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve))
    t.teardown(() => { cut.closeAllConnections(); cut.close() })
    const sy = await startSwitchyard(t, { blue: `http://127.0.0.1:${(cut.address() as AddressInfo).port}`, green: green.url })
    const port = new URL(sy.proxyUrl).port
    const received = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'))
      let data = ''
      socket.on('data', (d) => { data += d.toString() })
      socket.on('close', () => resolve(data))
    })
    t.match(received, /^HTTP\/1.1 200/)
    t.match(received, /only part of it$/)
  })
})
