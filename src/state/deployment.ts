import { EventEmitter } from 'node:events'
import type { Colour } from '../colour.js'
import { NO_PREVIOUS, VERSION_CONFLICT } from '../errors.js'
import { applyChange, applyTraffic, initialState, phaseAt, sameTraffic, type ChangeRequest } from './transition.js'
import type { DeploymentState, Replica, StateStore, TrafficState } from './types.js'

export interface ChangeOptions {
  reason: string
  by: string
  /** Who exactly, for the audit trail: a token label or a client address. */
  actor?: string | undefined
  expectedVersion?: number | undefined
  /** Bake after a switch (ms); the default set when the deployment was opened. */
  bakeMs?: number
  /** The guard marks the colour it rolls back from as failed. */
  markFailed?: boolean
  /**
   * Checked against the newest state, inside the commit (again after catching up with a shared
   * store): throws to refuse. Unlike expectedVersion, it can ignore changes of traffic settings.
   */
  precondition?: (current: DeploymentState) => void
}

export interface ChangeResult {
  changed: boolean
  state: DeploymentState
}

/** 'local': made through this process (admin API, CLI, guard); 'adopted': made by another replica. */
export type ChangeSource = 'local' | 'adopted'

export interface DeploymentEvents {
  /** The active colour changed: a switch or a rollback (by anyone, on any replica). */
  change: [state: DeploymentState, previous: DeploymentState, source: ChangeSource]
  /** The traffic settings changed (canary weight, shadow percent, progressive switch). */
  traffic: [traffic: TrafficState, previous: TrafficState, source: ChangeSource]
}

/**
 * Owns the deployment state of this process. Reads are synchronous (`active` is read once per
 * proxied request); changes are serialised, committed to the store first, then applied and
 * announced, so the request path never waits on the store. With a shared store, states saved by
 * other replicas arrive through adopt().
 */
export class Deployment extends EventEmitter<DeploymentEvents> implements Replica {
  readonly store: StateStore
  #state: DeploymentState
  #queue: Promise<unknown> = Promise.resolve()
  readonly #historyLimit: number
  readonly #bakeMs: number
  readonly #now: () => Date
  /** The version of the change being committed, and a state from elsewhere that arrived meanwhile. */
  #pending: number | null = null
  #deferred: DeploymentState | null = null

  /** The colour new requests go to. A plain field: the hot path reads it on every request. */
  active: Colour

  private constructor (store: StateStore, state: DeploymentState, options: { historyLimit: number, bakeMs: number }, now: () => Date) {
    super()
    this.store = store
    this.#state = state
    this.active = state.active
    this.#historyLimit = options.historyLimit
    this.#bakeMs = options.bakeMs
    this.#now = now
  }

  /**
   * Loads the saved state, or saves the initial one when there is none, then follows the
   * changes other replicas save when the store is shared.
   */
  static async open (store: StateStore, options: { initial: Colour, historyLimit: number, bakeMs?: number, now?: () => Date }): Promise<Deployment> {
    const now = options.now ?? (() => new Date())
    let state = await store.load()
    if (state === null) {
      const initial = initialState(options.initial, now())
      try {
        await store.commit(initial, null)
        state = initial
      } catch (err) {
        // Replicas starting together on an empty shared store: one saves its initial state, the others use it.
        if (!VERSION_CONFLICT.is(err)) throw err
        state = await store.load()
        if (state === null) throw err
      }
    }
    const deployment = new Deployment(store, state, { historyLimit: options.historyLimit, bakeMs: options.bakeMs ?? 0 }, now)
    store.watch?.(deployment)
    return deployment
  }

  /** The state, with its phase as of now (the bake ends by the clock, not by a write). */
  get state (): DeploymentState {
    const phase = phaseAt(this.#state, this.#now())
    if (phase !== this.#state.phase) this.#state = { ...this.#state, phase }
    return this.#state
  }

  get traffic (): TrafficState {
    return this.#state.traffic
  }

  /**
   * Changes the traffic settings: `update` gets the newest ones (it may throw to refuse, or
   * return null for no change) and the result is committed like a switch, for every replica.
   */
  updateTraffic (update: (traffic: TrafficState, state: DeploymentState) => TrafficState | null): Promise<ChangeResult> {
    return this.#serialise(() => this.#commit((current) => {
      const traffic = update(current.traffic, current)
      return traffic === null ? null : applyTraffic(current, traffic)
    }, undefined))
  }

  switchTo (to: Colour, options: ChangeOptions): Promise<ChangeResult> {
    return this.#serialise(() => this.#change({ kind: 'switch', to, reason: options.reason, by: options.by, actor: options.actor, bakeMs: options.bakeMs ?? this.#bakeMs }, options))
  }

  rollback (options: ChangeOptions): Promise<ChangeResult> {
    return this.#serialise(() => {
      const previous = this.#state.previous
      if (previous === null) throw NO_PREVIOUS()
      return this.#change({ kind: 'rollback', to: previous, reason: options.reason, by: options.by, actor: options.actor, markFailed: options.markFailed === true }, options)
    })
  }

  /**
   * Applies a state another replica saved (it came from a shared store), if it is newer than
   * the one held: the same 'change' event follows, so the guard, logs and metrics see it.
   */
  adopt (state: DeploymentState): boolean {
    if (this.#pending !== null && state.version <= this.#pending) {
      // Likely this replica's own change, handed back before its commit returned: whether it is
      // ours or a rival's that won is known when the commit returns, so it waits until then.
      if (this.#deferred === null || state.version > this.#deferred.version) this.#deferred = state
      return false
    }
    return this.#apply(state, 'adopted')
  }

  #apply (state: DeploymentState, source: ChangeSource): boolean {
    const before = this.state
    if (state.version <= before.version) return false
    this.#state = state
    this.active = state.active
    // A change of traffic settings alone adds no history entry and moves no colour.
    if (state.active !== before.active || state.history[0]?.version !== before.history[0]?.version) this.emit('change', state, before, source)
    if (!sameTraffic(state.traffic, before.traffic)) this.emit('traffic', state.traffic, before.traffic, source)
    return true
  }

  #change (change: ChangeRequest, options: ChangeOptions): Promise<ChangeResult> {
    return this.#commit((current) => {
      options.precondition?.(current)
      return applyChange(current, change, this.#now(), this.#historyLimit)
    }, options.expectedVersion)
  }

  /** Commits the state `next` computes from the newest one (null: nothing to change). */
  async #commit (next: (current: DeploymentState) => DeploymentState | null, expectedVersion: number | undefined, retry = true): Promise<ChangeResult> {
    const current = this.state
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw VERSION_CONFLICT(expectedVersion, current.version)
    }
    const computed = next(current)
    if (computed === null) return { changed: false, state: current }
    this.#pending = computed.version
    try {
      await this.store.commit(computed, current.version)
    } catch (err) {
      this.#settle(null)
      // A shared store moved on before this replica heard of it. A caller that named no version
      // meant "whatever it is now": catch up once and apply the change to the newest state.
      if (!retry || expectedVersion !== undefined || this.store.watch === undefined || !VERSION_CONFLICT.is(err)) throw err
      const newest = await this.store.load()
      if (newest !== null) this.adopt(newest)
      return this.#commit(next, undefined, false)
    }
    this.#settle(computed)
    return { changed: true, state: computed }
  }

  /** The commit returned: apply this replica's change if it was saved, then what arrived meanwhile. */
  #settle (committed: DeploymentState | null): void {
    this.#pending = null
    if (committed !== null) this.#apply(committed, 'local')
    const deferred = this.#deferred
    this.#deferred = null
    if (deferred !== null) this.#apply(deferred, 'adopted')
  }

  #serialise<T> (task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }
}
