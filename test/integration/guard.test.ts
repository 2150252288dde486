// The guard over real sockets: a bad green is rolled back from live traffic, a good one is not.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startModelServer, type ModelServer } from '../helpers/model-server.js'
import { startSwitchyard, type TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

const BODY = '{"data": [[5.1, 3.5, 1.4, 0.2]]}'


interface Sent { status: number, colour: string, shielded: boolean }

async function predict (proxyUrl: string, body = BODY): Promise<Sent> {
  const res = await request(`${proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  await res.body.dump()
  return { status: res.statusCode, colour: String(res.headers['x-switchyard-colour']), shielded: res.headers['x-switchyard-shielded'] === '1' }
}

/** Sends `n` predictions, `concurrency` at a time. */
async function drive (proxyUrl: string, n: number, concurrency = 4): Promise<Sent[]> {
  const out: Sent[] = []
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++
      out.push(await predict(proxyUrl))
    }
  }))
  return out
}


async function setup (t: Test, args: string[] = []): Promise<{ blue: ModelServer, green: ModelServer, sy: TestSwitchyard }> {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--rollback.bake', '30s', ...args] })
  return { blue, green, sy }
}

async function status (sy: TestSwitchyard): Promise<Record<string, unknown>> {
  return (await sy.admin('GET', '/admin/status')).body
}

t.test('green returning 500 is rolled back, and marked failed', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.shield.enabled', 'false'])
  await drive(sy.proxyUrl, 30)
  green.setFault({ status: 500 })
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  const sent = await drive(sy.proxyUrl, 40, 2)
  t.ok(await until(async () => (await status(sy)).active === 'blue'), 'back on blue')
  const s = await status(sy)
  t.match(s, { active: 'blue', previous: 'green', by: 'guard', failed: 'green', phase: 'stable', reason: /^guard: 5 failures in a row >= 5/ })
  t.match(s.guard, { lastTrip: { colour: 'green', kind: 'consecutive_failures', rolledBack: true } })
  t.match(s.upstreams, { green: { failed: true } })
  const failedOnGreen = sent.filter((r) => r.colour === 'green' && r.status === 500).length
  t.ok(failedOnGreen >= 5 && failedOnGreen <= 7, `clients saw ${failedOnGreen} failures (the run that tripped, plus those already in flight)`)
  const metrics = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  t.match(metrics, /switchyard_rollbacks_total\{reason="consecutive_failures"\} 1/)
  t.match(metrics, /switchyard_switches_total\{by="guard"\} 1/)
  const history = await sy.admin('GET', '/admin/history')
  t.match(history.body, { total: 3, entries: [{ kind: 'rollback', by: 'guard' }] })
  t.ok(sy.logs.some((l) => l.msg === 'guard tripped' && l.colour === 'green'), 'trip logged')
})

t.test('one trip, one rollback: the guard does not flap', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.shield.enabled', 'false'])
  green.setFault({ status: 503 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  await drive(sy.proxyUrl, 60, 8)
  await until(async () => (await status(sy)).active === 'blue')
  await drive(sy.proxyUrl, 20)
  const history = await sy.admin('GET', '/admin/history')
  t.equal(history.body.total, 3, 'init, switch, one rollback')
})

t.test('green\'s process killed is rolled back', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.shield.enabled', 'false'])
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  await green.close()
  const sent = await drive(sy.proxyUrl, 20, 1)
  t.ok(sent.some((r) => r.status === 502), 'clients saw 502 while green was gone')
  t.ok(await until(async () => (await status(sy)).active === 'blue'), 'back on blue')
  t.match((await status(sy)).guard, { lastTrip: { kind: 'consecutive_failures' } })
  const after = await drive(sy.proxyUrl, 5)
  t.same(after.map((r) => r.status), [200, 200, 200, 200, 200])
})

t.test('green answering 400 to everything, while blue\'s 4xx rate was low, is rolled back', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.consecutiveFailures', 'off'])
  await drive(sy.proxyUrl, 50)
  await predict(sy.proxyUrl, '{"not": "a frame"}') // blue's 4xx rate: 1 in 51
  green.setFault({ status: 400 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  await drive(sy.proxyUrl, 30, 2)
  t.ok(await until(async () => (await status(sy)).active === 'blue'), 'back on blue')
  const s = await status(sy)
  t.match(s.guard, { lastTrip: { kind: 'client_errors', reason: /4xx rate 1 is more than 0\.20 above the previous colour's 0\.02/ }, baseline: null })
})

t.test('green slow, with the latency factor on, is rolled back', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.latencyFactor', '4', '--rollback.minRequests', '10'])
  await drive(sy.proxyUrl, 40)
  green.setFault({ delayMs: 150 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  await drive(sy.proxyUrl, 12, 4)
  t.ok(await until(async () => (await status(sy)).active === 'blue'), 'back on blue')
  t.match((await status(sy)).guard, { lastTrip: { kind: 'latency_factor' } })
})

t.test('a 2% error rate is not rolled back', async (t) => {
  // An upstream that fails one request in fifty, like a model with a rare bad input.
  let n = 0
  const flaky: Server = createServer((_req, res) => {
    n++
    res.writeHead(n % 50 === 0 ? 500 : 200, { 'content-type': 'application/json' })
    res.end('{"predictions": [0]}')
  })
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { flaky.closeAllConnections(); flaky.close() })
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`, args: ['--rollback.bake', '30s', '--rollback.shield.enabled', 'false', '--health.path', '/ping'] })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  const sent = await drive(sy.proxyUrl, 200)
  t.equal(sent.filter((r) => r.status === 500).length, 4)
  const s = await status(sy)
  t.equal(s.active, 'green')
  t.equal((s.guard as Record<string, unknown>).lastTrip, null)
})

t.test('3 failures with minRequests 20 and consecutiveFailures off are not enough', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.consecutiveFailures', 'off', '--rollback.shield.enabled', 'false'])
  green.setFault({ status: 500 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  const sent = await drive(sy.proxyUrl, 3, 1)
  t.same(sent.map((r) => r.status), [500, 500, 500])
  t.equal((await status(sy)).active, 'green')
})

t.test('no trip after the bake', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.bake', '300ms', '--rollback.shield.enabled', 'false'])
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  t.equal((await status(sy)).phase, 'baking')
  t.ok(await until(async () => (await status(sy)).phase === 'stable'), 'the bake ends')
  green.setFault({ status: 500 })
  await drive(sy.proxyUrl, 30)
  const s = await status(sy)
  t.match(s, { active: 'green', phase: 'stable', previousDrained: true, safeToStopPrevious: true })
  t.ok(sy.logs.some((l) => l.msg === 'bake completed' && l.colour === 'green'))
})

t.test('shield on: the client sees zero errors while green fails every request', async (t) => {
  const { green, sy } = await setup(t)
  green.setFault({ status: 500 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  const sent = await drive(sy.proxyUrl, 60, 4)
  t.same(sent.filter((r) => r.status !== 200), [], 'every answer was a 200')
  const shielded = sent.filter((r) => r.shielded)
  t.ok(shielded.length >= 5, `${shielded.length} answers came from blue through the shield`)
  t.ok(shielded.every((r) => r.colour === 'blue'))
  t.ok(await until(async () => (await status(sy)).active === 'blue'), 'and green was rolled back')
  const metrics = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  t.match(metrics, new RegExp(`switchyard_requests_total\\{colour="blue",outcome="shielded"\\} ${shielded.length}\\n`))
})

t.test('shield on covers connection failures too', async (t) => {
  const { green, sy } = await setup(t)
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  green.setFault({ destroy: true })
  const sent = await drive(sy.proxyUrl, 20, 2)
  t.same(sent.filter((r) => r.status !== 200), [])
  t.ok(sent.some((r) => r.shielded))
})

t.test('shield off: the client sees the failures that led to the trip, no more than consecutiveFailures', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.shield.enabled', 'false'])
  green.setFault({ status: 500 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  const sent = await drive(sy.proxyUrl, 30, 1)
  const failures = sent.filter((r) => r.status === 500)
  t.equal(failures.length, 5, 'exactly the run that tripped it')
  t.equal((await status(sy)).active, 'blue')
})

t.test('an unhealthy previous colour: the guard stays and says why', async (t) => {
  const { blue, green, sy } = await setup(t, ['--rollback.shield.enabled', 'false'])
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  blue.setFault({ ping: 503 })
  green.setFault({ status: 500 })
  await drive(sy.proxyUrl, 10, 1)
  t.ok(await until(async () => ((await status(sy)).guard as { lastTrip: unknown }).lastTrip !== null))
  const s = await status(sy)
  t.equal(s.active, 'green')
  t.match(s.guard, { lastTrip: { rolledBack: false, blockedBy: /previous colour blue is not healthy/ } })
  t.ok(sy.logs.some((l) => l.msg === 'guard tripped but cannot roll back' && l.level === 50), 'logged at error')
})

t.test('guard disabled: nothing is rolled back', async (t) => {
  const { green, sy } = await setup(t, ['--rollback.enabled', 'false', '--rollback.shield.enabled', 'false'])
  green.setFault({ status: 500 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  await drive(sy.proxyUrl, 30)
  t.equal((await status(sy)).active, 'green')
})
