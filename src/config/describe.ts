// Every setting as a row for the README's configuration table (and a test that keeps the two in
// step). Derived from the schema walk, so a new setting shows up here by itself.
import { LEAVES } from './keys.js'

export interface ConfigKeyInfo {
  /** Dotted key, as in YAML and --flags: 'health.interval'. */
  readonly key: string
  /** 'SWITCHYARD_HEALTH_INTERVAL' */
  readonly env: string
  /** As resolved: durations in ms, sizes in bytes; undefined when the setting is required. */
  readonly default: unknown
  readonly description: string
}

export function describeConfig (): ConfigKeyInfo[] {
  return LEAVES.map(leaf => ({ key: leaf.key, env: leaf.env, default: leaf.default, description: leaf.description }))
}
