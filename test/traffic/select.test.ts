import t from 'tap'
import { selectColour, stickyBucket } from '../../src/traffic/select.js'
import { compareAnswers, predictionsOf, valuesAgree } from '../../src/traffic/compare.js'
import { effectiveGate, gateProblems } from '../../src/admin/gate.js'

t.test('no weight: always the active colour', async (t) => {
  t.equal(selectColour({ active: 'blue', canaryWeight: 0 }, undefined, 0), 'blue')
  t.equal(selectColour({ active: 'green', canaryWeight: 0 }, 'user-1', 0.99), 'green')
})

t.test('random share follows the weight', async (t) => {
  t.equal(selectColour({ active: 'blue', canaryWeight: 20 }, undefined, 0.19), 'green')
  t.equal(selectColour({ active: 'blue', canaryWeight: 20 }, undefined, 0.2), 'blue')
  t.equal(selectColour({ active: 'blue', canaryWeight: 100 }, undefined, 0.9999), 'green')
})

t.test('sticky keys: stable, spread, and a key on the standby stays there as the weight grows', async (t) => {
  const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`)
  t.equal(stickyBucket('user-7'), stickyBucket('user-7'))
  const at = (w: number) => keys.map((k) => selectColour({ active: 'blue', canaryWeight: w }, k, Math.random()))
  const at20 = at(20)
  t.same(at(20), at20, 'same key, same weight, same colour (the random draw is ignored)')
  const share = at20.filter((c) => c === 'green').length / keys.length
  t.ok(share > 0.16 && share < 0.24, `share at 20: ${share}`)
  const at50 = at(50)
  t.ok(at20.every((c, i) => c === 'blue' || at50[i] === 'green'), 'monotone in the weight')
})

t.test('answers agree element by element, with a numeric tolerance', async (t) => {
  t.equal(valuesAgree([0, 1, 2], [0, 1, 2], 1e-6), true)
  t.equal(valuesAgree([0, 1, 2], [0, 2, 2], 1e-6), false)
  t.equal(valuesAgree([0.1234567], [0.1234568], 1e-6), true)
  t.equal(valuesAgree([0.12], [0.13], 1e-6), false)
  t.equal(valuesAgree(['setosa'], ['setosa'], 1e-6), true)
  t.equal(valuesAgree(['setosa'], ['virginica'], 1e-6), false)
  t.equal(valuesAgree([[1, 2]], [[1]], 1e-6), false)
  t.equal(valuesAgree({ a: 1 }, { a: 1 }, 0), true)
  t.equal(valuesAgree({ a: 1 }, { b: 1 }, 0), false)
  t.equal(valuesAgree({ a: 1 }, { a: 1, b: 2 }, 0), false)
  t.equal(compareAnswers(Buffer.from('{"predictions": [1.0, 2]}'), Buffer.from('{"predictions":[1,2], "extra": true}'), 1e-6), 'agreed', 'only predictions count')
  t.equal(compareAnswers(Buffer.from('{"outputs": [{"name": "y", "data": [0.5]}]}'), Buffer.from('{"outputs": [{"name": "y", "data": [0.6]}]}'), 1e-6), 'disagreed', 'OIP outputs')
  t.equal(compareAnswers(Buffer.from('a,b'), Buffer.from('a,b'), 0), 'agreed', 'other bodies by bytes')
  t.equal(compareAnswers(Buffer.from('[0.30000000000000004, "setosa"]'), Buffer.from('[0.3, "setosa"]'), 1e-6), 'agreed', 'a bare list (MLflow 1.x) with the tolerance')
  t.equal(compareAnswers(Buffer.from('[0.3, "setosa"]'), Buffer.from('[0.3, "virginica"]'), 1e-6), 'disagreed', 'labels exactly')
  t.equal(compareAnswers(Buffer.from('a,b'), Buffer.from('a,c'), 0), 'disagreed')
  t.equal(predictionsOf('x'), undefined)
  t.same(predictionsOf({ outputs: [3] }), [3])
})

t.test('the promotion gate', async (t) => {
  const evidence = { compared: 150, mirrored: 150, agreement: 0.96, standbyErrorRate: 0 }
  t.same(gateProblems(evidence, {}), [])
  t.same(gateProblems(evidence, { minShadowRequests: 100, minAgreement: 0.95, maxStandbyErrorRate: 0.01 }), [])
  t.same(gateProblems(evidence, { minShadowRequests: 200, minAgreement: 0.99 }), ['150 compared shadow requests < 200', 'agreement 0.9600 < 0.99'])
  t.same(gateProblems({ compared: 0, mirrored: 0, agreement: null, standbyErrorRate: null }, { minAgreement: 0.5, maxStandbyErrorRate: 0.1 }), ['agreement unknown < 0.5', 'standby error rate unknown > 0.1'])
  t.same(gateProblems({ ...evidence, standbyErrorRate: 0.2 }, { maxStandbyErrorRate: 0.1 }), ['standby error rate 0.2000 > 0.1'])
  t.same(effectiveGate({ minShadowRequests: 50, minAgreement: null, maxStandbyErrorRate: 0.01 }, { minAgreement: 0.9 }), { minShadowRequests: 50, minAgreement: 0.9, maxStandbyErrorRate: 0.01 })
  t.same(effectiveGate({ minShadowRequests: null, minAgreement: null, maxStandbyErrorRate: null }, undefined), {})
})
