import { EventEmitter } from 'node:events'
import type { Colour } from '../colour.js'
import { NO_PREVIOUS, VERSION_CONFLICT } from '../errors.js'
import { applyChange, initialState, phaseAt, type ChangeRequest } from './transition.js'
import type { DeploymentState, StateStore } from './types.js'

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
}

export interface ChangeResult {
  changed: boolean
  state: DeploymentState
}

export interface DeploymentEvents {
  change: [state: DeploymentState, previous: DeploymentState]
}

/**
 * Owns the deployment state of this process. Reads are synchronous (`active` is read once per
 * proxied request); changes are serialised, committed to the store first, then applied and
 * announced, so the request path never waits on the store.
 */
export class Deployment extends EventEmitter<DeploymentEvents> {
  readonly store: StateStore
  #state: DeploymentState
  #queue: Promise<unknown> = Promise.resolve()
  readonly #historyLimit: number
  readonly #bakeMs: number
  readonly #now: () => Date

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

  /** Loads the saved state, or saves the initial one when there is none. */
  static async open (store: StateStore, options: { initial: Colour, historyLimit: number, bakeMs?: number, now?: () => Date }): Promise<Deployment> {
    const now = options.now ?? (() => new Date())
    let state = await store.load()
    if (state === null) {
      state = initialState(options.initial, now())
      await store.commit(state, null)
    }
    return new Deployment(store, state, { historyLimit: options.historyLimit, bakeMs: options.bakeMs ?? 0 }, now)
  }

  /** The state, with its phase as of now (the bake ends by the clock, not by a write). */
  get state (): DeploymentState {
    const phase = phaseAt(this.#state, this.#now())
    if (phase !== this.#state.phase) this.#state = { ...this.#state, phase }
    return this.#state
  }

  switchTo (to: Colour, options: ChangeOptions): Promise<ChangeResult> {
    return this.#serialise(() => this.#change({ kind: 'switch', to, reason: options.reason, by: options.by, actor: options.actor, bakeMs: options.bakeMs ?? this.#bakeMs }, options.expectedVersion))
  }

  rollback (options: ChangeOptions): Promise<ChangeResult> {
    return this.#serialise(() => {
      const previous = this.#state.previous
      if (previous === null) throw NO_PREVIOUS()
      return this.#change({ kind: 'rollback', to: previous, reason: options.reason, by: options.by, actor: options.actor, markFailed: options.markFailed === true }, options.expectedVersion)
    })
  }

  async #change (change: ChangeRequest, expectedVersion: number | undefined): Promise<ChangeResult> {
    const current = this.state
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw VERSION_CONFLICT(expectedVersion, current.version)
    }
    const next = applyChange(current, change, this.#now(), this.#historyLimit)
    if (next === null) return { changed: false, state: current }
    await this.store.commit(next, current.version)
    this.#state = next
    this.active = next.active
    this.emit('change', next, current)
    return { changed: true, state: next }
  }

  #serialise<T> (task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }
}
