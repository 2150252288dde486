import t from 'tap'
import { nextHealth, type HealthStatus } from '../../src/upstreams/health.js'

const options = { path: '/ping', interval: 1000, timeout: 100, healthyThreshold: 2, unhealthyThreshold: 3 }
const ok = { ok: true, error: null, latencyMs: 1 }
const bad = { ok: false, error: 'GET /ping answered 503', latencyMs: 2 }
const start: HealthStatus = { healthy: null, lastProbeAt: null, lastError: null, latencyMs: null, consecutiveSuccesses: 0, consecutiveFailures: 0 }

function run (results: Array<typeof ok | typeof bad>): Array<boolean | null> {
  let s = start
  return results.map((r) => (s = nextHealth(s, r, options, 'now')).healthy)
}

t.test('the first probe decides from unknown', async (t) => {
  t.same(run([ok]), [true])
  t.same(run([bad]), [false])
})

t.test('unhealthy only after unhealthyThreshold failures in a row', async (t) => {
  t.same(run([ok, bad, bad, ok, bad, bad, bad]), [true, true, true, true, true, true, false])
})

t.test('healthy again only after healthyThreshold successes in a row', async (t) => {
  t.same(run([bad, ok, bad, ok, ok]), [false, false, false, false, true])
})

t.test('records the last error and latency', async (t) => {
  const s = nextHealth(start, bad, options, '2026-01-01T00:00:00.000Z')
  t.match(s, { lastError: 'GET /ping answered 503', latencyMs: 2, lastProbeAt: '2026-01-01T00:00:00.000Z', consecutiveFailures: 1 })
})
