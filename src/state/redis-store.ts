// The deployment state shared by every replica through Redis. Redis is never on the request path:
// each replica serves from the state it holds in memory, commits changes with a compare-and-set
// on `version` (a Lua script), and follows the changes of the others (pub/sub, plus a re-read on
// reconnect and on a slow poll, since pub/sub drops what is sent while a replica is away).
import { resolve } from 'node:path'
import type { Logger } from 'pino'
import { ClientOfflineError, ErrorReply, createClient, type RedisClientType } from 'redis'
import { STATE_CORRUPT, STATE_OFFLINE, STATE_UNAVAILABLE, VERSION_CONFLICT, wrap } from '../errors.js'
import { readStateFile, writeStateFile } from './file-store.js'
import { APPLIED, COMMIT, REPLACE } from './redis-scripts.js'
import { asState } from './validate.js'
import type { DeploymentState, Replica, StateStore } from './types.js'

export interface RedisStoreOptions {
  url: string
  /** Prefix of the keys: `<key>:state`, `<key>:history` and the channel `<key>:changes`. */
  key: string
  /** How often each replica re-reads the shared state (ms). */
  pollInterval: number
  /** Start from the last-known copy when Redis is down at start-up (false: refuse to start). */
  startOffline: boolean
  /** The last-known copy of the shared state (state.path), kept up to date by every replica. */
  path: string
  historyLimit: number
  logger: Logger
  /** How long start-up waits for Redis before counting it as down (ms). */
  connectTimeout?: number
  /** How long one command may take before Redis counts as unreachable (ms). */
  commandTimeout?: number
}

const NOT_CHANGED = 'No replica was changed: every replica keeps serving its current colour. Try again once Redis answers'
const MAYBE_CHANGED = 'The change may have been saved before the connection broke: check GET /admin/status before trying again'

type Client = RedisClientType

/** Redis's URL without its password, for messages and logs. */
export function redactUrl (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return '(unparsable URL)'
  }
}

function describe (err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describe(err.errors[0])
  const code = (err as NodeJS.ErrnoException).code
  const message = err instanceof Error ? err.message : String(err)
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message || (err as Error).name
}

/** Splits a state the way Redis keeps it: the state without its history, and the history. */
function withoutHistory (state: DeploymentState): Omit<DeploymentState, 'history'> {
  const { history: _history, ...rest } = state
  return rest
}

export class RedisStore implements StateStore {
  readonly kind = 'redis'
  readonly keys: { readonly state: string, readonly history: string, readonly channel: string }
  readonly path: string
  readonly #options: RedisStoreOptions
  readonly #where: string
  readonly #logger: Logger
  #client: Client | null = null
  #subscriber: Client | null = null
  #subscribed = false
  #subscribing = false
  #replica: Replica | null = null
  #synced = false
  #syncing: Promise<void> | null = null
  #syncAgain = false
  #poll: NodeJS.Timeout | null = null
  #closed = false
  /** The newest version handed to the last-known copy, and the chain of writes to it. */
  #copyVersion = 0
  #copyWrites: Promise<void> = Promise.resolve()

  constructor (options: RedisStoreOptions) {
    this.#options = options
    this.path = resolve(options.path)
    this.keys = { state: `${options.key}:state`, history: `${options.key}:history`, channel: `${options.key}:changes` }
    this.#where = redactUrl(options.url)
    this.#logger = options.logger
  }

  /** True while this replica is connected, subscribed and has checked it holds the newest state. */
  get synced (): boolean {
    return this.#synced
  }

  /**
   * At start-up: the state in Redis (re-seeded from the last-known copy when Redis lost it), or
   * the last-known copy when Redis is down. Later: the state in Redis, read now.
   */
  async load (): Promise<DeploymentState | null> {
    if (this.#client === null) return this.#start()
    try {
      return await this.#read()
    } catch (err) {
      if (STATE_CORRUPT.is(err)) throw err
      throw wrap(STATE_UNAVAILABLE, err, this.#where, `is unreachable (${describe(err)})`, NOT_CHANGED)
    }
  }

  async commit (next: DeploymentState, expectedVersion: number | null): Promise<void> {
    const client = this.#client
    if (client === null || !client.isReady) {
      throw STATE_UNAVAILABLE(this.#where, 'is unreachable (not connected)', NOT_CHANGED)
    }
    let answer: number
    try {
      answer = expectedVersion === null
        ? await this.#replace(client, next, 'absent')
        : await this.#eval(client, COMMIT, [
          String(expectedVersion),
          JSON.stringify(withoutHistory(next)),
          next.history[0]?.version === next.version ? JSON.stringify(next.history[0]) : '',
          String(this.#options.historyLimit),
          this.keys.channel,
          JSON.stringify(next)
        ])
    } catch (err) {
      this.#requestSync()
      if (err instanceof ClientOfflineError) throw wrap(STATE_UNAVAILABLE, err, this.#where, 'is unreachable (not connected)', NOT_CHANGED)
      if (err instanceof ErrorReply) throw wrap(STATE_UNAVAILABLE, err, this.#where, `refused the change (${err.message})`, NOT_CHANGED)
      throw wrap(STATE_UNAVAILABLE, err, this.#where, `did not answer (${describe(err)})`, MAYBE_CHANGED)
    }
    if (answer !== APPLIED) {
      // Another replica saved first (or Redis lost the state): catch up, or put it back, now
      // rather than at the next poll.
      this.#requestSync()
      if (expectedVersion !== null && answer < expectedVersion) {
        throw STATE_UNAVAILABLE(this.#where, `has lost the shared state (it holds version ${answer}, this replica ${expectedVersion}) and is being re-seeded`, NOT_CHANGED)
      }
      throw VERSION_CONFLICT(expectedVersion ?? 0, answer)
    }
    this.#saveCopy(next)
  }

  /** Follows the changes other replicas save: a subscription, a re-read on reconnect, a slow poll. */
  watch (replica: Replica): void {
    const client = this.#client
    if (client === null || this.#closed) throw new Error('RedisStore.watch() before load()')
    this.#replica = replica
    const subscriber = client.duplicate()
    this.#subscriber = subscriber
    subscriber.on('error', (err: unknown) => this.#lost(err))
    subscriber.on('ready', () => {
      // The client subscribes again by itself after a reconnect, once it has subscribed once.
      if (this.#subscribed) this.#requestSync()
      else this.#subscribe(subscriber)
    })
    // While Redis is down, connect() keeps retrying: it settles once connected, or at close().
    subscriber.connect().catch(() => undefined)
    this.#poll = setInterval(() => this.#requestSync(), this.#options.pollInterval)
    this.#poll.unref()
  }

  async close (): Promise<void> {
    this.#closed = true
    if (this.#poll !== null) clearInterval(this.#poll)
    this.#poll = null
    for (const client of [this.#subscriber, this.#client]) {
      if (client === null) continue
      client.removeAllListeners('ready')
      client.destroy()
    }
    await this.#syncing?.catch(() => undefined)
    await this.#copyWrites
  }

  async #start (): Promise<DeploymentState | null> {
    const client = createClient({
      url: this.#options.url,
      // Commands fail at once while disconnected instead of waiting for Redis to come back.
      disableOfflineQueue: true,
      commandOptions: { timeout: this.#options.commandTimeout ?? 2000 },
      socket: {
        connectTimeout: this.#options.connectTimeout ?? 2000,
        // Back within a second of Redis: 50, 100, 200 ... 1000 ms, with jitter so replicas spread out.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000) + Math.floor(Math.random() * 100)
      }
    })
    this.#client = client
    client.on('error', (err: unknown) => this.#lost(err))
    client.on('ready', () => this.#requestSync())

    const down = await this.#firstConnection(client)
    if (down !== null) return this.#startOffline(client, down)
    try {
      return await this.#startOnline(client)
    } catch (err) {
      this.#stop(client)
      if (STATE_CORRUPT.is(err)) throw err
      throw wrap(STATE_OFFLINE, err, this.#where, describe(err), 'the shared state could not be read')
    }
  }

  async #startOnline (client: Client): Promise<DeploymentState | null> {
    let shared = await this.#read()
    let copy: DeploymentState | null = null
    try {
      copy = await readStateFile(this.path)
    } catch (err) {
      this.#logger.warn({ err, path: this.path }, 'the last-known state file is unusable; using the shared state in Redis')
    }
    this.#copyVersion = copy?.version ?? 0
    if (copy !== null && (shared === null || copy.version > shared.version)) {
      // Redis lost the state (restarted empty) while this replica was away: put back the newest one.
      shared = await this.#reseed(client, copy)
    }
    if (shared !== null) this.#saveCopy(shared)
    return shared
  }

  /** Gives up on Redis for good: start-up failed. */
  #stop (client: Client): void {
    this.#closed = true
    client.removeAllListeners('ready')
    client.destroy()
  }

  /** Resolves null once connected, or with the reason Redis is down (refused, or no answer in time). */
  #firstConnection (client: Client): Promise<string | null> {
    return new Promise((resolve) => {
      let settled = false
      const settle = (reason: string | null): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        client.off('error', onError)
        resolve(reason)
      }
      const onError = (err: unknown): void => settle(describe(err))
      const wait = (this.#options.connectTimeout ?? 2000) + 500
      const timer = setTimeout(() => settle(`no answer in ${wait} ms`), wait)
      client.on('error', onError)
      client.connect().then(() => settle(null), (err: unknown) => settle(describe(err)))
    })
  }

  async #startOffline (client: Client, reason: string): Promise<DeploymentState> {
    const refuse = async (err: Error): Promise<never> => {
      this.#stop(client)
      throw err
    }
    if (!this.#options.startOffline) {
      return refuse(STATE_OFFLINE(this.#where, reason, 'state.redis.startOffline is false'))
    }
    let copy: DeploymentState | null
    try {
      copy = await readStateFile(this.path)
    } catch (err) {
      return refuse(err as Error)
    }
    if (copy === null) {
      return refuse(STATE_OFFLINE(this.#where, reason, `there is no last-known state file at ${this.path} (state.path) to start from`))
    }
    this.#copyVersion = copy.version
    this.#logger.warn({ url: this.#where, reason, path: this.path, active: copy.active, version: copy.version },
      'Redis is unreachable: starting from the last-known state file; admin changes answer 503 until it is back')
    return copy
  }

  /** The state in Redis (state and history read together), or null when none is saved. */
  async #read (): Promise<DeploymentState | null> {
    const client = this.#client
    if (client === null) return null
    const [saved, entries] = await client.multi().get(this.keys.state).lRange(this.keys.history, 0, -1).exec()
    if (saved === null || saved === undefined) return null
    const where = `Redis key ${this.keys.state} at ${this.#where}`
    try {
      const history = (Array.isArray(entries) ? entries : []).map((entry) => JSON.parse(String(entry)) as unknown)
      const state = asState({ ...(JSON.parse(String(saved)) as object), history })
      if (typeof state === 'string') throw STATE_CORRUPT(where, state)
      return state
    } catch (err) {
      if (STATE_CORRUPT.is(err)) throw err
      throw wrap(STATE_CORRUPT, err, where, `it is not valid JSON (${(err as Error).message})`)
    }
  }

  async #eval (client: Client, script: string, args: string[]): Promise<number> {
    const answer = await client.eval(script, { keys: [this.keys.state, this.keys.history], arguments: args })
    if (typeof answer !== 'number') throw new Error(`unexpected answer from the state script: ${JSON.stringify(answer)}`)
    return answer
  }

  #replace (client: Client, state: DeploymentState, condition: 'absent' | 'older'): Promise<number> {
    return this.#eval(client, REPLACE, [
      condition,
      String(state.version),
      JSON.stringify(withoutHistory(state)),
      this.keys.channel,
      JSON.stringify(state),
      ...state.history.map((entry) => JSON.stringify(entry))
    ])
  }

  /** Puts `state` back in Redis unless a newer one is there; returns what Redis holds afterwards. */
  async #reseed (client: Client, state: DeploymentState): Promise<DeploymentState | null> {
    if (await this.#replace(client, state, 'older') === APPLIED) {
      this.#logger.warn({ url: this.#where, active: state.active, version: state.version }, 'Redis had lost the shared state: re-seeded it with the newest state this replica holds')
      return state
    }
    return this.#read()
  }

  #subscribe (subscriber: Client): void {
    if (this.#subscribing || this.#closed) return
    this.#subscribing = true
    subscriber.subscribe(this.keys.channel, (message: string) => this.#onMessage(message)).then(
      () => {
        this.#subscribed = true
        this.#requestSync()
      },
      // Lost before Redis confirmed it: the next 'ready' subscribes again.
      (err: unknown) => this.#lost(err)
    ).finally(() => { this.#subscribing = false })
  }

  #onMessage (message: string): void {
    let state: DeploymentState | string
    try {
      state = asState(JSON.parse(message))
    } catch (err) {
      state = `not valid JSON (${(err as Error).message})`
    }
    if (typeof state === 'string') {
      this.#logger.warn({ channel: this.keys.channel, problem: state }, 'ignored a change message that is not a valid state')
      return
    }
    this.#deliver(state)
  }

  #deliver (state: DeploymentState): void {
    this.#replica?.adopt(state)
    // The newest state Redis has shown, even if the replica applies it a moment later.
    this.#saveCopy(state)
  }

  /** One re-read at a time; a request during one runs another after it. */
  #requestSync (): void {
    if (this.#closed || this.#replica === null) return
    if (this.#syncing !== null) {
      this.#syncAgain = true
      return
    }
    this.#syncing = (async () => {
      do {
        this.#syncAgain = false
        await this.#sync()
      } while (this.#syncAgain && !this.#closed)
    })().finally(() => { this.#syncing = null })
  }

  async #sync (): Promise<void> {
    const client = this.#client
    const replica = this.#replica
    if (client === null || replica === null) return
    if (!client.isReady || this.#subscriber?.isReady !== true || !this.#subscribed) {
      this.#setSynced(false, 'not connected')
      return
    }
    try {
      // Two turns at most: a replica that re-seeds a newer state first is read on the second.
      for (let turn = 0; turn < 2; turn++) {
        const shared = await this.#read()
        const held = replica.state
        if (shared !== null && shared.version >= held.version) {
          if (shared.version > held.version) this.#deliver(shared)
          this.#setSynced(true)
          return
        }
        // Nothing in Redis, or an older state than one this replica holds: Redis lost it.
        const now = await this.#reseed(client, held)
        if (now !== null && now.version >= held.version) {
          if (now.version > held.version) this.#deliver(now)
          this.#setSynced(true)
          return
        }
      }
      this.#setSynced(false, 'the shared state kept changing while it was re-seeded')
    } catch (err) {
      this.#setSynced(false, describe(err))
      if (STATE_CORRUPT.is(err)) this.#logger.error({ err }, 'the shared state in Redis is unusable; this replica keeps its own until it is fixed')
    }
  }

  #lost (err: unknown): void {
    if (this.#closed) return
    const client = this.#client
    if (client !== null && client.isReady && this.#subscriber?.isReady === true) {
      // An error that did not cost the connection: check rather than assume.
      this.#requestSync()
      return
    }
    this.#setSynced(false, describe(err))
  }

  #setSynced (synced: boolean, reason?: string): void {
    if (synced === this.#synced || this.#closed) return
    this.#synced = synced
    const version = this.#replica?.state.version
    if (synced) {
      this.#logger.info({ url: this.#where, version }, 'in sync with the shared state in Redis')
    } else {
      this.#logger.warn({ url: this.#where, version, reason },
        'lost the shared state in Redis: serving the last-known colour; admin changes answer 503 until it is back')
    }
  }

  /** Keeps state.path as the last-known copy: written in order, only ever with a newer state. */
  #saveCopy (state: DeploymentState): void {
    if (state.version <= this.#copyVersion) return
    this.#copyVersion = state.version
    this.#copyWrites = this.#copyWrites
      .then(() => writeStateFile(this.path, state))
      .catch((err: unknown) => { this.#logger.warn({ err, path: this.path }, 'could not save the last-known copy of the shared state') })
  }
}
