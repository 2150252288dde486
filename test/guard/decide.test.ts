// The rollback decision, table-driven: each trip condition and each reason not to trip.
import t from 'tap'
import { needsLatency, shouldRollBack, type Baseline, type GuardPolicy } from '../../src/guard/decide.js'
import type { WindowSummary } from '../../src/guard/window.js'

const policy: GuardPolicy = { minRequests: 20, maxErrorRate: 0.05, consecutiveFailures: 5, max4xxIncrease: 0.2, maxLatencyP99: null, latencyFactor: null }

function win (requests: number, errors: number, clientErrors = 0, p99Ms: number | null = 10): WindowSummary {
  return { requests, errors, clientErrors, errorRate: requests === 0 ? 0 : errors / requests, clientErrorRate: requests === 0 ? 0 : clientErrors / requests, p50Ms: p99Ms, p99Ms, spanMs: 1000 }
}

const quietBaseline: Baseline = { requests: 500, clientErrorRate: 0.01, p99Ms: 20 }

interface Case {
  name: string
  window: WindowSummary
  consecutive?: number
  baseline?: Baseline | null
  policy?: Partial<GuardPolicy>
  trip: false | string
  reason?: RegExp
}

const cases: Case[] = [
  { name: 'healthy traffic', window: win(100, 0), trip: false },
  { name: 'error rate over the limit', window: win(38, 16), trip: 'error_rate', reason: /^error rate 0\.42 >= 0\.05 over 38 requests in 1\.2 s$/ },
  { name: 'error rate exactly at the limit trips (>=)', window: win(100, 5), consecutive: 0, trip: 'error_rate' },
  { name: 'a 2% error rate does not trip', window: win(100, 2), trip: false },
  { name: 'below minRequests nothing but a run counts', window: win(3, 3), consecutive: 3, trip: false },
  { name: 'below minRequests with consecutiveFailures off', window: win(3, 3), consecutive: 3, policy: { consecutiveFailures: null }, trip: false },
  { name: 'a run of failures trips before minRequests', window: win(5, 5), consecutive: 5, trip: 'consecutive_failures', reason: /^5 failures in a row >= 5/ },
  { name: 'consecutiveFailures off ignores runs', window: win(19, 19), consecutive: 19, policy: { consecutiveFailures: null }, trip: false },
  { name: '4xx well above the previous colour\'s', window: win(50, 0, 50), baseline: quietBaseline, trip: 'client_errors', reason: /4xx rate 1 is more than 0\.20 above the previous colour's 0\.01/ },
  { name: '4xx only a little above the previous colour\'s', window: win(100, 0, 15), baseline: quietBaseline, trip: false },
  { name: '4xx as high as the previous colour\'s was', window: win(100, 0, 60), baseline: { requests: 500, clientErrorRate: 0.55, p99Ms: 20 }, trip: false },
  { name: '4xx with no baseline compares with zero', window: win(100, 0, 30), baseline: null, trip: 'client_errors' },
  { name: '4xx check off', window: win(100, 0, 100), policy: { max4xxIncrease: null }, trip: false },
  { name: 'absolute p99 limit', window: win(50, 0, 0, 900), policy: { maxLatencyP99: 500 }, trip: 'latency_p99', reason: /^p99 900 ms >= 500 ms over 50 requests/ },
  { name: 'absolute p99 under the limit', window: win(50, 0, 0, 400), policy: { maxLatencyP99: 500 }, trip: false },
  { name: 'p99 factor over the previous colour', window: win(50, 0, 0, 70), baseline: quietBaseline, policy: { latencyFactor: 3 }, trip: 'latency_factor', reason: /p99 70 ms >= 3 x the previous colour's 20 ms/ },
  { name: 'p99 factor under the limit', window: win(50, 0, 0, 50), baseline: quietBaseline, policy: { latencyFactor: 3 }, trip: false },
  { name: 'p99 factor needs a baseline with minRequests', window: win(50, 0, 0, 500), baseline: { requests: 5, clientErrorRate: 0, p99Ms: 20 }, policy: { latencyFactor: 3 }, trip: false },
  { name: 'p99 factor with no baseline', window: win(50, 0, 0, 500), baseline: null, policy: { latencyFactor: 3 }, trip: false },
  { name: 'p99 factor with a baseline lacking p99', window: win(50, 0, 0, 500), baseline: { requests: 50, clientErrorRate: 0, p99Ms: null }, policy: { latencyFactor: 3 }, trip: false },
  { name: 'latency limits need minRequests', window: win(10, 0, 0, 5000), policy: { maxLatencyP99: 100 }, trip: false },
  { name: 'no latency figures, no latency trip', window: win(50, 0, 0, null), policy: { maxLatencyP99: 100 }, trip: false }
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const decision = shouldRollBack(c.window, c.consecutive ?? 0, c.baseline === undefined ? quietBaseline : c.baseline, { ...policy, ...c.policy }, 1234)
    if (c.trip === false) {
      t.same(decision, { trip: false })
    } else {
      t.equal(decision.trip, true)
      if (decision.trip) {
        t.equal(decision.kind, c.trip)
        if (c.reason !== undefined) t.match(decision.reason, c.reason)
      }
    }
  })
}

t.test('needsLatency only when a latency condition is on', async (t) => {
  t.equal(needsLatency(policy), false)
  t.equal(needsLatency({ ...policy, maxLatencyP99: 100 }), true)
  t.equal(needsLatency({ ...policy, latencyFactor: 2 }), true)
})
