// Client-side limits on the listeners, over raw sockets: slow headers and slow bodies are cut
// with 408, idle keep-alive connections are closed, connections past maxConnections are refused
// while the open ones keep working. A slow upstream answer is not the client's fault and is
// never cut by these limits.
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startBlueGreen } from '../helpers/model-server.js'
import { portOf, RawConnection } from '../helpers/raw-http.js'
import { startSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

const GET_VERSION = 'GET /version HTTP/1.1\r\nHost: x\r\n\r\n'

async function setup (t: Test, args: string[]) {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--health.interval', '1h', ...args] })
  return { blue, sy, port: portOf(sy.proxyUrl), adminPort: portOf(sy.adminUrl) }
}

async function open (t: Test, port: number): Promise<RawConnection> {
  const connection = await RawConnection.open(port)
  t.teardown(() => connection.close())
  return connection
}

/** Sends `line` every `ms` until the server closes the connection (or 200 lines went out). */
function trickle (connection: RawConnection, line: () => string, ms: number): void {
  let sent = 0
  const timer = setInterval(() => {
    if (++sent > 200 || !connection.send(line())) clearInterval(timer)
  }, ms)
  connection.socket.on('close', () => clearInterval(timer))
}

t.test('a client that sends its headers too slowly is cut with 408 (slow-loris), on both listeners', async (t) => {
  const { blue, sy, port, adminPort } = await setup(t, ['--listen.headersTimeout', '400ms', '--listen.requestTimeout', '2s'])
  const before = blue.requests
  for (const [name, target] of [['public', port], ['admin', adminPort]] as const) {
    const loris = await open(t, target)
    loris.send('GET /version HTTP/1.1\r\nHost: x\r\n')
    let n = 0
    trickle(loris, () => `X-Loris-${n++}: a\r\n`, 100)
    t.ok(await loris.waitClosed(), `${name}: the connection is closed while the headers still trickle in`)
    t.match(loris.received, /^HTTP\/1\.1 408 /, `${name}: with 408 Request Timeout`)
    t.ok(n >= 2, `${name}: the client did get to send some headers first`)
  }
  // A client that connects and says nothing is cut the same way.
  const silent = await open(t, port)
  t.ok(await silent.waitClosed(), 'a silent connection is closed too')
  t.equal(blue.requests, before, 'nothing reached the upstream')
  t.equal((await request(`${sy.proxyUrl}/version`)).statusCode, 200, 'an ordinary client is served')
})

t.test('a client that sends its body too slowly is cut with 408 (requestTimeout)', async (t) => {
  const { blue, port } = await setup(t, ['--listen.headersTimeout', '300ms', '--listen.requestTimeout', '800ms'])
  const before = blue.requests
  const slow = await open(t, port)
  slow.send('POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{')
  trickle(slow, () => ' ', 100)
  t.ok(await slow.waitClosed(), 'the connection is closed while the body trickles in')
  t.match(slow.received, /^HTTP\/1\.1 408 /)
  t.equal(blue.requests, before, 'the half-sent body never reached the upstream')
})

t.test('a slow upstream answer is not cut: requestTimeout ends once the request has arrived', async (t) => {
  const { blue, sy } = await setup(t, ['--listen.headersTimeout', '200ms', '--listen.requestTimeout', '300ms'])
  blue.setFault({ delayMs: 1500 })
  const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[5.1, 3.5, 1.4, 0.2]]}' })
  t.equal(res.statusCode, 200, 'answered after 1.5 s, five times requestTimeout')
  t.same(await res.body.json(), { predictions: [0] })
})

t.test('connections past maxConnections are refused while the open ones keep working', async (t) => {
  const { sy, port } = await setup(t, ['--listen.maxConnections', '2'])
  const first = await open(t, port)
  const second = await open(t, port)
  for (const connection of [first, second]) {
    connection.send(GET_VERSION)
    t.match(await connection.response(), /^HTTP\/1\.1 200 [\s\S]*v1$/)
  }

  const third = await open(t, port)
  third.send(GET_VERSION)
  t.ok(await third.waitClosed(), 'the third connection is closed at once')
  t.equal(third.received, '', 'without an answer')
  t.ok(sy.logs.some((line) => line.msg === 'connection refused: maxConnections reached' && line.listener === 'public' && line.maxConnections === 2))

  for (const connection of [first, second]) {
    connection.send(GET_VERSION)
    t.match(await connection.response(), /^HTTP\/1\.1 200 /, 'an open connection still carries requests')
  }

  // Once one closes, its place is free again.
  first.close()
  t.ok(await until(async () => {
    const next = await open(t, port)
    next.send(GET_VERSION)
    const answer = await next.response(2000)
    next.close()
    return answer !== null && answer.startsWith('HTTP/1.1 200 ')
  }), 'a new connection is served once there is room')
})

t.test('the admin API bounds its connections with admin.maxConnections', async (t) => {
  const { adminPort } = await setup(t, ['--admin.maxConnections', '1'])
  const first = await open(t, adminPort)
  first.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
  t.match(await first.response(), /^HTTP\/1\.1 200 /)
  const second = await open(t, adminPort)
  second.send('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
  t.ok(await second.waitClosed())
  t.equal(second.received, '')
})

t.test('an idle keep-alive connection is closed after keepAliveTimeout', async (t) => {
  const { port } = await setup(t, ['--listen.keepAliveTimeout', '300ms'])
  const idle = await open(t, port)
  idle.send(GET_VERSION)
  const answer = await idle.response()
  t.match(answer, /^HTTP\/1\.1 200 /)
  t.match(answer, /\r\nConnection: keep-alive\r\n/i, 'the answer kept the connection open')
  t.ok(await idle.waitClosed(), 'then the server closed it for being idle')
})

t.test('maxRequestsPerSocket: after that many requests a connection is told to close, and refused if it carries on', async (t) => {
  const { port } = await setup(t, ['--listen.maxRequestsPerSocket', '2'])
  const connection = await open(t, port)
  connection.send(GET_VERSION)
  t.match(await connection.response(), /^HTTP\/1\.1 200 /)
  connection.send(GET_VERSION)
  const last = await connection.response()
  t.match(last, /^HTTP\/1\.1 200 /)
  t.match(last, /\r\nConnection: close\r\n/i, 'the last answer says the connection closes')
  // A client that carries on anyway is refused (Node then closes it after keepAliveTimeout).
  connection.send(GET_VERSION)
  t.match(await connection.response(), /^HTTP\/1\.1 503 /)
})
