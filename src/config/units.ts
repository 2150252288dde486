// Durations and sizes as people write them ("2s", "10MiB") turned into the numbers the code uses
// (milliseconds, bytes). They report a problem instead of throwing so the loader can list every
// bad setting at once.
import { show } from './problems.js'

/** A parsed value (a number unless said otherwise), or the line to show the operator. */
export type Parsed<T = number> = { ok: true, value: T } | { ok: false, problem: string }

export const DURATION_EXPECTED = 'must be a duration like "2s" or "500ms"'
export const SIZE_EXPECTED = 'must be a size in bytes like "512KiB" or "10MiB"'

const MS_PER: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

// KB/MB/GB are decimal and KiB/MiB/GiB binary, as the units say; a bare number means bytes.
const BYTES_PER: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3
}

// A decimal number (no sign: neither takes negatives), optional spaces, then the unit letters.
const AMOUNT = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i

/** Milliseconds from a non-negative number (already ms) or a string such as "250ms", "1.5s", "10m", "1h" or "2000". */
export function parseDuration (value: unknown, key: string): Parsed {
  const ms = toAmount(value, MS_PER, 'ms')
  if (ms !== undefined) return { ok: true, value: ms }
  return { ok: false, problem: `${key}: ${DURATION_EXPECTED} (got ${show(value)})` }
}

/** Bytes from a non-negative integer or a string such as "512", "10KiB", "10MiB", "1GiB", "1KB", "1MB". */
export function parseSize (value: unknown, key: string): Parsed {
  const bytes = toAmount(value, BYTES_PER, 'b')
  if (bytes !== undefined && Number.isInteger(bytes)) return { ok: true, value: bytes }
  return { ok: false, problem: `${key}: ${SIZE_EXPECTED} (got ${show(value)})` }
}

function toAmount (value: unknown, per: Readonly<Record<string, number>>, bare: string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const match = AMOUNT.exec(value.trim())
  if (match === null) return undefined
  const factor = per[match[2] === '' ? bare : String(match[2]).toLowerCase()]
  return factor === undefined ? undefined : Number(match[1]) * factor
}
