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
  history: HistoryEntry[]
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
