import type { Colour } from '../colour.js'

/** `stable` once a switch has settled; `baking` while the previous colour is kept warm to roll back to. */
export type Phase = 'stable' | 'baking'

export type ChangeKind = 'init' | 'switch' | 'rollback'

export interface HistoryEntry {
  version: number
  kind: ChangeKind
  from: Colour | null
  to: Colour
  at: string
  reason: string
  by: string
  /** Who exactly: the admin token's label or the client address, or 'guard'. */
  actor?: string
}

/** A progressive switch walking the canary weight up, step by step, as saved in the state. */
export interface Progress {
  to: Colour
  steps: number[]
  step: number
  weight: number
  stepInterval: number
  startedAt: string
  /** When the walker takes the next step (or, after the last one, switches). */
  nextStepAt: string
  reason: string
  actor: string
  /** The replica that walks it: only it takes the steps; the others watch that it does. */
  owner: string
}

export interface ProgressOutcome {
  to: Colour
  completed: boolean
  reason: string
}

/**
 * How live traffic is tried on the standby: shared by every replica like the active colour, so
 * a canary weight or shadow percent set through one replica holds for all of them.
 */
export interface TrafficState {
  /** Share of live traffic sent to the standby (0-100). */
  canaryWeight: number
  /** Share of live requests mirrored to the standby (0-100). */
  shadowPercent: number
  progress: Progress | null
  lastOutcome: ProgressOutcome | null
}

/** The deployment state: the one thing every replica must agree on. */
export interface DeploymentState {
  active: Colour
  previous: Colour | null
  version: number
  phase: Phase
  changedAt: string
  reason: string
  by: string
  /** End of the bake after the last switch (ISO time), or null: the phase is derived from it. */
  bakeUntil: string | null
  /** The colour the guard last rolled back from: never chosen again automatically. */
  failed: Colour | null
  /** Switches and rollbacks only: a change of `traffic` alone adds no entry. */
  history: HistoryEntry[]
  traffic: TrafficState
}

/** What a shared store needs of the process it serves: the state it holds, and a way to hand it a newer one. */
export interface Replica {
  readonly state: DeploymentState
  /** Applies a state saved by another replica if it is newer than the one held; true when applied at once. */
  adopt (state: DeploymentState): boolean
}

export interface StateStore {
  readonly kind: string
  /** The saved state, or null when nothing was ever saved. Throws STATE_CORRUPT on unusable data. */
  load (): Promise<DeploymentState | null>
  /** Saves `next` only if the saved version is still `expectedVersion` (null: nothing saved yet). */
  commit (next: DeploymentState, expectedVersion: number | null): Promise<void>
  close (): Promise<void>
  /**
   * Shared stores only (memory and file stores leave these out): follow the changes other
   * replicas save, handing each newer state to `replica.adopt`.
   */
  watch? (replica: Replica): void
  /** Shared stores only: false while this replica cannot tell that it holds the newest state. */
  readonly synced?: boolean
}
