import t from 'tap'
import { applyChange, applyTraffic, initialState, NO_TRAFFIC } from '../../src/state/transition.js'
import type { DeploymentState, Progress } from '../../src/state/types.js'

const t0 = new Date('2026-01-01T00:00:00Z')
const t1 = new Date('2026-01-01T00:01:00Z')

t.test('initial state starts at version 1 with one history entry', async (t) => {
  const s = initialState('blue', t0)
  t.match(s, { active: 'blue', previous: null, version: 1, phase: 'stable', changedAt: t0.toISOString() })
  t.equal(s.history.length, 1)
  t.equal(s.history[0]?.kind, 'init')
})

t.test('a switch moves active to previous and grows the version', async (t) => {
  const s = applyChange(initialState('blue', t0), { kind: 'switch', to: 'green', reason: 'v2', by: 'operator' }, t1, 10)
  t.ok(s)
  t.match(s, { active: 'green', previous: 'blue', version: 2, reason: 'v2', by: 'operator', changedAt: t1.toISOString() })
  t.match(s?.history[0], { version: 2, kind: 'switch', from: 'blue', to: 'green' })
})

t.test('switching to the active colour changes nothing', async (t) => {
  t.equal(applyChange(initialState('blue', t0), { kind: 'switch', to: 'blue', reason: '', by: 'x' }, t1, 10), null)
})

t.test('history is capped, newest first', async (t) => {
  let s = initialState('blue', t0)
  for (let i = 0; i < 7; i++) {
    s = applyChange(s, { kind: 'switch', to: s.active === 'blue' ? 'green' : 'blue', reason: `n${i}`, by: 'op' }, t1, 3) ?? s
  }
  t.equal(s.version, 8)
  t.same(s.history.map((e) => e.version), [8, 7, 6])
})

t.test('traffic settings: a new version, no history entry; the same settings change nothing', async (t) => {
  const s = initialState('blue', t0)
  t.same(s.traffic, NO_TRAFFIC)
  const next = applyTraffic(s, { ...s.traffic, canaryWeight: 20 })
  t.match(next, { version: 2, active: 'blue', changedAt: s.changedAt, traffic: { canaryWeight: 20, shadowPercent: 0 } })
  t.equal(next?.history, s.history, 'the history is untouched')
  t.equal(applyTraffic(s, { ...NO_TRAFFIC }), null)
})

const walk = (to: 'green' | 'blue'): Progress => ({ to, steps: [10, 100], step: 0, weight: 10, stepInterval: 1000, startedAt: t0.toISOString(), nextStepAt: t1.toISOString(), reason: 'r', actor: 'a', owner: 'o' })

t.test('a switch ends the canary; it completes a progressive switch only when it is its own last step', async (t) => {
  const s = applyTraffic(initialState('blue', t0), { canaryWeight: 10, shadowPercent: 50, progress: walk('green'), lastOutcome: null }) as DeploymentState
  const own = applyChange(s, { kind: 'switch', to: 'green', reason: 'r', by: 'progressive' }, t1, 10)
  t.match(own?.traffic, { canaryWeight: 0, shadowPercent: 50, progress: null, lastOutcome: { to: 'green', completed: true, reason: 'completed: switched to green after 10, 100%' } })
  const other = applyChange(s, { kind: 'switch', to: 'green', reason: 'r', by: 'operator' }, t1, 10)
  t.match(other?.traffic, { canaryWeight: 0, progress: null, lastOutcome: { completed: false, reason: 'aborted: the active colour changed to green (operator)' } })
  const plain = applyChange(applyTraffic(initialState('blue', t0), { ...NO_TRAFFIC, canaryWeight: 30 }) as DeploymentState, { kind: 'switch', to: 'green', reason: 'r', by: 'operator' }, t1, 10)
  t.match(plain?.traffic, { canaryWeight: 0, progress: null, lastOutcome: null }, 'no walk, no outcome')
})
