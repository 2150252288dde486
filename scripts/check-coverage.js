// tap 21 can only demand 100% coverage or nothing: this holds the line at set thresholds instead.
import { readFileSync } from 'node:fs'

const THRESHOLDS = { lines: 95, statements: 95, functions: 95, branches: 90 }
const file = '.tap/report/coverage-summary.json'
let summary
try {
  summary = JSON.parse(readFileSync(file, 'utf8')).total
} catch (err) {
  console.error(`coverage: cannot read ${file} (${err.message}); run the tests with tap first`)
  process.exit(1)
}
const failed = Object.entries(THRESHOLDS).filter(([kind, min]) => summary[kind].pct < min)
for (const [kind, min] of Object.entries(THRESHOLDS)) {
  console.log(`coverage ${kind.padEnd(10)} ${String(summary[kind].pct).padStart(6)}% (minimum ${min}%)`)
}
if (failed.length > 0) {
  console.error(`coverage below the threshold for: ${failed.map(([k]) => k).join(', ')}`)
  process.exit(1)
}
