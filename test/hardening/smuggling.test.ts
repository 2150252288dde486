// Request smuggling and limit shapes, over a raw socket: what an HTTP client library would never
// send. Each must be refused at the public listener and never reach an upstream.
import { connect } from 'node:net'
import t from 'tap'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

function raw (port: number, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(payload))
    let data = ''
    socket.on('data', (d) => { data += d.toString('latin1') })
    socket.on('error', () => resolve(data))
    socket.on('close', () => resolve(data))
    setTimeout(() => socket.destroy(), 3000).unref()
  })
}

t.test('smuggling shapes are rejected with 400 and the connection closed', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--health.interval', '1h'] })
  const port = Number(new URL(sy.proxyUrl).port)
  const cases: Array<[string, string]> = [
    ['Content-Length and Transfer-Encoding together (CL.TE)', 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin/status HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['two different Content-Length values', 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 10\r\n\r\nabc'],
    ['an unknown transfer coding', 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
    ['chunked not last', 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
    ['whitespace before the colon', 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc'],
    ['an obsolete folded header line', 'GET /ping HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n'],
    ['a bad chunk size', 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
    ['a negative Content-Length', 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
    ['a NUL in a header value', 'GET /ping HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n']
  ]
  for (const [name, payload] of cases) {
    const before = blue.requests
    const answer = await raw(port, payload)
    t.match(answer, /^HTTP\/1\.1 400 /, name)
    t.notMatch(answer, /HTTP\/1\.1 200/, `${name}: no second request was answered`)
    t.equal(blue.requests, before, `${name}: nothing reached the upstream`)
  }
})

t.test('header and URL size limits answer 431 before anything is forwarded', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--health.interval', '1h'] })
  const port = Number(new URL(sy.proxyUrl).port)
  const before = blue.requests
  const bigHeader = await raw(port, `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.match(bigHeader, /^HTTP\/1\.1 431 /)
  const bigUrl = await raw(port, `GET /${'u'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
  t.match(bigUrl, /^HTTP\/1\.1 431 /)
  t.equal(blue.requests, before)
  const fine = await raw(port, 'GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  t.match(fine, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nv1$/, 'an ordinary request on the same listener still works')
})
