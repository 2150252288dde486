// Pure state transitions: plain data in, plain data out, so the rules are tested without I/O.
import type { Colour } from '../colour.js'
import type { ChangeKind, DeploymentState, HistoryEntry } from './types.js'

export interface ChangeRequest {
  kind: ChangeKind
  to: Colour
  reason: string
  by: string
}

export function initialState (active: Colour, now: Date): DeploymentState {
  const at = now.toISOString()
  const entry: HistoryEntry = { version: 1, kind: 'init', from: null, to: active, at, reason: 'initial state from config', by: 'config' }
  return { active, previous: null, version: 1, phase: 'stable', changedAt: at, reason: entry.reason, by: entry.by, history: [entry] }
}

/** The state after a change, or null when the change would change nothing. */
export function applyChange (state: DeploymentState, change: ChangeRequest, now: Date, historyLimit: number): DeploymentState | null {
  if (change.to === state.active) return null
  const at = now.toISOString()
  const version = state.version + 1
  const entry: HistoryEntry = { version, kind: change.kind, from: state.active, to: change.to, at, reason: change.reason, by: change.by }
  const history = [entry, ...state.history].slice(0, historyLimit)
  return {
    active: change.to,
    previous: state.active,
    version,
    phase: 'stable',
    changedAt: at,
    reason: change.reason,
    by: change.by,
    history
  }
}
