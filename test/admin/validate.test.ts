import t from 'tap'
import { parseHistoryQuery, parseRollbackBody, parseSwitchBody } from '../../src/admin/validate.js'

t.test('switch bodies', async (t) => {
  t.same(parseSwitchBody({ to: 'green' }), { to: 'green', reason: undefined, expectedVersion: undefined, force: false })
  t.same(parseSwitchBody({ to: 'blue', reason: 'why', expectedVersion: 3, force: true }), { to: 'blue', reason: 'why', expectedVersion: 3, force: true })
  const bad: Array<[unknown, string, RegExp]> = [
    [undefined, 'SW_ERR_BAD_BODY', /to: required/],
    ['green', 'SW_ERR_BAD_BODY', /JSON object/],
    [[1], 'SW_ERR_BAD_BODY', /JSON object/],
    [{ to: 'purple' }, 'SW_ERR_UNKNOWN_COLOUR', /unknown colour "purple"/],
    [{ to: 7 }, 'SW_ERR_BAD_BODY', /to: must be "blue" or "green" \(got 7\)/],
    [{ to: 'purple', force: 'yes' }, 'SW_ERR_BAD_BODY', /to: must be.*force: must be true or false/],
    [{ to: 'green', colour: 'x' }, 'SW_ERR_BAD_BODY', /colour: unknown field/],
    [{ to: 'green', reason: 5 }, 'SW_ERR_BAD_BODY', /reason: must be a string/],
    [{ to: 'green', reason: 'x'.repeat(501) }, 'SW_ERR_BAD_BODY', /at most 500/],
    [{ to: 'green', expectedVersion: -1 }, 'SW_ERR_BAD_BODY', /expectedVersion/],
    [{ to: 'green', expectedVersion: '2' }, 'SW_ERR_BAD_BODY', /expectedVersion/]
  ]
  for (const [body, code, message] of bad) {
    t.throws(() => parseSwitchBody(body), { code, statusCode: 400, message }, JSON.stringify(body))
  }
})

t.test('rollback bodies', async (t) => {
  t.same(parseRollbackBody(undefined), { reason: undefined, expectedVersion: undefined, force: false })
  t.same(parseRollbackBody({ reason: 'bad', force: true, expectedVersion: 2 }), { reason: 'bad', expectedVersion: 2, force: true })
  t.throws(() => parseRollbackBody({ to: 'blue' }), { code: 'SW_ERR_BAD_BODY', message: /to: unknown field/ })
})

t.test('history queries', async (t) => {
  t.same(parseHistoryQuery({}), { limit: 20, offset: 0 })
  t.same(parseHistoryQuery({ limit: '5', offset: '10' }), { limit: 5, offset: 10 })
  t.throws(() => parseHistoryQuery({ limit: '0' }), { code: 'SW_ERR_BAD_BODY', message: /limit: must be an integer from 1 to 1000/ })
  t.throws(() => parseHistoryQuery({ limit: 'abc', page: '1' }), { message: /page: unknown field.*limit/ })
})
