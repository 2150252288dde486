import t from 'tap'
import { bucketOf, bucketUpperMs, quantileMs, LATENCY_BUCKETS } from '../../src/guard/latency.js'
import { SlidingWindow } from '../../src/guard/window.js'
import { methodMatcher } from '../../src/guard/shield.js'

t.test('counts outcomes and rates', async (t) => {
  const w = new SlidingWindow(30_000, 0)
  for (let i = 0; i < 90; i++) w.record('ok', 10, i)
  for (let i = 0; i < 6; i++) w.record('server_error', 10, 100 + i)
  w.record('connection_error', 1, 200)
  w.record('timeout', 1000, 201)
  for (let i = 0; i < 2; i++) w.record('client_error', 5, 300 + i)
  const s = w.summary(400)
  t.match(s, { requests: 100, errors: 8, clientErrors: 2, errorRate: 0.08, clientErrorRate: 0.02, spanMs: 400 })
})

t.test('slides: old slices leave the totals', async (t) => {
  const w = new SlidingWindow(1000, 0)
  for (let i = 0; i < 10; i++) w.record('server_error', 10, i * 10)
  t.equal(w.summary(500).errors, 10)
  for (let i = 0; i < 10; i++) w.record('ok', 10, 1500 + i)
  const later = w.summary(1600)
  t.equal(later.requests, 10, 'the failures of 1.5 s ago are gone')
  t.equal(later.errors, 0)
  t.equal(w.summary(10_000).requests, 0, 'and everything after a long quiet spell')
  // A slot reused after a full turn of the ring drops what it held.
  w.record('ok', 1, 20_000)
  w.record('ok', 1, 21_000)
  t.equal(w.summary(21_000).requests, 1)
})

t.test('p50 and p99 within a bucket width', async (t) => {
  const w = new SlidingWindow(30_000, 0)
  for (let i = 1; i <= 1000; i++) w.record('ok', i / 10, 1) // 0.1 .. 100 ms
  const s = w.summary(2)
  t.ok((s.p50Ms as number) >= 50 && (s.p50Ms as number) <= 50 * 1.2, `p50 ${s.p50Ms}`)
  t.ok((s.p99Ms as number) >= 99 && (s.p99Ms as number) <= 99 * 1.2, `p99 ${s.p99Ms}`)
  t.same(w.summary(2, false).p99Ms, null, 'skipped when not asked for')
})

t.test('reset forgets everything', async (t) => {
  const w = new SlidingWindow(30_000, 0)
  w.record('server_error', 10, 5)
  w.reset(10)
  t.match(w.summary(20), { requests: 0, errors: 0, p99Ms: null, spanMs: 10 })
})

t.test('latency buckets', async (t) => {
  t.equal(bucketOf(0), 0)
  t.equal(bucketOf(1e9), LATENCY_BUCKETS - 1)
  for (const ms of [0.7, 3, 42, 999, 30_000]) t.ok(bucketUpperMs(bucketOf(ms)) >= ms && bucketUpperMs(bucketOf(ms) - 1) < ms, `${ms} ms`)
  t.equal(quantileMs(new Array(LATENCY_BUCKETS).fill(0), 0, 0.99), null)
  const counts = new Array(LATENCY_BUCKETS).fill(0)
  counts[3] = 1
  t.equal(quantileMs(counts, 5, 0.99), bucketUpperMs(LATENCY_BUCKETS - 1), 'a total larger than the counts falls off the end')
})

t.test('shield methods: a method alone, or with a path', async (t) => {
  const m = methodMatcher(['GET', 'HEAD', 'POST /invocations'])
  t.equal(m.allows('GET', '/anything?x=1'), true)
  t.equal(m.allows('POST', '/invocations'), true)
  t.equal(m.allows('POST', '/invocations?format=json'), true)
  t.equal(m.allows('POST', '/other'), false)
  t.equal(m.allows('PUT', '/invocations'), false)
  const two = methodMatcher(['POST /a', 'POST /b'])
  t.equal(two.allows('POST', '/b'), true)
})
