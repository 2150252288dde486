import { VERSION_CONFLICT } from '../errors.js'
import type { DeploymentState, StateStore } from './types.js'

/** Keeps the state in this process only: for tests and for a proxy that may forget on restart. */
export class MemoryStore implements StateStore {
  readonly kind = 'memory'
  #state: DeploymentState | null = null

  async load (): Promise<DeploymentState | null> {
    return this.#state === null ? null : structuredClone(this.#state)
  }

  async commit (next: DeploymentState, expectedVersion: number | null): Promise<void> {
    const current = this.#state?.version ?? null
    if (current !== expectedVersion) throw VERSION_CONFLICT(expectedVersion ?? 0, current ?? 0)
    this.#state = structuredClone(next)
  }

  async close (): Promise<void> {}
}
