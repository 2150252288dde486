import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { Agent, requestVia } from '../undici.js'
import type { Colour } from '../colour.js'
import type { NotifyEvent, WebhookConfig } from '../config/schema.js'
import type { Guard } from '../guard/guard.js'
import type { ChangeSource, Deployment } from '../state/deployment.js'
import type { DeploymentState } from '../state/types.js'
import type { HealthChecker } from '../upstreams/health.js'
import { isTimeout } from '../upstreams/answer.js'
import { bakeNotification, changeNotifications, healthNotification, renderBody, tripNotification, type Notification } from './event.js'

/** POSTs one body; resolves with the status code. Rejects on a network error or an abort. */
export type Send = (url: string, body: string, headers: Record<string, string>, signal: AbortSignal) => Promise<number>

export interface NotifierOptions {
  webhooks: readonly WebhookConfig[]
  /** Milliseconds one attempt may take, connecting included. */
  timeout: number
  /** Attempts after the first, waiting backoffMs, then twice that, and so on (with jitter). */
  retries: number
  logger: Logger
  /** Counts deliveries given up on, by event. */
  failures: { labels (event: NotifyEvent): { inc (): void } }
  /** Default: undici over a small pool of its own. */
  send?: Send
  /** First wait before a retry; default 500 ms, doubling, at most 30 s. */
  backoffMs?: number
  /** Notifications waiting per receiver; more are dropped (and counted). Default 100. */
  queueLimit?: number
}

/** The emitters a notifier listens to. */
export interface NotifySources {
  deployment: Deployment
  guard: Guard
  health: HealthChecker
}

const MAX_BACKOFF_MS = 30_000

/** 2xx delivered; 408, 429 and 5xx are worth another try; any other answer will not change. */
function retryable (status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/** Where to, for logs: the origin only, since a path often holds a secret (Slack's does). */
function origin (url: string): string {
  return new URL(url).origin
}

/**
 * Delivers notifications to the webhooks in `notify.webhooks`. The event handlers only queue
 * (O(1), never awaited by the request path); each receiver drains its own bounded queue in order,
 * one delivery at a time, so a dead or slow receiver holds at most `queueLimit` notifications
 * and never delays another receiver, a proxied request or an admin call.
 */
export class Notifier {
  readonly #receivers: Receiver[]
  readonly #logger: Logger
  readonly #closing = new AbortController()
  readonly #agent: Agent | null = null
  readonly #unsubscribe: Array<() => void> = []

  constructor (options: NotifierOptions) {
    this.#logger = options.logger
    let send = options.send
    if (send === undefined && options.webhooks.length > 0) {
      const agent = new Agent({ connections: 4, connectTimeout: options.timeout, keepAliveTimeout: 10_000 })
      this.#agent = agent
      send = async (url, body, headers, signal) => {
        const res = await requestVia(agent, new URL(url), { method: 'POST', body, headers, signal, headersTimeout: options.timeout, bodyTimeout: options.timeout })
        await res.body.dump()
        return res.statusCode
      }
    }
    const shared = {
      send: send ?? (async () => 204),
      timeout: options.timeout,
      retries: options.retries,
      backoffMs: options.backoffMs ?? 500,
      queueLimit: options.queueLimit ?? 100,
      logger: options.logger,
      failures: options.failures,
      closing: this.#closing.signal
    }
    this.#receivers = options.webhooks.map((webhook) => new Receiver(webhook, shared))
  }

  /** Listens to the deployment, the guard and the health checker (nothing to do without webhooks). */
  watch (sources: NotifySources): void {
    if (this.#receivers.length === 0) return
    const { deployment, guard, health } = sources
    // With a shared store every replica sees each change; only the one that made it announces it.
    const onChange = (state: DeploymentState, before: DeploymentState, source: ChangeSource = 'local'): void => {
      if (source !== 'local') return
      for (const n of changeNotifications(state, before)) this.notify(n)
    }
    const onTrip = (trip: Parameters<typeof tripNotification>[0]): void => this.notify(tripNotification(trip))
    const onBake = (colour: Colour, version: number): void => this.notify(bakeNotification(colour, version, new Date()))
    // The first probe of a colour turns its health from unknown to known: that is news only when
    // it finds the colour down.
    const known: Partial<Record<Colour, boolean>> = {}
    const onHealth = (colour: Colour, healthy: boolean, status: { lastError: string | null }): void => {
      const first = known[colour] === undefined
      known[colour] = healthy
      if (first && healthy) return
      this.notify(healthNotification(colour, healthy, status.lastError, deployment.active === colour, new Date()))
    }
    deployment.on('change', onChange)
    guard.on('trip', onTrip)
    guard.on('bake-completed', onBake)
    health.on('change', onHealth)
    this.#unsubscribe.push(
      () => deployment.off('change', onChange),
      () => guard.off('trip', onTrip),
      () => guard.off('bake-completed', onBake),
      () => health.off('change', onHealth)
    )
  }

  /** Queues `n` for every receiver that wants its event; returns at once. */
  notify (n: Notification): void {
    if (this.#closing.signal.aborted) return
    for (const receiver of this.#receivers) receiver.push(n)
  }

  /** Stops listening, abandons queued and in-flight deliveries (logged), frees the connections. */
  async close (): Promise<void> {
    if (this.#closing.signal.aborted) return
    for (const off of this.#unsubscribe.splice(0)) off()
    this.#closing.abort()
    const pending = this.#receivers.reduce((sum, r) => sum + r.pending, 0)
    if (pending > 0) this.#logger.warn({ pending }, 'closing with webhook notifications undelivered')
    await this.#agent?.destroy()
  }
}

interface Shared {
  send: Send
  timeout: number
  retries: number
  backoffMs: number
  queueLimit: number
  logger: Logger
  failures: NotifierOptions['failures']
  closing: AbortSignal
}

/** One webhook: its filter, its bounded queue, its delivery loop. */
class Receiver {
  readonly #webhook: WebhookConfig
  readonly #shared: Shared
  readonly #origin: string
  readonly #queue: Notification[] = []
  #busy = false

  constructor (webhook: WebhookConfig, shared: Shared) {
    this.#webhook = webhook
    this.#shared = shared
    this.#origin = origin(webhook.url)
  }

  /** Waiting, plus the one being delivered. */
  get pending (): number {
    return this.#queue.length + (this.#busy ? 1 : 0)
  }

  push (n: Notification): void {
    const events = this.#webhook.events
    if (events.length > 0 && !events.includes(n.event)) return
    if (this.#queue.length >= this.#shared.queueLimit) {
      this.#shared.failures.labels(n.event).inc()
      this.#shared.logger.warn({ event: n.event, id: n.id, receiver: this.#origin, queued: this.#queue.length }, 'webhook queue full: notification dropped')
      return
    }
    this.#queue.push(n)
    if (this.#busy) return
    // Delivery starts on a later turn of the event loop: not even the setting up of a request
    // runs inside the emitter's call (a switch, a guard decision, a health probe).
    this.#busy = true
    setImmediate(() => void this.#drain())
  }

  async #drain (): Promise<void> {
    try {
      let next: Notification | undefined
      while ((next = this.#queue.shift()) !== undefined && !this.#shared.closing.aborted) await this.#deliver(next)
    } finally {
      this.#busy = false
    }
  }

  async #deliver (n: Notification): Promise<void> {
    const { send, timeout, retries, backoffMs, logger, closing } = this.#shared
    const body = renderBody(n, this.#webhook.format)
    const headers = { 'content-type': 'application/json', 'user-agent': 'switchyard', 'x-switchyard-event': n.event, 'x-switchyard-delivery': n.id }
    let problem = ''
    let attempt = 0
    for (; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const wait = Math.min(backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS) * (0.5 + Math.random() / 2)
        try {
          await sleep(wait, undefined, { signal: closing, ref: false })
        } catch {
          return
        }
      }
      try {
        const status = await send(this.#webhook.url, body, headers, AbortSignal.any([closing, AbortSignal.timeout(timeout)]))
        if (status >= 200 && status < 300) {
          logger.debug({ event: n.event, id: n.id, receiver: this.#origin, attempts: attempt + 1 }, 'webhook delivered')
          return
        }
        problem = `answered ${status}`
        if (!retryable(status)) break
      } catch (err) {
        if (closing.aborted) return
        const e = err as Error & { code?: string }
        problem = isTimeout(e) ? `no answer in ${timeout} ms` : (e.code ?? e.message)
      }
    }
    this.#shared.failures.labels(n.event).inc()
    logger.warn({ event: n.event, id: n.id, receiver: this.#origin, attempts: Math.min(attempt + 1, retries + 1), error: problem }, 'webhook delivery failed')
  }
}
