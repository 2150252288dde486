// The environment layer: SWITCHYARD_<KEY IN UPPER_SNAKE> for every leaf. Variables with the
// prefix that name no setting are not errors (a deployment may carry old ones) but are returned
// so the caller can warn about a likely typo.
import type { Layer } from './layer.js'
import { coerce } from './coerce.js'
import { isSwitchyardVariable, leafForEnv } from './keys.js'

export interface EnvLayer extends Layer {
  /** SWITCHYARD_* names that match no setting, sorted. */
  readonly unknown: string[]
}

export function readEnv (env: Readonly<Record<string, string | undefined>>): EnvLayer {
  const layer: EnvLayer = { entries: [], problems: [], unknown: [] }
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !isSwitchyardVariable(name)) continue
    const leaf = leafForEnv(name)
    if (leaf === undefined) layer.unknown.push(name)
    else layer.entries.push({ key: leaf.key, value: coerce(leaf.schema, raw), label: `${name} (${leaf.key})` })
  }
  layer.unknown.sort()
  return layer
}
