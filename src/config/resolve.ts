// From the layers' entries to the frozen Config: the last entry for each key wins, every leaf is
// checked (defaults fill the gaps), the cross-setting rules run, and every problem is returned
// together so the operator can fix them all in one go.
import type { Entry } from './layer.js'
import type { Config } from './schema.js'
import type { Problem } from './problems.js'
import { checkLeaf } from './check.js'
import { deepFreeze } from './freeze.js'
import { LEAVES } from './keys.js'
import { checkRules } from './rules.js'

export type Resolution = { ok: true, config: Config } | { ok: false, problems: Problem[] }

export function resolve (entries: readonly Entry[]): Resolution {
  const latest = new Map(entries.map(entry => [entry.key, entry]))
  const values = new Map<string, unknown>()
  const problems: Problem[] = []

  for (const leaf of LEAVES) {
    const entry = latest.get(leaf.key)
    if (entry === undefined && leaf.default === undefined) {
      problems.push({ key: leaf.key, text: `${leaf.key}: is required (in the config file, ${leaf.env} or --${leaf.key})` })
      continue
    }
    // Defaults go through the same check, so they are parsed exactly like a written value.
    const checked = entry === undefined ? checkLeaf(leaf, leaf.default, leaf.key) : checkLeaf(leaf, entry.value, entry.label)
    if (checked.ok) values.set(leaf.key, checked.value)
    else problems.push({ key: leaf.key, text: checked.problem })
  }
  problems.push(...checkRules(values))
  if (problems.length > 0) return { ok: false, problems }

  const config: Record<string, unknown> = {}
  for (const leaf of LEAVES) setAt(config, leaf.path, values.get(leaf.key))
  // Every leaf passed its check above, so the object has the schema's resolved shape.
  return { ok: true, config: deepFreeze(config) as Config }
}

function setAt (root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let section = root
  for (const name of path.slice(0, -1)) {
    section[name] ??= {}
    section = section[name] as Record<string, unknown>
  }
  section[String(path.at(-1))] = value
}
