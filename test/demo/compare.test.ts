import t from 'tap'
import { irisAccuracy, irisAgreement } from '../../src/demo/compare.js'
import { trainModel } from '../../src/demo/iris.js'

t.test('blue (logistic v1) and green (forest v2) agree on 144 of the 150 rows', async (t) => {
  // The forest's seed is fixed, so this number is the same in every run and every process.
  t.equal(irisAgreement('logistic', 'forest'), 144)
  t.equal(irisAgreement(trainModel('forest'), 'logistic'), 144, 'symmetric, and takes a model')
})

t.test('the other pairs', async (t) => {
  t.equal(irisAgreement('logistic', 'cart'), 147)
  t.equal(irisAgreement('forest', 'cart'), 147)
  t.equal(irisAgreement('cart', 'cart'), 150)
})

t.test('training accuracies are stable', async (t) => {
  t.equal(irisAccuracy('logistic'), 145 / 150)
  t.equal(irisAccuracy(trainModel('forest')), 149 / 150)
  t.equal(irisAccuracy('cart'), 148 / 150)
})
