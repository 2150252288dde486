// The README's configuration table, generated from the schema so the two cannot drift
// (test/readme.test.ts compares them; `npm run docs:config` prints it).
import { LEAVES, type Leaf } from './keys.js'

function duration (ms: number): string {
  if (ms === 0) return '0'
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

function size (bytes: number): string {
  for (const [unit, n] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes % n === 0) return `${bytes / n}${unit}`
  }
  return String(bytes)
}

export function formatDefault (leaf: Leaf): string {
  const value = leaf.default
  if (value === undefined) return '(required)'
  if (value === null) return leaf.refine?.startsWith('off') === true ? 'off' : 'null'
  if (typeof value === 'number' && (leaf.refine === 'duration' || leaf.refine === 'positiveDuration' || leaf.refine === 'offDuration')) return duration(value)
  if (typeof value === 'number' && leaf.refine === 'size') return size(value)
  if (Array.isArray(value)) return value.join(', ')
  return String(value)
}

export function configTable (): string {
  const rows = LEAVES.map((leaf) => `| \`${leaf.key}\` | \`${leaf.env}\` | \`${formatDefault(leaf)}\` | ${leaf.description.replaceAll('|', '\\|')} |`)
  return ['| key | environment variable | default | meaning |', '|---|---|---|---|', ...rows].join('\n')
}

/** Replaces what stands between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceBetween (text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from === -1 || to < from) throw new Error(`markers ${start} ... ${end} not found`)
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`
}
