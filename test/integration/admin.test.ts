// Every admin status code, over real sockets, against real model servers.
import t from 'tap'
import { request } from 'undici'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

async function colourOf (proxyUrl: string): Promise<string | undefined> {
  // /version, not /ping: a test may fault /ping, and the shield would answer from the other colour.
  const res = await request(`${proxyUrl}/version`)
  await res.body.dump()
  return res.headers['x-switchyard-colour'] as string | undefined
}

t.test('status, switch and rollback', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })

  const status = await sy.admin('GET', '/admin/status')
  t.equal(status.status, 200)
  t.match(status.body, {
    active: 'blue', previous: null, version: 1, phase: 'stable', store: 'memory',
    upstreams: { blue: { url: blue.url, healthy: true, inflight: 0, active: true }, green: { url: green.url, healthy: true, active: false } }
  })

  const switched = await sy.admin('POST', '/admin/switch', { to: 'green', reason: 'ship v2' })
  t.equal(switched.status, 200)
  t.same(switched.body, { active: 'green', previous: 'blue', version: 2, changed: true })
  t.equal(await colourOf(sy.proxyUrl), 'green')

  const same = await sy.admin('POST', '/admin/switch', { to: 'green' })
  t.equal(same.status, 200)
  t.same(same.body, { active: 'green', previous: 'blue', version: 2, changed: false }, 'switching to the active colour changes nothing')

  const conflict = await sy.admin('POST', '/admin/switch', { to: 'blue', expectedVersion: 1 })
  t.equal(conflict.status, 409)
  t.match(conflict.body, { error: 'SW_ERR_VERSION_CONFLICT', message: /expected state version 1 but it is 2/ })

  const back = await sy.admin('POST', '/admin/rollback', { reason: 'v2 looks off' })
  t.equal(back.status, 200)
  t.same(back.body, { active: 'blue', previous: 'green', version: 3, changed: true })
  t.equal(await colourOf(sy.proxyUrl), 'blue')

  const history = await sy.admin('GET', '/admin/history?limit=2')
  t.equal(history.status, 200)
  t.match(history.body, { total: 3, limit: 2, offset: 0, entries: [{ version: 3, kind: 'rollback', reason: 'v2 looks off' }, { version: 2, kind: 'switch', reason: 'ship v2' }] })

  const change = sy.logs.filter((l) => l.msg === 'active colour changed')
  t.match(change, [
    { from: 'blue', to: 'green', version: 2, reason: 'ship v2', by: 'operator', actor: '127.0.0.1', kind: 'switch' },
    { from: 'green', to: 'blue', version: 3, by: 'operator', actor: '127.0.0.1', kind: 'rollback' }
  ], 'one info line per state change, saying who')
  t.equal(change.length, 2)
  t.match(history.body, { entries: [{ actor: '127.0.0.1' }, { actor: '127.0.0.1' }] })
})

t.test('bad input gets 400 with a body naming the problem, and changes nothing', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const cases: Array<[unknown, string, RegExp]> = [
    ['{not json', 'SW_ERR_BAD_BODY', /not valid JSON/],
    [{ to: 'purple' }, 'SW_ERR_UNKNOWN_COLOUR', /purple/],
    [{}, 'SW_ERR_BAD_BODY', /to: required/],
    [{ to: 'green', force: 'please' }, 'SW_ERR_BAD_BODY', /force/],
    [[], 'SW_ERR_BAD_BODY', /JSON object/]
  ]
  for (const [body, code, message] of cases) {
    const res = await sy.admin('POST', '/admin/switch', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(res.body, { error: code, message })
  }
  const missing = await sy.admin('GET', '/admin/nothing')
  t.equal(missing.status, 404)
  t.match(missing.body, { error: 'SW_ERR_NOT_FOUND' })
  t.equal((await sy.admin('GET', '/admin/history?limit=0')).status, 400)
  t.equal((await sy.admin('GET', '/admin/status')).body.version, 1)
})

t.test('rollback with no previous colour -> 409', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const res = await sy.admin('POST', '/admin/rollback')
  t.equal(res.status, 409)
  t.match(res.body, { error: 'SW_ERR_NO_PREVIOUS' })
})

t.test('an unhealthy target -> 503 unless forced, probed at the moment of the switch', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--health.interval', '1h', '--health.timeout', '500ms'] })
  // The interval is an hour: only the probe made at switch time can know green just went bad.
  green.setFault({ ping: 503 })
  const refused = await sy.admin('POST', '/admin/switch', { to: 'green' })
  t.equal(refused.status, 503)
  t.match(refused.body, { error: 'SW_ERR_TARGET_UNHEALTHY', message: /green.*503/ })
  t.equal(await colourOf(sy.proxyUrl), 'blue')
  const forced = await sy.admin('POST', '/admin/switch', { to: 'green', force: true })
  t.equal(forced.status, 200)
  t.equal(await colourOf(sy.proxyUrl), 'green')
  // Rolling back to an unhealthy previous colour is refused too.
  green.setFault(null)
  blue.setFault({ ping: 500 })
  const rb = await sy.admin('POST', '/admin/rollback')
  t.equal(rb.status, 503)
  t.match(rb.body, { error: 'SW_ERR_TARGET_UNHEALTHY', message: /blue/ })
})

t.test('a token is required for mutations when one is set', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, env: { SWITCHYARD_ADMIN_TOKEN: 'tok-123' } })
  const none = await sy.admin('POST', '/admin/switch', { to: 'green' })
  t.equal(none.status, 401)
  t.match(none.body, { error: 'SW_ERR_UNAUTHORIZED' })
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' }, { authorization: 'Bearer wrong' })).status, 401)
  t.equal((await sy.admin('POST', '/admin/rollback', {}, { authorization: 'Bearer wrong' })).status, 401)
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue', 'nothing changed')
  const ok = await sy.admin('POST', '/admin/switch', { to: 'green' }, { authorization: 'Bearer tok-123' })
  t.equal(ok.status, 200)
  t.equal((await sy.admin('GET', '/admin/status')).status, 200, 'reads need no token')
  t.notOk(JSON.stringify(sy.logs).includes('tok-123'), 'the token never appears in a log line')
})

t.test('healthz, readyz and metrics', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--health.interval', '300ms', '--health.timeout', '250ms', '--health.healthyThreshold', '1', '--health.unhealthyThreshold', '1'] })
  t.equal((await sy.admin('GET', '/healthz')).status, 200)
  const ready = await sy.admin('GET', '/readyz')
  t.equal(ready.status, 200)
  t.match(ready.body, { ready: true, active: 'blue' })

  for (let i = 0; i < 3; i++) await (await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[5.1, 3.5, 1.4, 0.2]]}' })).body.dump()
  await (await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).body.dump()
  const metrics = await request(`${sy.adminUrl}/metrics`)
  const text = await metrics.body.text()
  t.match(metrics.headers['content-type'], /text\/plain/)
  t.match(text, /switchyard_requests_total\{colour="blue",outcome="ok"\} 3/)
  t.match(text, /switchyard_requests_total\{colour="blue",outcome="client_error"\} 1/)
  t.match(text, /switchyard_request_duration_seconds_count\{colour="blue"\} 4/)
  t.match(text, /switchyard_active_colour\{colour="blue"\} 1/)
  t.match(text, /switchyard_state_version 1/)
  t.match(text, /switchyard_upstream_healthy\{colour="green"\} 1/)
  t.match(text, /process_cpu_user_seconds_total/)

  blue.setFault({ ping: 503 })
  let notReady = await sy.admin('GET', '/readyz')
  for (let i = 0; i < 50 && notReady.status === 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    notReady = await sy.admin('GET', '/readyz')
  }
  t.equal(notReady.status, 503)
  t.match(notReady.body, { ready: false, reason: /blue is not healthy/ })
  t.ok(sy.logs.some((l) => l.msg === 'upstream health changed' && l.colour === 'blue' && l.healthy === false), 'health change logged')
})
