// Minimal types for the mljs packages the demo trains with: ml-logistic-regression and ml-cart
// ship none, and ml-random-forest's own file does not type-check (it extends an interface and
// names classes it never imports). Only what src/demo/iris.ts calls is declared.

declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix'

  interface LogisticRegressionOptions {
    numSteps?: number
    learningRate?: number
  }

  /** One-vs-all logistic regression, trained by plain gradient descent (no intercept term). */
  export default class LogisticRegression {
    constructor (options?: LogisticRegressionOptions)
    train (features: Matrix, target: Matrix): void
    predict (features: Matrix): number[]
  }
}

declare module 'ml-cart' {
  interface DecisionTreeOptions {
    gainFunction?: 'gini'
    splitFunction?: 'mean'
    minNumSamples?: number
    maxDepth?: number
    gainThreshold?: number
  }

  export class DecisionTreeClassifier {
    constructor (options?: DecisionTreeOptions)
    train (trainingSet: number[][], trainingLabels: number[]): void
    predict (toPredict: number[][]): number[]
  }
}

declare module 'ml-random-forest' {
  interface RandomForestOptions {
    maxFeatures?: number
    replacement?: boolean
    nEstimators?: number
    /** Seeds feature and sample bagging; must be a 32-bit integer. */
    seed?: number
    useSampleBagging?: boolean
    noOOB?: boolean
    treeOptions?: {
      minNumSamples?: number
      maxDepth?: number
      gainThreshold?: number
    }
  }

  export class RandomForestClassifier {
    constructor (options?: RandomForestOptions)
    train (trainingSet: number[][], trainingValues: number[]): void
    predict (toPredict: number[][]): number[]
  }
}
