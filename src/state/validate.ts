// A saved state comes from disk or Redis: check its shape before trusting it.
import { isColour } from '../colour.js'
import { NO_TRAFFIC } from './transition.js'
import type { DeploymentState } from './types.js'

const PHASES = new Set(['stable', 'baking'])
const KINDS = new Set(['init', 'switch', 'rollback'])

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Returns the problem with `value` as a state, or null when it is a valid state. */
export function stateProblem (value: unknown): string | null {
  if (!isObject(value)) return 'not a JSON object'
  if (!isColour(value.active)) return 'active is not "blue" or "green"'
  if (value.previous !== null && !isColour(value.previous)) return 'previous is not a colour or null'
  if (!Number.isSafeInteger(value.version) || (value.version as number) < 1) return 'version is not a positive integer'
  if (typeof value.phase !== 'string' || !PHASES.has(value.phase)) return 'phase is not "stable" or "baking"'
  if (typeof value.changedAt !== 'string' || Number.isNaN(Date.parse(value.changedAt))) return 'changedAt is not a date'
  if (typeof value.reason !== 'string') return 'reason is not a string'
  if (typeof value.by !== 'string') return 'by is not a string'
  if (value.bakeUntil !== undefined && value.bakeUntil !== null && (typeof value.bakeUntil !== 'string' || Number.isNaN(Date.parse(value.bakeUntil)))) return 'bakeUntil is not a date or null'
  if (value.failed !== undefined && value.failed !== null && !isColour(value.failed)) return 'failed is not a colour or null'
  if (!Array.isArray(value.history)) return 'history is not a list'
  for (const [i, entry] of value.history.entries()) {
    if (!isObject(entry) || !isColour(entry.to) || !Number.isSafeInteger(entry.version) ||
      typeof entry.kind !== 'string' || !KINDS.has(entry.kind) || typeof entry.at !== 'string') {
      return `history[${i}] is not a valid entry`
    }
  }
  return value.traffic === undefined ? null : trafficProblem(value.traffic)
}

const isShare = (value: unknown): boolean => typeof value === 'number' && value >= 0 && value <= 100

function trafficProblem (traffic: unknown): string | null {
  if (!isObject(traffic)) return 'traffic is not an object'
  if (!isShare(traffic.canaryWeight)) return 'traffic.canaryWeight is not a number from 0 to 100'
  if (!isShare(traffic.shadowPercent)) return 'traffic.shadowPercent is not a number from 0 to 100'
  const p = traffic.progress
  if (p !== null && (!isObject(p) || !isColour(p.to) || !Array.isArray(p.steps) || !p.steps.every(isShare) ||
    !Number.isSafeInteger(p.step) || (p.step as number) < 0 || (p.step as number) >= p.steps.length || !isShare(p.weight) ||
    typeof p.stepInterval !== 'number' || Number.isNaN(Date.parse(String(p.nextStepAt))) || typeof p.owner !== 'string')) {
    return 'traffic.progress is not a progressive switch or null'
  }
  const o = traffic.lastOutcome
  if (o !== null && (!isObject(o) || !isColour(o.to) || typeof o.completed !== 'boolean' || typeof o.reason !== 'string')) {
    return 'traffic.lastOutcome is not an outcome or null'
  }
  return null
}

export function asState (value: unknown): DeploymentState | string {
  const problem = stateProblem(value)
  if (problem !== null) return problem
  // Fields added after the first release default to "none".
  const state = value as DeploymentState
  return { ...state, bakeUntil: state.bakeUntil ?? null, failed: state.failed ?? null, traffic: state.traffic ?? NO_TRAFFIC }
}
