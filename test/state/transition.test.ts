import t from 'tap'
import { applyChange, initialState } from '../../src/state/transition.js'

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
