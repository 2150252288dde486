// SIGTERM: readiness turns 503, new connections are refused, requests in flight finish, exit 0.
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { serveChild } from '../helpers/serve-child.js'
import t from 'tap'
import { Client, request } from 'undici'
import { startModelServer } from '../helpers/model-server.js'


t.test('switchyard serve stops gracefully on SIGTERM', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const dir = t.testdir()
  const file = join(dir, 'switchyard.yaml')
  await writeFile(file, [
    'listen: { host: 127.0.0.1, port: 0 }',
    'admin: { host: 127.0.0.1, port: 0 }',
    `upstreams: { blue: { url: "${blue.url}" }, green: { url: "${green.url}" } }`,
    'health: { interval: 1s, timeout: 800ms }',
    `state: { store: file, path: "${join(dir, 'state.json')}" }`
  ].join('\n'))

  const { child, lines, started } = await serveChild(t, file, dir)
  const proxyUrl = started.proxy as string
  const adminUrl = started.admin as string

  t.equal((await request(`${adminUrl}/readyz`)).statusCode, 200)
  // A keep-alive connection opened before the stop, to send a request on while draining.
  const keptAlive = new Client(proxyUrl)
  t.teardown(() => keptAlive.destroy())
  await (await keptAlive.request({ method: 'GET', path: '/ping' })).body.dump()
  blue.setFault({ delayMs: 700 })
  const inflight = request(`${proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[5.1, 3.5, 1.4, 0.2]]}' })
  await new Promise((resolve) => setTimeout(resolve, 150))
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 150))

  const ready = await request(`${adminUrl}/readyz`)
  t.equal(ready.statusCode, 503, 'readiness is off while draining')
  t.match(await ready.body.json(), { ready: false, reason: 'shutting down' })
  await t.rejects(request(`${proxyUrl}/ping`, { reset: true }), { code: 'ECONNREFUSED' }, 'new connections are refused')
  await t.rejects(keptAlive.request({ method: 'GET', path: '/ping' }), 'an idle keep-alive connection is closed at the stop, not left open')

  const res = await inflight
  t.equal(res.statusCode, 200, 'the request in flight completed')
  t.same(await res.body.json(), { predictions: [0] })
  const [code] = await exited
  t.equal(code, 0)
  t.ok(lines.some((l) => l.msg === 'stopped'))
})
