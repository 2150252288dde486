// Environment variables and flags are strings; turn one into the type its leaf expects. A string
// that does not fit is returned as it is, so validation reports it with the value quoted.
import { KindGuard, type TSchema } from '@sinclair/typebox'

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i
const BOOLEANS = new Map([['true', true], ['1', true], ['false', false], ['0', false]])

export function coerce (schema: TSchema, raw: string): unknown {
  // The schema has integer leaves but no other numbers; durations and sizes parse their own strings.
  if (KindGuard.IsInteger(schema)) return NUMBER.test(raw.trim()) ? Number(raw) : raw
  if (KindGuard.IsBoolean(schema)) return BOOLEANS.get(raw.trim().toLowerCase()) ?? raw
  // An empty variable or flag is how a shell says "unset": null for the settings that allow it.
  if (raw === '' && acceptsNull(schema)) return null
  return raw
}

export function isBoolean (schema: TSchema): boolean {
  return KindGuard.IsBoolean(schema)
}

export function isBooleanWord (raw: string): boolean {
  return BOOLEANS.has(raw.trim().toLowerCase())
}

function acceptsNull (schema: TSchema): boolean {
  return KindGuard.IsUnion(schema) && schema.anyOf.some(member => KindGuard.IsNull(member))
}
