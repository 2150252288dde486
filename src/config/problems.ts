// A problem is one line of the CONFIG_INVALID message. The key orders the lines (so a setting's
// problems sit together whatever layer they came from); the text is what the operator reads.
import { CONFIG_INVALID, type SwitchyardError } from '../errors.js'

export interface Problem {
  /** The setting's key ("listen.port"); '' for problems with the file as a whole, which come first. */
  readonly key: string
  readonly text: string
}

/**
 * How a bad value is quoted in a problem: strings in quotes, numbers and the like as written.
 * A secret's string or number is only named by its kind (an empty one gives nothing away).
 */
export function show (value: unknown, secret = false): string {
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object' && value !== null) return 'a mapping'
  if (secret && value !== '' && (typeof value === 'string' || typeof value === 'number')) return `a ${typeof value}, not shown`
  if (typeof value === 'string') return JSON.stringify(value)
  return String(value)
}

/** One CONFIG_INVALID error listing every problem, sorted by key; its details carry the lines. */
export function invalid (problems: readonly Problem[]): SwitchyardError {
  // Array#sort is stable, so problems with one key keep the order they were found in.
  const lines = [...problems].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(p => p.text)
  const err = CONFIG_INVALID(lines.join('\n'))
  err.details = { problems: lines }
  return err
}
