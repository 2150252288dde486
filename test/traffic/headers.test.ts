import t from 'tap'
import { requestHead, responseHeaders } from '../../src/traffic/headers.js'

t.test('request headers: hop-by-hop and Connection-named removed, x-forwarded-* added', async (t) => {
  const head = requestHead([
    'Host', 'api.example:8080',
    'Connection', 'keep-alive, X-Secret-Hop',
    'Keep-Alive', 'timeout=5',
    'x-secret-hop', 'drop me',
    'TE', 'trailers',
    'Upgrade', 'h2c',
    'Proxy-Authorization', 'Basic x',
    'Expect', '100-continue',
    'Content-Type', 'application/json',
    'Content-Length', '12',
    'x-request-id', 'abc',
    'Cookie', 'a=1',
    'Cookie', 'b=2',
    'X-Forwarded-Proto', 'https',
    'x-forwarded-host', 'evil.example'
  ], { remoteAddress: '10.0.0.9', proto: 'http' })
  t.same(head.headers, [
    'Content-Type', 'application/json',
    'Content-Length', '12',
    'x-request-id', 'abc',
    'Cookie', 'a=1',
    'Cookie', 'b=2',
    'x-forwarded-for', '10.0.0.9',
    'x-forwarded-proto', 'http',
    'x-forwarded-host', 'api.example:8080'
  ])
  t.equal(head.length, 12)
  t.equal(head.chunked, false)
  const chunked = requestHead(['transfer-encoding', 'chunked', 'host', 'a', 'Host', 'b'], { remoteAddress: '10.0.0.9', proto: 'https' })
  t.same(chunked, { headers: ['x-forwarded-for', '10.0.0.9', 'x-forwarded-proto', 'https', 'x-forwarded-host', 'a'], length: null, chunked: true })
})

t.test('x-forwarded-for is appended to, not replaced', async (t) => {
  const xff = (raw: string[], remoteAddress: string | undefined): string => {
    const headers = requestHead(raw, { remoteAddress, proto: 'http' }).headers
    return headers[headers.indexOf('x-forwarded-for') + 1] as string
  }
  t.equal(xff(['X-Forwarded-For', '1.1.1.1'], '2.2.2.2'), '1.1.1.1, 2.2.2.2')
  t.equal(xff(['x-forwarded-for', '1.1.1.1', 'x-forwarded-for', '3.3.3.3'], undefined), '1.1.1.1, 3.3.3.3, unknown')
})

t.test('response headers: hop-by-hop removed, colour added', async (t) => {
  const raw = (...pairs: string[]): Buffer[] => pairs.map((p) => Buffer.from(p, 'latin1'))
  const out = responseHeaders(raw(
    'Connection', 'close, X-Hop',
    'x-hop', '1',
    'Transfer-Encoding', 'chunked',
    'Content-Type', 'text/csv',
    'content-length', '12',
    'Trailer', 'x',
    'Keep-Alive', 'timeout=5',
    'Set-Cookie', 'a=1',
    'set-cookie', 'b=2'
  ), 'green')
  t.same(out, ['Content-Type', 'text/csv', 'content-length', '12', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'x-switchyard-colour', 'green'])
  t.same(responseHeaders(['connection', 'keep-alive', 'Connection', 'x-a', 'x-a', '1', 'x-b', '2'], 'blue'), ['x-b', '2', 'x-switchyard-colour', 'blue'])
  t.same(responseHeaders(['X-Switchyard-Colour', 'green', 'x-switchyard-shielded', '1', 'x-b', '2'], 'blue'), ['x-b', '2', 'x-switchyard-colour', 'blue'], 'an upstream cannot set our own headers')
  t.same(responseHeaders(['connection', 'keep-alive', 'x-b', '2'], 'blue', true, true), ['x-b', '2', 'x-switchyard-colour', 'blue', 'x-switchyard-shielded', '1', 'connection', 'close'])
  t.same(responseHeaders(['connection', 'x-a', 'connection', 'x-c', 'x-a', '1', 'X-C', '3', 'x-d', 'é'], 'blue'), ['x-d', 'é', 'x-switchyard-colour', 'blue'])
})
