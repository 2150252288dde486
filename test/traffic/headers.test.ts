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
  const out = responseHeaders({
    connection: 'close, x-hop',
    'x-hop': '1',
    'transfer-encoding': 'chunked',
    'content-type': 'text/csv',
    'content-length': '12',
    trailer: 'x'
  }, 'green')
  t.same(out, { 'content-type': 'text/csv', 'content-length': '12', 'x-switchyard-colour': 'green' })
  t.same(responseHeaders({ connection: ['keep-alive', 'x-a'] as unknown as string, 'x-a': '1', 'x-b': '2' }, 'blue'), { 'x-b': '2', 'x-switchyard-colour': 'blue' })
})
