import t from 'tap'
import { requestHeaders, responseHeaders } from '../../src/traffic/headers.js'

t.test('request headers: hop-by-hop and Connection-named removed, x-forwarded-* added', async (t) => {
  const out = requestHeaders({
    host: 'api.example:8080',
    connection: 'keep-alive, X-Secret-Hop',
    'keep-alive': 'timeout=5',
    'x-secret-hop': 'drop me',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    upgrade: 'h2c',
    'proxy-authorization': 'Basic x',
    expect: '100-continue',
    'content-type': 'application/json',
    'x-request-id': 'abc',
    'set-cookie': ['a=1', 'b=2']
  }, { remoteAddress: '10.0.0.9', proto: 'http' })
  t.same(out, {
    'content-type': 'application/json',
    'x-request-id': 'abc',
    'set-cookie': ['a=1', 'b=2'],
    'x-forwarded-for': '10.0.0.9',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': 'api.example:8080'
  })
})

t.test('x-forwarded-for is appended to, not replaced', async (t) => {
  t.equal(requestHeaders({ 'x-forwarded-for': '1.1.1.1' }, { remoteAddress: '2.2.2.2', proto: 'http' })['x-forwarded-for'], '1.1.1.1, 2.2.2.2')
  t.equal(requestHeaders({ 'x-forwarded-for': ['1.1.1.1', '3.3.3.3'] as unknown as string }, { remoteAddress: undefined, proto: 'https' })['x-forwarded-for'], '1.1.1.1, 3.3.3.3, unknown')
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
  t.same(responseHeaders(['connection', 'keep-alive', 'x-b', '2'], 'blue', true, true), ['x-b', '2', 'x-switchyard-colour', 'blue', 'x-switchyard-shielded', '1', 'connection', 'close'])
  t.same(responseHeaders(['connection', 'x-a', 'connection', 'x-c', 'x-a', '1', 'X-C', '3', 'x-d', 'é'], 'blue'), ['x-d', 'é', 'x-switchyard-colour', 'blue'])
})
