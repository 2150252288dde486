import t from 'tap'
import { checkFault, faultBody } from '../../src/demo/fault.js'

t.test('a fault is checked and copied', async (t) => {
  const given = { status: 503, delayMs: 20, destroy: true, ping: 503 }
  const fault = checkFault(given)
  t.same(fault, given)
  t.not(fault, given, 'a copy')
  t.ok(Object.isFrozen(fault))
  t.same(checkFault({}), {})
  t.same(checkFault({ destroy: false, delayMs: 0 }), { delayMs: 0 }, 'destroy: false is no fault')
})

t.test('a fault that cannot be shown is refused', async (t) => {
  t.throws(() => checkFault({ status: 200 }), { name: 'RangeError', message: 'fault.status must be an HTTP status from 400 to 599, got 200' })
  t.throws(() => checkFault({ status: 600 }), RangeError)
  t.throws(() => checkFault({ status: 502.5 }), RangeError)
  t.throws(() => checkFault({ ping: 99 }), { message: 'fault.ping must be an HTTP status from 200 to 599, got 99' })
  t.throws(() => checkFault({ delayMs: -1 }), { message: 'fault.delayMs must be a number of milliseconds >= 0, got -1' })
  t.throws(() => checkFault({ delayMs: Number.NaN }), RangeError)
})

t.test('the error body names the status as MLflow would', async (t) => {
  const code = (status: number): unknown => (JSON.parse(faultBody(status)) as { error_code: string }).error_code
  t.equal(code(503), 'TEMPORARILY_UNAVAILABLE')
  t.equal(code(429), 'REQUEST_LIMIT_EXCEEDED')
  t.equal(code(500), 'INTERNAL_ERROR')
  t.equal(code(502), 'INTERNAL_ERROR')
  t.equal(code(400), 'BAD_REQUEST')
  t.same(JSON.parse(faultBody(500)), { error_code: 'INTERNAL_ERROR', message: 'injected fault: this model server answers 500' })
})
