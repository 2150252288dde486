// Rules that tie two settings together. They see only values that passed their own checks, so a
// rule whose inputs are missing stays quiet rather than adding a second, confusing problem.
import type { Problem } from './problems.js'

type Values = ReadonlyMap<string, unknown>

export function checkRules (values: Values): Problem[] {
  const problems: Problem[] = []

  const blue = values.get('upstreams.blue.url')
  const green = values.get('upstreams.green.url')
  // Both colours on one origin would make every switch a no-op and every rollback a lie.
  if (blue !== undefined && blue === green) {
    problems.push({ key: 'upstreams.green.url', text: 'upstreams.green.url: must differ from upstreams.blue.url' })
  }

  const interval = values.get('health.interval')
  const timeout = values.get('health.timeout')
  // A probe still running when the next one starts would pile up on a slow upstream.
  if (typeof interval === 'number' && typeof timeout === 'number' && timeout >= interval) {
    problems.push({
      key: 'health.timeout',
      text: `health.timeout: must be less than health.interval (got ${timeout} ms, interval ${interval} ms)`
    })
  }

  return problems
}
