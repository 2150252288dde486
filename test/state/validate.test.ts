import t from 'tap'
import { initialState } from '../../src/state/transition.js'
import { asState, stateProblem } from '../../src/state/validate.js'

const good = initialState('green', new Date('2026-01-01T00:00:00Z'))

t.test('a valid state has no problem', async (t) => {
  t.equal(stateProblem(good), null)
  t.same(asState(JSON.parse(JSON.stringify(good))), good)
})

const WALK = { to: 'green', steps: [10, 100], step: 0, weight: 10, stepInterval: 1000, startedAt: good.changedAt, nextStepAt: good.changedAt, reason: 'r', actor: 'a', owner: 'o' }
const cases: Array<[string, unknown, RegExp]> = [
  ['not an object', [1, 2], /not a JSON object/],
  ['null', null, /not a JSON object/],
  ['bad active', { ...good, active: 'purple' }, /active/],
  ['bad previous', { ...good, previous: 'red' }, /previous/],
  ['bad version', { ...good, version: 0 }, /version/],
  ['fractional version', { ...good, version: 1.5 }, /version/],
  ['bad phase', { ...good, phase: 'cooking' }, /phase/],
  ['bad changedAt', { ...good, changedAt: 'yesterday' }, /changedAt/],
  ['bad reason', { ...good, reason: 3 }, /reason/],
  ['bad by', { ...good, by: null }, /by/],
  ['bad history', { ...good, history: {} }, /history is not a list/],
  ['bad history entry', { ...good, history: [{ to: 'blue' }] }, /history\[0\]/],
  ['bad traffic', { ...good, traffic: [] }, /traffic is not an object/],
  ['canary weight over 100', { ...good, traffic: { ...good.traffic, canaryWeight: 101 } }, /traffic.canaryWeight/],
  ['shadow percent not a number', { ...good, traffic: { ...good.traffic, shadowPercent: '5' } }, /traffic.shadowPercent/],
  ['progress step past its steps', { ...good, traffic: { ...good.traffic, progress: { ...WALK, step: 2 } } }, /traffic.progress/],
  ['progress without an owner', { ...good, traffic: { ...good.traffic, progress: { ...WALK, owner: undefined } } }, /traffic.progress/],
  ['bad last outcome', { ...good, traffic: { ...good.traffic, lastOutcome: { to: 'green', completed: 'yes', reason: '' } } }, /traffic.lastOutcome/]
]
t.test('a state saved before traffic settings existed reads as none; a walk in progress is valid', async (t) => {
  const { traffic: _traffic, ...old } = good
  t.same((asState(old) as typeof good).traffic, { canaryWeight: 0, shadowPercent: 0, progress: null, lastOutcome: null })
  t.equal(stateProblem({ ...good, traffic: { ...good.traffic, canaryWeight: 10, progress: WALK } }), null)
})

for (const [name, value, problem] of cases) {
  t.test(name, async (t) => {
    t.match(stateProblem(value), problem)
    t.type(asState(value), 'string')
  })
}
