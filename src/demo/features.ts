// The Iris input schema: which columns a request may name and where each one goes in a row.
// Kept apart from iris.ts so the request parser does not load the ML libraries.

/** Column names as scikit-learn's load_iris() spells them, which MLflow's examples use. */
export const FEATURE_NAMES: readonly string[] = Object.freeze(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'])

/** The same features as seaborn's copy of the data set names them. */
export const SHORT_FEATURE_NAMES: readonly string[] = Object.freeze(['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])

export const FEATURE_COUNT = 4

const byName = new Map<string, number>()
FEATURE_NAMES.forEach((name, index) => byName.set(name, index))
SHORT_FEATURE_NAMES.forEach((name, index) => byName.set(name, index))

/** Position of the feature in a row (0-3) under either spelling, or -1 for an unknown name. */
export function featureIndex (name: string): number {
  return byName.get(name) ?? -1
}
