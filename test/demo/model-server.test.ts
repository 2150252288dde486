import t from 'tap'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { startModelServer as startBare, serverUrl } from '../../src/demo/model-server.js'
import { startBlueGreen, startModelServer } from '../helpers/model-server.js'

const ROWS = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5]]
const JSON_HEADERS = { 'content-type': 'application/json' }
const INPUTS = JSON.stringify({ inputs: ROWS })

async function invoke (url: string, body = INPUTS, headers: Record<string, string> = JSON_HEADERS) {
  const res = await request(`${url}/invocations`, { method: 'POST', headers, body })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

async function get (url: string, method: 'GET' | 'HEAD' | 'POST' | 'DELETE' = 'GET') {
  const res = await request(url, { method })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

t.test('POST /invocations answers predictions and the server version', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  for (const [server, version] of [[blue, 'v1'], [green, 'v2']] as const) {
    const res = await invoke(server.url)
    t.equal(res.status, 200)
    t.equal(res.headers['content-type'], 'application/json')
    t.equal(res.headers['x-model-version'], version)
    t.equal(res.headers['content-length'], String(res.body.length))
    t.same(JSON.parse(res.body), { predictions: [0, 1, 2] })
  }
  t.match(blue, { model: 'logistic', version: 'v1', name: 'blue', host: '127.0.0.1' })
  t.equal(blue.url, `http://127.0.0.1:${blue.port}`)
})

t.test('CSV with a charset works over HTTP too', async (t) => {
  const server = await startModelServer(t, { model: 'cart', version: '2024.06.1' })
  const body = 'sepal_length,sepal_width,petal_length,petal_width\n' + ROWS.map((row) => row.join(',')).join('\n')
  const res = await invoke(server.url, body, { 'content-type': 'text/csv; charset=utf-8' })
  t.equal(res.body, '{"predictions":[0,1,2]}')
  t.equal(server.name, 'cart-2024.06.1', 'the default name')
})

t.test('bad input is answered as MLflow answers it', async (t) => {
  const server = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const bad = await invoke(server.url, JSON.stringify({ inputs: [[1, 2, 3]] }))
  t.equal(bad.status, 400)
  t.equal(bad.headers['x-model-version'], 'v1')
  t.match(JSON.parse(bad.body), { error_code: 'BAD_REQUEST', message: /^inputs\[0\] has 3 values/ })
  const unsupported = await invoke(server.url, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' })
  t.equal(unsupported.status, 415)
  t.match(JSON.parse(unsupported.body), { error_code: 'BAD_REQUEST', message: /supports the following content types: application\/json, text\/csv/ })
  const empty = await invoke(server.url, '')
  t.equal(empty.status, 400)
})

t.test('GET /ping, /health and /version', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  for (const path of ['/ping', '/health']) {
    const res = await get(server.url + path)
    t.equal(res.status, 200, path)
    t.equal(res.body, '\n', `${path} answers a newline, as MLflow does`)
    t.equal(res.headers['x-model-version'], 'v2')
  }
  const head = await get(server.url + '/ping', 'HEAD')
  t.equal(head.status, 200)
  t.equal(head.body, '')
  const version = await get(server.url + '/version')
  t.equal(version.body, 'v2')
  t.equal(version.headers['content-type'], 'text/plain; charset=utf-8')
})

t.test('other paths are 404 and other methods 405, in JSON', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  const missing = await get(server.url + '/predict?x=1')
  t.equal(missing.status, 404)
  t.equal(missing.headers['x-model-version'], 'v2')
  t.same(JSON.parse(missing.body), { error_code: 'ENDPOINT_NOT_FOUND', message: 'no route GET /predict' })
  for (const [path, method, allow] of [
    ['/invocations', 'GET', 'POST'], ['/echo', 'GET', 'POST'], ['/ping', 'POST', 'GET'],
    ['/health', 'DELETE', 'GET'], ['/version', 'POST', 'GET'], ['/stream', 'POST', 'GET']
  ] as const) {
    const res = await get(server.url + path, method)
    t.equal(res.status, 405, `${method} ${path}`)
    t.equal(res.headers.allow, allow)
    t.equal(res.headers['x-model-version'], 'v2')
    t.match(JSON.parse(res.body), { error_code: 'BAD_REQUEST', message: `${path} accepts ${allow} only` })
  }
})

t.test('POST /echo answers the exact bytes and content type', async (t) => {
  const server = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const echo = async (body: Buffer, headers: Record<string, string>) => {
    const res = await request(`${server.url}/echo`, { method: 'POST', headers, body })
    return { headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) }
  }
  // Numbers a JSON round trip would rewrite (1.0 -> 1, the big one loses digits).
  const json = Buffer.from('{"price": 1.0, "id": 12345678901234567890, "inputs": [[5.1, 3.5, 1.4, 0.2]]}\n')
  const fromJson = await echo(json, { 'content-type': 'application/json; charset=utf-8' })
  t.ok(fromJson.body.equals(json), 'JSON bytes unchanged')
  t.equal(fromJson.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(fromJson.headers['x-model-version'], 'v1')

  const big = randomBytes(5 * 1024 * 1024)
  const fromBig = await echo(big, { 'content-type': 'application/octet-stream' })
  t.equal(fromBig.body.length, big.length)
  t.ok(fromBig.body.equals(big), '5 MiB unchanged')
  t.equal(fromBig.headers['content-length'], String(big.length))

  const bare = await echo(Buffer.from('no type'), {})
  t.equal(bare.body.toString(), 'no type')
  t.notOk('content-type' in bare.headers, 'no content type in, none out')

  const empty = await echo(Buffer.alloc(0), { 'content-type': 'text/plain' })
  t.equal(empty.body.length, 0)
})

t.test('GET /stream sends its chunks spaced out, chunked', async (t) => {
  const server = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const started = Date.now()
  const res = await request(`${server.url}/stream?chunks=4&delayMs=60`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['transfer-encoding'], 'chunked')
  t.equal(res.headers['x-model-version'], 'v1')
  const arrivals: number[] = []
  let text = ''
  for await (const chunk of res.body) {
    arrivals.push(Date.now() - started)
    text += String(chunk)
  }
  t.equal(text, 'chunk 1/4\nchunk 2/4\nchunk 3/4\nchunk 4/4\n')
  t.ok(arrivals.length >= 2, `arrived in ${arrivals.length} pieces`)
  // Three gaps of 60 ms: the last chunk cannot be there before 180 ms (timers may fire 1 ms early).
  t.ok((arrivals.at(-1) as number) >= 175, `arrived at ${arrivals.join(', ')} ms`)

  const plain = await get(`${server.url}/stream`)
  t.equal(plain.body, 'chunk 1/3\nchunk 2/3\nchunk 3/3\n', 'defaults to 3 chunks')
  for (const query of ['chunks=0', 'chunks=x', 'delayMs=-1', 'chunks=2&delayMs=60001', 'chunks=1.5']) {
    const bad = await get(`${server.url}/stream?${query}`)
    t.equal(bad.status, 400, query)
    t.match(JSON.parse(bad.body), { error_code: 'BAD_REQUEST', message: /chunks must be an integer from 1 to 10000/ })
  }
})

t.test('a client that leaves mid-stream stops it', async (t) => {
  const server = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const req = http.get(`${server.url}/stream?chunks=100&delayMs=20`)
  const [res] = await once(req, 'response') as [http.IncomingMessage]
  await once(res, 'data')
  req.on('error', () => {})
  req.destroy()
  await sleep(60)
  t.equal((await get(server.url + '/ping')).status, 200, 'still serving')
})

t.test('fault: every /invocations answers a status', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  server.setFault({ status: 503 })
  const res = await invoke(server.url)
  t.equal(res.status, 503)
  t.equal(res.headers['x-model-version'], 'v2')
  t.equal(res.headers['content-type'], 'application/json')
  t.same(JSON.parse(res.body), { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'injected fault: this model server answers 503' })
  t.equal((await get(server.url + '/ping')).status, 200, '/ping is not affected')
  t.equal((await invoke(server.url, 'not even JSON')).status, 503, 'whatever the input')
  server.setFault({ status: 500 })
  t.equal((await invoke(server.url)).status, 500)
  server.setFault(null)
  t.equal((await invoke(server.url)).status, 200, 'cleared')
})

t.test('fault: /invocations answers late', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  server.setFault({ delayMs: 300 })
  let started = Date.now()
  const slow = await invoke(server.url)
  t.equal(slow.status, 200)
  t.ok(Date.now() - started >= 295, `answered after ${Date.now() - started} ms`)
  t.equal(slow.body, '{"predictions":[0,1,2]}')
  server.setFault({ delayMs: 5000 })
  const ping = get(server.url + '/ping').then(() => 'answered')
  t.equal(await Promise.race([ping, sleep(3000).then(() => 'delayed')]), 'answered', '/ping is not delayed')
  server.setFault({ delayMs: 100, status: 502 })
  started = Date.now()
  t.equal((await invoke(server.url)).status, 502)
  t.ok(Date.now() - started >= 90, 'delay, then the status')
  server.setFault({ delayMs: 0 })
  t.equal((await invoke(server.url)).status, 200, 'no delay')
})

t.test('fault: the socket is destroyed without an answer', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  server.setFault({ destroy: true })
  await t.rejects(invoke(server.url), { code: 'UND_ERR_SOCKET' })
  server.setFault({ destroy: true, delayMs: 50 })
  const started = Date.now()
  await t.rejects(invoke(server.url), { code: 'UND_ERR_SOCKET' })
  t.ok(Date.now() - started >= 45, 'after the delay')
  t.equal((await get(server.url + '/version')).body, 'v2', 'other paths still answer')
  server.setFault(null)
  t.equal((await invoke(server.url)).status, 200)
})

t.test('fault: /ping and /health look unhealthy', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  server.setFault({ ping: 503 })
  t.equal((await get(server.url + '/ping')).status, 503)
  t.equal((await get(server.url + '/health')).status, 503)
  t.equal((await invoke(server.url)).status, 200, '/invocations still answers')
  const fault = { ping: 404 }
  server.setFault(fault)
  fault.ping = 200
  t.equal((await get(server.url + '/ping')).status, 404, 'the server keeps its own copy')
  t.throws(() => server.setFault({ ping: 42 }), RangeError)
  t.equal((await get(server.url + '/ping')).status, 404, 'a refused fault changes nothing')
})

t.test('requests counts every request on every path', async (t) => {
  const server = await startModelServer(t, { model: 'cart', version: 'v3' })
  t.equal(server.requests, 0)
  await invoke(server.url)
  await get(server.url + '/ping')
  await get(server.url + '/nowhere')
  server.setFault({ destroy: true })
  await t.rejects(invoke(server.url))
  t.equal(server.requests, 4)
})

t.test('close() ends keep-alive sockets at once', async (t) => {
  const server = await startBare({ model: 'logistic', version: 'v1' })
  await invoke(server.url)
  const closing = server.close()
  t.equal(server.close(), closing, 'the same promise twice')
  // Behaviour, not speed: it must not sit out Node's 5 s keep-alive timeout.
  t.equal(await Promise.race([closing.then(() => 'closed'), sleep(4000).then(() => 'waiting on keep-alive')]), 'closed')
  await t.rejects(invoke(server.url), { code: 'ECONNREFUSED' })
})

t.test('close() cuts short a delayed answer and a stream', async (t) => {
  const server = await startBare({ model: 'logistic', version: 'v1' })
  server.setFault({ delayMs: 10_000 })
  const delayed = invoke(server.url)
  const stream = await request(`${server.url}/stream?chunks=5&delayMs=10000`)
  const reading = stream.body.text()
  await sleep(50)
  // It must not sit out the 10 s delay or the 10 s gaps of the stream.
  t.equal(await Promise.race([server.close().then(() => 'closed'), sleep(5000).then(() => 'waiting on the delay')]), 'closed')
  await t.rejects(delayed, { code: 'UND_ERR_SOCKET' })
  await t.rejects(reading)
})

t.test('close() lets a request being uploaded finish, then closes its socket', async (t) => {
  const server = await startBare({ model: 'logistic', version: 'v1' })
  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const req = http.request(`${server.url}/invocations`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(INPUTS) } })
  req.write(INPUTS.slice(0, 10))
  await sleep(30)
  const closing = server.close()
  req.end(INPUTS.slice(10))
  const [res] = await once(req, 'response') as [http.IncomingMessage]
  res.setEncoding('utf8')
  let body = ''
  for await (const chunk of res) body += String(chunk)
  t.equal(res.statusCode, 200)
  t.equal(body, '{"predictions":[0,1,2]}')
  t.equal(await Promise.race([closing.then(() => 'closed'), sleep(4000).then(() => 'waiting on keep-alive')]), 'closed')
})

t.test('a client that leaves mid-upload gets nothing and breaks nothing', async (t) => {
  const server = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const req = http.request(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 1000 } })
  req.on('error', () => {})
  req.write('{"inputs": [[')
  await sleep(30)
  req.destroy()
  await sleep(30)
  t.equal((await invoke(server.url)).status, 200, 'still serving')
  t.equal(server.requests, 2)
})

t.test('the test helper closes its server when the test ends', async (t) => {
  let url = ''
  await t.test('a test with a server', async (t) => {
    url = (await startModelServer(t, { model: 'cart', version: 'v9' })).url
    t.equal((await get(url + '/version')).body, 'v9')
  })
  await t.rejects(get(url + '/version'), { code: 'ECONNREFUSED' })
})

t.test('start-up options are checked', async (t) => {
  await t.rejects(startBare({ model: 'svm' as 'cart', version: 'v1' }), TypeError)
  for (const version of ['', ' v1', 'v1 ', 'v\n1', 'vé']) {
    await t.rejects(startBare({ model: 'cart', version }), { name: 'TypeError', message: /version must be printable ASCII/ }, JSON.stringify(version))
  }
  const first = await startModelServer(t, { model: 'cart', version: 'v1' })
  await t.rejects(startBare({ model: 'cart', version: 'v1', port: first.port }), { code: 'EADDRINUSE' }, 'a taken port')
})

t.test('serverUrl brackets an IPv6 host', async (t) => {
  t.equal(serverUrl('127.0.0.1', 8080), 'http://127.0.0.1:8080')
  t.equal(serverUrl('::1', 8080), 'http://[::1]:8080')
  t.equal(serverUrl('localhost', 1), 'http://localhost:1')
})
