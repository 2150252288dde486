// How the demo models compare on the 150 Iris rows: the numbers the demo and the docs quote when
// they say how often blue (v1) and green (v2) answer alike.
import { irisData, trainModel, type IrisModel, type ModelKind } from './iris.js'

function resolve (model: IrisModel | ModelKind): IrisModel {
  return typeof model === 'string' ? trainModel(model) : model
}

/** How many of the 150 Iris rows the two models put in the same class. */
export function irisAgreement (a: IrisModel | ModelKind, b: IrisModel | ModelKind): number {
  const { rows } = irisData()
  const left = resolve(a).predict(rows)
  const right = resolve(b).predict(rows)
  let same = 0
  for (let i = 0; i < rows.length; i++) if (left[i] === right[i]) same++
  return same
}

/** Share (0-1) of the 150 Iris rows the model classifies as the data set labels them. */
export function irisAccuracy (model: IrisModel | ModelKind): number {
  const { rows, labels } = irisData()
  const predicted = resolve(model).predict(rows)
  let right = 0
  for (let i = 0; i < rows.length; i++) if (predicted[i] === labels[i]) right++
  return right / rows.length
}
