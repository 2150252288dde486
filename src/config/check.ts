// One setting's value, checked: first against its schema (type, range, pattern), then refined
// (a duration or size parsed, a URL normalised). Problems name the value's origin by its label.
import { Value } from '@sinclair/typebox/value'
import type { Leaf } from './keys.js'
import { show } from './problems.js'
import { parseDuration, parseSize, type Parsed } from './units.js'
import { parseHttpUrl } from './url.js'

export function checkLeaf (leaf: Leaf, value: unknown, label: string): Parsed<unknown> {
  if (!Value.Check(leaf.schema, value)) return { ok: false, problem: `${label}: ${leaf.expected} (got ${show(value, leaf.secret)})` }
  switch (leaf.refine) {
    case 'duration':
      return parseDuration(value, label)
    case 'positiveDuration': {
      const parsed = parseDuration(value, label)
      if (parsed.ok && parsed.value === 0) return { ok: false, problem: `${label}: must be more than 0 ms (got ${show(value)})` }
      return parsed
    }
    case 'size':
      return parseSize(value, label)
    case 'httpUrl':
      return parseHttpUrl(String(value), label)
    case undefined:
      return { ok: true, value }
  }
}
