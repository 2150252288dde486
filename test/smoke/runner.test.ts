// The smoke runner against real Iris model servers: passes, fails on status, fails on wrong
// predictions, fails on a timeout; and the gate turns a failure into a 412 with the report.
import { pino } from 'pino'
import t, { type Test } from 'tap'
import type { SmokeRequest } from '../../src/smoke/config.js'
import { failureSummary, runSmoke } from '../../src/smoke/runner.js'
import { Smoke } from '../../src/smoke/smoke.js'
import { SMOKE_FAILED } from '../../src/errors.js'
import { Upstream } from '../../src/upstreams/upstream.js'
import { startBlueGreen, startModelServer } from '../helpers/model-server.js'

const SETOSA: SmokeRequest = { name: 'setosa', method: 'POST', path: '/invocations', contentType: 'application/json', body: '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}', timeout: 2000, expect: { status: 200, predictions: [0] } }
const VIRGINICA: SmokeRequest = { ...SETOSA, name: 'virginica', body: '{"inputs": [[7.7, 3.0, 6.1, 2.3]]}', expect: { status: 200, predictions: [2] } }

function upstream (t: Test, url: string, colour: 'blue' | 'green' = 'green'): Upstream {
  const u = new Upstream({ colour, url, connections: 2, keepAliveTimeout: 1000, connectTimeout: 500 })
  t.teardown(() => u.close())
  return u
}

t.test('passes: both demo models answer the Iris smoke rows as expected', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  for (const [colour, server] of [['blue', blue], ['green', green]] as const) {
    const report = await runSmoke(colour, upstream(t, server.url, colour), [SETOSA, VIRGINICA])
    t.match(report, { colour, ok: true, total: 2, passed: 2, failed: 0, results: [{ name: 'setosa', ok: true, status: 200, problem: null }, { name: 'virginica', ok: true, status: 200, problem: null }] }, colour)
  }
})

t.test('fails on status', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  server.setFault({ status: 500 })
  const report = await runSmoke('green', upstream(t, server.url), [SETOSA])
  t.match(report, { ok: false, passed: 0, failed: 1, results: [{ name: 'setosa', ok: false, status: 500, problem: /^expected status 200, got 500: / }] })
  t.match(failureSummary(report), /^"setosa": expected status 200, got 500/)
})

t.test('fails on wrong predictions', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  const wrong: SmokeRequest = { ...SETOSA, expect: { status: 200, predictions: [2] } }
  const report = await runSmoke('green', upstream(t, server.url), [wrong, VIRGINICA])
  t.match(report, { ok: false, passed: 1, failed: 1, results: [{ ok: false, status: 200, problem: 'expected predictions [2], got [0]' }, { ok: true }] }, 'every request runs, not only up to the first failure')
  const count: SmokeRequest = { ...SETOSA, expect: { status: 200, predictionsLength: 2 } }
  t.match(await runSmoke('green', upstream(t, server.url), [count]), { ok: false, results: [{ problem: 'expected 2 predictions, got 1' }] })
})

t.test('fails on a timeout', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  server.setFault({ delayMs: 3000 })
  const started = performance.now()
  const report = await runSmoke('green', upstream(t, server.url), [{ ...SETOSA, timeout: 200 }])
  t.match(report, { ok: false, results: [{ ok: false, status: null, problem: 'no answer in 200 ms' }] })
  t.ok(performance.now() - started < 1500, 'gave up at the timeout')
})

t.test('fails when nothing listens', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  const u = upstream(t, server.url)
  await server.close()
  t.match(await runSmoke('green', u, [SETOSA]), { ok: false, results: [{ status: null, problem: /^request failed: ECONNREFUSED/ }] })
})

t.test('the gate: 412 SW_ERR_SMOKE_FAILED carrying the report, or the report when it passes', async (t) => {
  const server = await startModelServer(t, { model: 'forest', version: 'v2' })
  const u = upstream(t, server.url)
  const smoke = new Smoke({ blue: u, green: u }, [SETOSA], pino({ level: 'silent' }))
  t.match(await smoke.check('green'), { ok: true })
  server.setFault({ status: 503 })
  const err = await smoke.check('green').then(() => null, (e: unknown) => e)
  t.ok(SMOKE_FAILED.is(err))
  t.match(err, { statusCode: 412, message: /^colour green failed the smoke test: "setosa": expected status 200, got 503/, details: { colour: 'green', smoke: { ok: false, failed: 1 } } })
  t.match(smoke.last.green, { ok: false })
  t.match(await new Smoke({ blue: u, green: u }, [], pino({ level: 'silent' })).check('blue'), { ok: true, total: 0 }, 'no smoke requests: nothing to fail')
})
