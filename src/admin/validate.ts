// Admin request bodies come from people and scripts: check every field and name each problem.
import { isColour, type Colour } from '../colour.js'
import { parseDuration } from '../config/units.js'
import { BAD_BODY, UNKNOWN_COLOUR } from '../errors.js'

/** A step longer than a week is a forgotten walk, not a plan. */
const MAX_STEP_INTERVAL_MS = 7 * 86_400_000

export interface GateBody {
  minShadowRequests?: number
  minAgreement?: number
  maxStandbyErrorRate?: number
}

export interface SwitchBody {
  to: Colour
  reason: string | undefined
  expectedVersion: number | undefined
  force: boolean
  /** Canary weights of a progressive switch, ascending, ending at 100. */
  steps: number[] | undefined
  stepInterval: number | undefined
  gate: GateBody | undefined
}

export interface RollbackBody {
  reason: string | undefined
  expectedVersion: number | undefined
  force: boolean
}

const MAX_REASON = 500

function asObject (body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body)) throw BAD_BODY('body must be a JSON object')
  return body as Record<string, unknown>
}

function checkKeys (body: Record<string, unknown>, allowed: readonly string[], problems: string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) problems.push(`${key}: unknown field (allowed: ${allowed.join(', ')})`)
  }
}

function optionalReason (value: unknown, problems: string[]): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') problems.push('reason: must be a string')
  else if (value.length > MAX_REASON) problems.push(`reason: must be at most ${MAX_REASON} characters`)
  else return value
  return undefined
}

function optionalVersion (value: unknown, problems: string[]): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    problems.push('expectedVersion: must be a non-negative integer')
    return undefined
  }
  return value
}

function optionalForce (value: unknown, problems: string[]): boolean {
  if (value !== undefined && typeof value !== 'boolean') problems.push('force: must be true or false')
  return value === true
}

export interface HistoryQuery {
  limit: number
  offset: number
}

function integerParam (value: unknown, name: string, min: number, max: number, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    problems.push(`${name}: must be an integer from ${min} to ${max}`)
    return fallback
  }
  return n
}

export function parseHistoryQuery (raw: unknown): HistoryQuery {
  const query = asObject(raw)
  const problems: string[] = []
  checkKeys(query, ['limit', 'offset'], problems)
  const limit = integerParam(query.limit, 'limit', 1, 1000, 20, problems)
  const offset = integerParam(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0, problems)
  if (problems.length > 0) fail(problems)
  return { limit, offset }
}

function fail (problems: string[]): never {
  throw BAD_BODY(problems.join('; '))
}

export function parseSwitchBody (raw: unknown): SwitchBody {
  const body = asObject(raw)
  const problems: string[] = []
  checkKeys(body, ['to', 'reason', 'expectedVersion', 'force', 'steps', 'stepInterval', 'gate'], problems)
  const unknownColour = typeof body.to === 'string' && !isColour(body.to)
  if (body.to === undefined) problems.push('to: required ("blue" or "green")')
  else if (!isColour(body.to)) problems.push(`to: must be "blue" or "green" (got ${JSON.stringify(body.to)})`)
  const reason = optionalReason(body.reason, problems)
  const expectedVersion = optionalVersion(body.expectedVersion, problems)
  const force = optionalForce(body.force, problems)
  // An unknown colour alone has its own code: scripts often need to tell it apart.
  if (unknownColour && problems.length === 1) throw UNKNOWN_COLOUR(body.to)
  if (problems.length > 0) fail(problems)
  const steps = optionalSteps(body.steps, problems)
  let stepInterval: number | undefined
  if (body.stepInterval !== undefined) {
    const parsed = parseDuration(body.stepInterval, 'stepInterval')
    if (!parsed.ok || parsed.value < 100 || parsed.value > MAX_STEP_INTERVAL_MS) problems.push('stepInterval: must be a duration from 100ms to 168h, like "30s" or "1m"')
    else if (steps === undefined) problems.push('stepInterval: only goes with steps')
    else stepInterval = parsed.value
  }
  const gate = optionalGate(body.gate, problems)
  if (problems.length > 0) fail(problems)
  return { to: body.to as Colour, reason, expectedVersion, force, steps, stepInterval, gate }
}

function optionalSteps (value: unknown, problems: string[]): number[] | undefined {
  if (value === undefined) return undefined
  const ok = Array.isArray(value) && value.length > 0 && value.length <= 20 &&
    value.every((w, i) => Number.isInteger(w) && (w as number) >= 1 && (w as number) <= 100 && (i === 0 || (w as number) > (value[i - 1] as number)))
  if (!ok) {
    problems.push('steps: must be a list of 1 to 20 canary weights, ascending, each an integer from 1 to 100 (e.g. [5, 25, 50, 100])')
    return undefined
  }
  return value as number[]
}

function optionalGate (value: unknown, problems: string[]): GateBody | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('gate: must be an object {minShadowRequests, minAgreement, maxStandbyErrorRate}')
    return undefined
  }
  const gate = value as Record<string, unknown>
  checkKeys(gate, ['minShadowRequests', 'minAgreement', 'maxStandbyErrorRate'], problems)
  const out: GateBody = {}
  if (gate.minShadowRequests !== undefined) {
    if (!Number.isSafeInteger(gate.minShadowRequests) || (gate.minShadowRequests as number) < 1) problems.push('gate.minShadowRequests: must be an integer of at least 1')
    else out.minShadowRequests = gate.minShadowRequests as number
  }
  for (const key of ['minAgreement', 'maxStandbyErrorRate'] as const) {
    const v = gate[key]
    if (v === undefined) continue
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) problems.push(`gate.${key}: must be a number from 0 to 1`)
    else out[key] = v
  }
  return out
}

/** A number in a range from a JSON body, or a problem. */
export function parseNumberField (raw: unknown, field: string, min: number, max: number, allowed: readonly string[]): Record<string, unknown> {
  const body = asObject(raw)
  const problems: string[] = []
  checkKeys(body, allowed, problems)
  const value = body[field]
  if (typeof value !== 'number' || !(value >= min && value <= max)) problems.push(`${field}: required, a number from ${min} to ${max}`)
  // The other allowed keys are flags.
  for (const key of allowed) {
    if (key !== field && body[key] !== undefined && typeof body[key] !== 'boolean') problems.push(`${key}: must be true or false`)
  }
  if (problems.length > 0) fail(problems)
  return body
}

export function parseRollbackBody (raw: unknown): RollbackBody {
  const body = asObject(raw)
  const problems: string[] = []
  checkKeys(body, ['reason', 'expectedVersion', 'force'], problems)
  const reason = optionalReason(body.reason, problems)
  const expectedVersion = optionalVersion(body.expectedVersion, problems)
  const force = optionalForce(body.force, problems)
  if (problems.length > 0) fail(problems)
  return { reason, expectedVersion, force }
}
