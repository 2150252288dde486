import t from 'tap'
import { initialState } from '../../src/state/transition.js'
import { asState, stateProblem } from '../../src/state/validate.js'

const good = initialState('green', new Date('2026-01-01T00:00:00Z'))

t.test('a valid state has no problem', async (t) => {
  t.equal(stateProblem(good), null)
  t.same(asState(JSON.parse(JSON.stringify(good))), good)
})

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
  ['bad history entry', { ...good, history: [{ to: 'blue' }] }, /history\[0\]/]
]
for (const [name, value, problem] of cases) {
  t.test(name, async (t) => {
    t.match(stateProblem(value), problem)
    t.type(asState(value), 'string')
  })
}
