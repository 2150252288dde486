// Registry sync: after every switch and rollback, the registry alias (MLflow's "champion", say)
// is moved to the version the now-active colour serves. Traffic first, registry second: the sync
// starts from the deployment's 'change' event, after the switch is committed, and nothing waits
// for it. A failed update is retried with backoff; one that still fails is left for
// `switchyard registry sync` (POST /admin/registry/sync), and status says so meanwhile.
import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import type { Colour } from '../colour.js'
import type { ChangeSource, Deployment } from '../state/deployment.js'
import type { DeploymentState } from '../state/types.js'
import { RegistryRequestError, type AliasRegistry } from './mlflow.js'

export interface RegistryStatus {
  kind: 'mlflow'
  name: string
  alias: string
  /** The colour whose version the alias should point at: the active one. */
  colour: Colour | null
  /** That colour's upstreams.<colour>.modelVersion. */
  version: string | null
  /** true: the registry confirmed the alias points at `version`; null: not known yet. */
  synced: boolean | null
  lastError: string | null
  lastSyncedAt: string | null
  /** Failed attempts for the current target. */
  attempts: number
  /** An automatic retry is waiting. */
  retrying: boolean
}

export interface RegistrySyncOptions {
  client: AliasRegistry
  name: string
  alias: string
  versions: Readonly<Record<Colour, string | null>>
  /** Retries after a failed attempt, waiting backoffMs, twice that, and so on (at most maxBackoffMs). */
  retries: number
  backoffMs: number
  maxBackoffMs?: number
  logger: Logger
  /** Counts failed attempts. */
  failures: { inc (): void }
}

const MAX_BACKOFF_MS = 30_000

/** switchyard_registry_sync_failures_total, registered in the registry passed in. */
export function createSyncFailures (registry: Registry): Counter {
  return new Counter({
    name: 'switchyard_registry_sync_failures_total',
    help: 'Failed attempts to move the model registry alias to the active colour\'s version',
    registers: [registry]
  })
}

type Outcome = 'ok' | 'retry' | 'final' | 'stale'

export class RegistrySync {
  readonly #options: RegistrySyncOptions
  readonly #logger: Logger
  #colour: Colour | null = null
  #synced: boolean | null = null
  #lastError: string | null = null
  #lastSyncedAt: string | null = null
  #attempts = 0
  #retrying = false
  /** Bumped with every new target: work for an older one stops at its next step. */
  #generation = 0
  /** Attempts run one at a time, so an older write can never land after a newer one. */
  #chain: Promise<unknown> = Promise.resolve()
  #wake: AbortController = new AbortController()
  #closed = false
  #unwatch: (() => void) | null = null

  constructor (options: RegistrySyncOptions) {
    this.#options = options
    this.#logger = options.logger.child({ registry: 'mlflow', model: options.name, alias: options.alias })
  }

  /** Follows the deployment: each change (switch, rollback, guard rollback) moves the alias. */
  watch (deployment: Deployment): void {
    // Every replica of a shared store sees each change; the one that made it moves the alias.
    const onChange = (state: DeploymentState, _before: DeploymentState, source: ChangeSource = 'local'): void => {
      if (source === 'local') this.follow(state.active)
    }
    deployment.on('change', onChange)
    this.#unwatch = () => deployment.off('change', onChange)
  }

  /** Starts moving the alias to `colour`'s version, with retries; returns at once. */
  follow (colour: Colour): void {
    if (this.#closed) return
    const generation = this.#target(colour)
    void this.#retryLoop(generation)
  }

  /** One attempt now for `colour` (the active colour), no automatic retries after it; the status after. */
  async syncNow (colour: Colour): Promise<RegistryStatus> {
    const generation = this.#target(colour)
    await this.#exclusive(() => this.#attempt(generation))
    return this.status()
  }

  /**
   * Reads the alias without changing it (at start-up): synced when it already points at
   * `colour`'s version, not synced (and why) when it does not.
   */
  async check (colour: Colour): Promise<RegistryStatus> {
    const generation = this.#target(colour)
    const version = this.#options.versions[colour]
    await this.#exclusive(async () => {
      if (generation !== this.#generation || version === null) {
        if (version === null) this.#record(generation, false, missingVersion(colour))
        return
      }
      try {
        const current = await this.#options.client.getAlias(this.#options.name, this.#options.alias)
        if (current?.version === version) this.#record(generation, true, null)
        else this.#record(generation, false, `${this.#options.alias} points at ${current === null ? 'no version' : `version ${current.version}`}, not ${version} (${colour} is active): run switchyard registry sync`)
      } catch (err) {
        this.#record(generation, null, `cannot read the alias: ${(err as Error).message}`)
      }
    })
    return this.status()
  }

  status (): RegistryStatus {
    return {
      kind: 'mlflow',
      name: this.#options.name,
      alias: this.#options.alias,
      colour: this.#colour,
      version: this.#colour === null ? null : this.#options.versions[this.#colour],
      synced: this.#synced,
      lastError: this.#lastError,
      lastSyncedAt: this.#lastSyncedAt,
      attempts: this.#attempts,
      retrying: this.#retrying
    }
  }

  /** Stops following and retrying; an attempt in flight finishes (bounded by the client's timeout). */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#unwatch?.()
    this.#wake.abort()
    await this.#chain
    await this.#options.client.close()
  }

  #target (colour: Colour): number {
    this.#generation++
    this.#colour = colour
    this.#synced = false
    this.#attempts = 0
    this.#retrying = false
    // A retry waiting for an older target wakes up and stops.
    this.#wake.abort()
    this.#wake = new AbortController()
    return this.#generation
  }

  async #retryLoop (generation: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#exclusive(() => this.#attempt(generation))
      if (outcome !== 'retry' || this.#closed || generation !== this.#generation) return
      if (attempt > this.#options.retries) {
        this.#logger.error({ colour: this.#colour, version: this.status().version, attempts: this.#attempts, error: this.#lastError }, 'registry alias not updated; giving up until switchyard registry sync')
        return
      }
      const wait = Math.min(this.#options.backoffMs * 2 ** (attempt - 1), this.#options.maxBackoffMs ?? MAX_BACKOFF_MS)
      this.#retrying = true
      await sleep(wait, this.#wake.signal)
      if (generation !== this.#generation || this.#closed) return
      this.#retrying = false
    }
  }

  async #attempt (generation: number): Promise<Outcome> {
    if (generation !== this.#generation || this.#closed) return 'stale'
    const colour = this.#colour as Colour
    const version = this.#options.versions[colour]
    const { client, name, alias } = this.#options
    if (version === null) {
      this.#record(generation, false, missingVersion(colour))
      this.#logger.warn({ colour }, 'registry alias not updated: the active colour has no modelVersion')
      return 'final'
    }
    try {
      await client.setAlias(name, alias, version)
      // Read back: the registry says where the alias points now, not what we hoped.
      const current = await client.getAlias(name, alias)
      if (current?.version !== version) {
        throw new RegistryRequestError(`after setting ${alias} to version ${version} it points at ${current === null ? 'nothing' : `version ${current.version}`}`, null, null)
      }
    } catch (err) {
      this.#options.failures.inc()
      const retryable = !(err instanceof RegistryRequestError) || err.retryable
      if (generation === this.#generation) {
        this.#attempts++
        this.#record(generation, false, (err as Error).message)
      }
      this.#logger.warn({ colour, version, error: (err as Error).message, retryable }, 'registry alias update failed')
      return retryable ? 'retry' : 'final'
    }
    this.#record(generation, true, null)
    this.#logger.info({ colour, version }, 'registry alias moved to the active colour\'s version')
    return 'ok'
  }

  #record (generation: number, synced: boolean | null, error: string | null): void {
    if (generation !== this.#generation) return
    this.#synced = synced
    this.#lastError = error
    if (synced === true) {
      this.#lastSyncedAt = new Date().toISOString()
      this.#attempts = 0
    }
  }

  #exclusive<T> (task: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(task, task)
    this.#chain = run.catch(() => undefined)
    return run
  }
}

function missingVersion (colour: Colour): string {
  return `upstreams.${colour}.modelVersion is not set, so there is no version to point the alias at`
}

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    timer.unref()
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
