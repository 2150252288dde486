// What a webhook receives: one plain object per event, built by pure functions from what the
// emitters hand over, and rendered as switchyard's JSON or as a Slack message.
import { createHash, randomUUID } from 'node:crypto'
import type { Colour } from '../colour.js'
import type { NotifyEvent } from '../config/schema.js'
import type { Trip } from '../guard/guard.js'
import type { DeploymentState, HistoryEntry } from '../state/types.js'

/** The JSON body POSTed to a `format: json` receiver. */
export interface Notification {
  /**
   * Unique per event and the same on every retry. For a switch, a rollback or the end of a bake
   * it is derived from the shared state, so every replica sends the same id for the same change:
   * receivers can drop duplicates.
   */
  id: string
  event: NotifyEvent
  /** When it happened (ISO time). */
  at: string
  /** One line for people; a `format: slack` receiver gets only this, as `{"text": ...}`. */
  text: string
  data: Record<string, unknown>
}

/** A UUID-shaped id from `key` (the same key, the same id), or a random one. */
function idOf (key: string | null): string {
  if (key === null) return randomUUID()
  const hex = createHash('sha256').update(key).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

function notification (event: NotifyEvent, at: string, text: string, data: Record<string, unknown>, key: string | null = null): Notification {
  return { id: idOf(key), event, at, text: `switchyard: ${text}`, data }
}

/**
 * One `switch` or `rollback` per history entry newer than `before`: usually one, more when a
 * shared store hands over several changes at once.
 */
export function changeNotifications (state: DeploymentState, before: DeploymentState): Notification[] {
  const entries = state.history.filter((entry) => entry.version > before.version && (entry.kind === 'switch' || entry.kind === 'rollback'))
  return entries.reverse().map((entry) => changeNotification(entry, state))
}

function changeNotification (entry: HistoryEntry, state: DeploymentState): Notification {
  const rollback = entry.kind === 'rollback'
  const actor = entry.actor ?? entry.by
  const who = actor === entry.by ? entry.by : `${entry.by} (${actor})`
  const verb = rollback ? 'rolled back' : 'switched'
  const latest = entry.version === state.version
  return notification(rollback ? 'rollback' : 'switch', entry.at, `${verb} ${entry.from ?? 'nothing'} → ${entry.to} (version ${entry.version}) by ${who}: ${entry.reason}`, {
    version: entry.version,
    from: entry.from,
    to: entry.to,
    reason: entry.reason,
    by: entry.by,
    actor,
    // As of this change; null for an older change handed over with a newer one.
    bakeUntil: latest ? state.bakeUntil : null,
    failed: latest ? state.failed : null
  }, `${entry.kind}:${entry.version}:${entry.at}`)
}

export function tripNotification (trip: Trip): Notification {
  const outcome = trip.rolledBack ? 'rolled back' : `not rolled back: ${trip.blockedBy ?? 'unknown'}`
  return notification('guard_trip', trip.at, `guard tripped on ${trip.colour} (${trip.kind}): ${trip.reason}; ${outcome}`, {
    colour: trip.colour,
    kind: trip.kind,
    reason: trip.reason,
    rolledBack: trip.rolledBack,
    blockedBy: trip.blockedBy,
    afterMs: trip.afterMs
  })
}

export function bakeNotification (colour: Colour, version: number, at: Date): Notification {
  return notification('bake_completed', at.toISOString(), `bake of ${colour} completed (version ${version}): ${colour} is stable`, { colour, version }, `bake_completed:${version}:${colour}`)
}

export function healthNotification (colour: Colour, healthy: boolean, error: string | null, active: boolean, at: Date): Notification {
  const role = active ? 'live' : 'standby'
  const text = healthy ? `${colour} (${role}) is healthy` : `${colour} (${role}) is unhealthy: ${error ?? 'probe failed'}`
  return notification('health_changed', at.toISOString(), text, { colour, healthy, active, error: healthy ? null : error })
}

export function renderBody (n: Notification, format: 'json' | 'slack'): string {
  return JSON.stringify(format === 'slack' ? { text: n.text } : n)
}
