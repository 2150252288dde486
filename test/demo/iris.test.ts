import t from 'tap'
import { CLASS_NAMES, MODEL_KINDS, irisData, isModelKind, trainModel, type ModelKind } from '../../src/demo/iris.js'
import { FEATURE_NAMES, SHORT_FEATURE_NAMES, featureIndex } from '../../src/demo/features.js'
import { irisAccuracy } from '../../src/demo/compare.js'

t.test('every model classifies the Iris set it was trained on well', async (t) => {
  for (const kind of MODEL_KINDS) {
    const accuracy = irisAccuracy(kind)
    t.ok(accuracy > 0.9, `${kind} training accuracy ${accuracy}`)
  }
})

t.test('training is fast and happens once per kind', async (t) => {
  for (const kind of MODEL_KINDS) {
    const model = trainModel(kind)
    t.ok(model.trainingMs > 0, 'training time is recorded (the bench reports it)')
    t.equal(trainModel(kind), model, `${kind} is cached`)
  }
})

t.test('a model describes itself', async (t) => {
  const model = trainModel('forest')
  t.equal(model.kind, 'forest')
  t.same(model.featureNames, ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'])
  t.same(model.classNames, ['setosa', 'versicolor', 'virginica'])
  t.ok(Object.isFrozen(model))
})

t.test('classes are numbered in the data set order setosa, versicolor, virginica', async (t) => {
  const { rows, labels } = irisData()
  t.equal(rows.length, 150)
  t.ok(rows.every((row) => row.length === 4))
  t.same(CLASS_NAMES, ['setosa', 'versicolor', 'virginica'])
  t.same([labels[0], labels[50], labels[100]], [0, 1, 2])
  t.same([5.1, 3.5, 1.4, 0.2], rows[0])
})

t.test('irisData hands out copies', async (t) => {
  const first = irisData()
  first.rows[0][0] = 99
  first.labels[0] = 2
  const second = irisData()
  t.equal(second.rows[0][0], 5.1)
  t.equal(second.labels[0], 0)
})

t.test('predict answers one class per row, and nothing for no rows', async (t) => {
  const rows = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5]]
  for (const kind of MODEL_KINDS) {
    t.same(trainModel(kind).predict(rows), [0, 1, 2], kind)
    t.same(trainModel(kind).predict([]), [], `${kind} with no rows`)
  }
})

t.test('an unknown kind is refused', async (t) => {
  t.throws(() => trainModel('svm' as ModelKind), { name: 'TypeError', message: /unknown model kind "svm": expected one of logistic, forest, cart/ })
  t.equal(isModelKind('cart'), true)
  t.equal(isModelKind('svm'), false)
  t.equal(isModelKind(undefined), false)
})

t.test('features are found under both spellings', async (t) => {
  FEATURE_NAMES.forEach((name, i) => t.equal(featureIndex(name), i, name))
  SHORT_FEATURE_NAMES.forEach((name, i) => t.equal(featureIndex(name), i, name))
  t.equal(featureIndex('petal colour'), -1)
})
