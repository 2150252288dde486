// Pure state transitions: plain data in, plain data out, so the rules are tested without I/O.
import type { Colour } from '../colour.js'
import type { ChangeKind, DeploymentState, HistoryEntry, Phase, ProgressOutcome, TrafficState } from './types.js'

export interface ChangeRequest {
  kind: ChangeKind
  to: Colour
  reason: string
  by: string
  actor?: string | undefined
  /** Bake length after a switch; 0 for none. Rollbacks never bake: they go back to a known colour. */
  bakeMs?: number
  /** Set by the guard: the colour rolled back from is marked failed. */
  markFailed?: boolean
}

/** The phase at `now`: baking until bakeUntil, stable after. */
export function phaseAt (state: Pick<DeploymentState, 'bakeUntil'>, now: Date): Phase {
  return state.bakeUntil !== null && now.getTime() < Date.parse(state.bakeUntil) ? 'baking' : 'stable'
}

/** No canary, no shadow, no progressive switch: every request to the active colour. */
export const NO_TRAFFIC: TrafficState = Object.freeze({ canaryWeight: 0, shadowPercent: 0, progress: null, lastOutcome: null })

export function initialState (active: Colour, now: Date): DeploymentState {
  const at = now.toISOString()
  const entry: HistoryEntry = { version: 1, kind: 'init', from: null, to: active, at, reason: 'initial state from config', by: 'config' }
  return { active, previous: null, version: 1, phase: 'stable', changedAt: at, reason: entry.reason, by: entry.by, bakeUntil: null, failed: null, history: [entry], traffic: NO_TRAFFIC }
}

/** The state after a change, or null when the change would change nothing. */
export function applyChange (state: DeploymentState, change: ChangeRequest, now: Date, historyLimit: number): DeploymentState | null {
  if (change.to === state.active) return null
  const at = now.toISOString()
  const version = state.version + 1
  const entry: HistoryEntry = { version, kind: change.kind, from: state.active, to: change.to, at, reason: change.reason, by: change.by }
  if (change.actor !== undefined) entry.actor = change.actor
  const history = [entry, ...state.history].slice(0, historyLimit)
  const bakeMs = change.kind === 'switch' ? change.bakeMs ?? 0 : 0
  let failed = state.failed === change.to ? null : state.failed
  if (change.markFailed === true) failed = state.active
  return {
    active: change.to,
    previous: state.active,
    version,
    phase: bakeMs > 0 ? 'baking' : 'stable',
    changedAt: at,
    reason: change.reason,
    by: change.by,
    bakeUntil: bakeMs > 0 ? new Date(now.getTime() + bakeMs).toISOString() : null,
    failed,
    history,
    traffic: trafficAfterChange(state.traffic, change)
  }
}

/**
 * A change of the active colour ends any canary (the colours have changed places) and ends a
 * progressive switch: completed when the change is its own last step, aborted otherwise.
 */
function trafficAfterChange (traffic: TrafficState, change: ChangeRequest): TrafficState {
  const progress = traffic.progress
  let lastOutcome: ProgressOutcome | null = traffic.lastOutcome
  if (progress !== null) {
    lastOutcome = change.by === 'progressive' && change.to === progress.to
      ? { to: progress.to, completed: true, reason: `completed: switched to ${progress.to} after ${progress.steps.join(', ')}%` }
      : { to: progress.to, completed: false, reason: `aborted: the active colour changed to ${change.to} (${change.by})` }
  }
  return { ...traffic, canaryWeight: 0, progress: null, lastOutcome }
}

/** The state with new traffic settings (a new version, no history entry), or null when they are the same. */
export function applyTraffic (state: DeploymentState, traffic: TrafficState): DeploymentState | null {
  if (sameTraffic(state.traffic, traffic)) return null
  return { ...state, version: state.version + 1, traffic }
}

export function sameTraffic (a: TrafficState, b: TrafficState): boolean {
  return a.canaryWeight === b.canaryWeight && a.shadowPercent === b.shadowPercent &&
    JSON.stringify(a.progress) === JSON.stringify(b.progress) && JSON.stringify(a.lastOutcome) === JSON.stringify(b.lastOutcome)
}
