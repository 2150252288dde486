import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { COLOURS, type Colour } from '../colour.js'
import { VERSION_CONFLICT } from '../errors.js'
import { isFailure, type Metrics, type Outcome } from '../metrics/metrics.js'
import type { Deployment } from '../state/deployment.js'
import type { DeploymentState } from '../state/types.js'
import type { Recorder } from '../traffic/record.js'
import type { HealthChecker } from '../upstreams/health.js'
import { needsLatency, shouldRollBack, type Baseline, type Decision, type GuardPolicy, type TripKind } from './decide.js'
import { methodMatcher, type MethodMatcher } from './shield.js'
import { SlidingWindow, type WindowSummary } from './window.js'

export interface GuardOptions {
  enabled: boolean
  windowMs: number
  policy: GuardPolicy
  shield: { enabled: boolean, methods: readonly string[], clientErrors: boolean }
}

export interface Trip {
  at: string
  colour: Colour
  kind: TripKind
  reason: string
  rolledBack: boolean
  /** Why the rollback did not happen, when it did not. */
  blockedBy: string | null
  /** Milliseconds from the switch to the rollback being committed. */
  afterMs: number | null
}

export interface GuardEvents {
  trip: [trip: Trip]
  /** A trip on the canary: whoever set the weight must set it back to 0. */
  'canary-trip': [trip: Trip]
  'bake-completed': [colour: Colour, version: number]
}

/** Decides which colour, if any, a failed request may be retried on (the shield). */
export interface Shield {
  target (colour: Colour, method: string, url: string, status: number | null): Colour | null
}

/**
 * Watches live traffic per colour and rolls the new colour back when it misbehaves during the
 * bake. Recording is O(1) on the request path; the decision is the pure shouldRollBack().
 */
export class Guard extends EventEmitter<GuardEvents> implements Recorder, Shield {
  readonly windows: Record<Colour, SlidingWindow>
  readonly #consecutive: Record<Colour, number> = { blue: 0, green: 0 }
  readonly #inner: Recorder
  readonly #options: GuardOptions
  readonly #deployment: Deployment
  readonly #health: HealthChecker
  readonly #metrics: Metrics
  readonly #logger: Logger
  readonly #latency: boolean
  readonly #methods: MethodMatcher
  /** The colour under watch: the active one while it bakes, else null. Read on every response. */
  #watched: Colour | null = null
  /** The standby colour while it takes a canary share of live traffic. */
  #canary: Colour | null = null
  #canaryTripped = false
  #canaryStartedAt = 0
  #canaryBaseline: Baseline | null = null
  #switchedAt = 0
  #baseline: Baseline | null = null
  #tripped = false
  #bakeTimer: NodeJS.Timeout | null = null
  lastTrip: Trip | null = null
  /**
   * Set the moment the guard trips, until the rollback is committed: new live requests go to the
   * previous colour at once, instead of failing on the bad one during the probe and the commit.
   */
  diversion: { from: Colour, to: Colour } | null = null

  constructor (deps: { deployment: Deployment, health: HealthChecker, metrics: Metrics, logger: Logger, inner: Recorder }, options: GuardOptions) {
    super()
    this.#deployment = deps.deployment
    this.#health = deps.health
    this.#metrics = deps.metrics
    this.#logger = deps.logger
    this.#inner = deps.inner
    this.#options = options
    this.#latency = needsLatency(options.policy)
    this.#methods = methodMatcher(options.shield.methods)
    const now = performance.now()
    this.windows = { blue: new SlidingWindow(options.windowMs, now), green: new SlidingWindow(options.windowMs, now) }
    deps.deployment.on('change', (state, before) => this.#onChange(state, before))
    // A restart in the middle of a bake keeps watching for what is left of it.
    this.#watch(deps.deployment.state, now)
  }

  record (colour: Colour, outcome: Outcome, seconds: number): void {
    this.#inner.record(colour, outcome, seconds)
    const now = performance.now()
    this.windows[colour].record(outcome, seconds * 1000, now)
    if (isFailure(outcome)) this.#consecutive[colour]++
    else if (outcome !== 'shielded') this.#consecutive[colour] = 0
    if (colour === this.#watched && !this.#tripped) this.#evaluate(colour, now)
    else if (colour === this.#canary && !this.#canaryTripped) this.#evaluateCanary(colour, now)
  }

  /** Watch the standby while it takes canary traffic (null: stop). Same conditions as the bake. */
  watchCanary (colour: Colour | null): void {
    if (colour === this.#canary) return
    this.#canary = this.#options.enabled ? colour : null
    this.#canaryTripped = false
    if (this.#canary === null) return
    const now = performance.now()
    const active = this.windows[this.#deployment.active].summary(now)
    this.#canaryBaseline = { requests: active.requests, clientErrorRate: active.clientErrorRate, p99Ms: active.p99Ms }
    this.windows[this.#canary].reset(now)
    this.#consecutive[this.#canary] = 0
    this.#canaryStartedAt = now
  }

  #evaluateCanary (colour: Colour, now: number): void {
    const summary = this.windows[colour].summary(now, this.#latency)
    const decision = shouldRollBack(summary, this.#consecutive[colour], this.#canaryBaseline, this.#options.policy, now - this.#canaryStartedAt)
    if (!decision.trip) return
    this.#canaryTripped = true
    const trip: Trip = { at: new Date().toISOString(), colour, kind: decision.kind, reason: `canary: ${decision.reason}`, rolledBack: false, blockedBy: null, afterMs: Math.round(now - this.#canaryStartedAt) }
    this.lastTrip = trip
    this.#metrics.rollbacks.labels(decision.kind).inc()
    this.#logger.warn({ colour, kind: decision.kind, reason: trip.reason }, 'guard tripped on the canary')
    this.emit('canary-trip', trip)
    this.emit('trip', trip)
  }

  target (colour: Colour, method: string, url: string, status: number | null): Colour | null {
    const shield = this.#options.shield
    if (!shield.enabled) return null
    const state = this.#deployment.state
    let to: Colour | null = null
    if (colour === this.#watched) to = state.previous
    else if (colour === this.#canary) to = state.active
    // Requests still in flight on a colour the guard has just rolled back from.
    else if (colour === state.failed && colour !== state.active) to = state.active
    if (to === null || to === colour) return null
    if (status !== null && status < 500 && !(shield.clientErrors && status >= 400)) return null
    if (!this.#methods.allows(method, url) || this.#health.statuses[to].healthy === false) return null
    return to
  }

  /** What status shows of the guard. */
  status (): Record<string, unknown> {
    const now = performance.now()
    const state = this.#deployment.state
    const windows: Record<string, WindowSummary> = {}
    for (const colour of COLOURS) windows[colour] = this.windows[colour].summary(now)
    return {
      enabled: this.#options.enabled,
      watching: this.#watched,
      canary: this.#canary,
      bakeUntil: state.bakeUntil,
      bakeRemainingMs: state.bakeUntil === null ? 0 : Math.max(0, Date.parse(state.bakeUntil) - Date.now()),
      baseline: this.#baseline,
      lastTrip: this.lastTrip,
      windows
    }
  }

  close (): void {
    if (this.#bakeTimer !== null) clearTimeout(this.#bakeTimer)
    this.#bakeTimer = null
  }

  #evaluate (colour: Colour, now: number): void {
    const summary = this.windows[colour].summary(now, this.#latency)
    const decision = shouldRollBack(summary, this.#consecutive[colour], this.#baseline, this.#options.policy, now - this.#switchedAt)
    if (decision.trip) {
      this.#tripped = true
      void this.#rollBack(colour, decision)
    }
  }

  async #rollBack (colour: Colour, decision: Extract<Decision, { trip: true }>): Promise<void> {
    const state = this.#deployment.state
    // Read now: the rollback's own change event restarts the clock.
    const switchedAt = this.#switchedAt
    const trip: Trip = { at: new Date().toISOString(), colour, kind: decision.kind, reason: decision.reason, rolledBack: false, blockedBy: null, afterMs: null }
    this.lastTrip = trip
    this.#logger.warn({ colour, kind: decision.kind, reason: decision.reason, version: state.version }, 'guard tripped')
    const previous = state.previous
    if (previous !== null && this.#health.statuses[previous].healthy === true) this.diversion = { from: colour, to: previous }
    // Rolling back onto a colour that is down would trade one outage for another.
    const probe = previous === null ? null : await this.#health.probe(previous)
    if (previous === null || probe === null || !probe.ok) {
      trip.blockedBy = previous === null ? 'there is no previous colour' : `previous colour ${previous} is not healthy: ${probe?.error ?? 'unknown'}`
      this.diversion = null
      this.#logger.error({ colour, previous, reason: decision.reason, blockedBy: trip.blockedBy }, 'guard tripped but cannot roll back')
      this.emit('trip', trip)
      return
    }
    try {
      // On the switch it watched: a switch or rollback since wins, a change of traffic settings
      // (a canary step, a shadow percent) does not stand in the way.
      const watched = state.history[0]?.version
      await this.#deployment.rollback({
        reason: `guard: ${decision.reason}`,
        by: 'guard',
        actor: 'guard',
        markFailed: true,
        precondition: (current) => {
          if (current.history[0]?.version !== watched) throw VERSION_CONFLICT(watched ?? 0, current.history[0]?.version ?? 0)
        }
      })
      trip.rolledBack = true
      trip.afterMs = Math.round(performance.now() - switchedAt)
      this.#metrics.switches.labels('guard').inc()
      this.#metrics.rollbacks.labels(decision.kind).inc()
    } catch (err) {
      // Someone else changed the state first (an operator, another replica's guard): theirs stands.
      this.diversion = null
      trip.blockedBy = VERSION_CONFLICT.is(err) ? 'the state changed before the rollback was saved' : `rollback failed: ${(err as Error).message}`
      this.#logger.error({ err, colour }, 'guard rollback not applied')
    }
    this.emit('trip', trip)
  }

  #onChange (state: DeploymentState, before: DeploymentState): void {
    this.diversion = null
    const now = performance.now()
    // The colour that was live until now sets the bar for the new one.
    const old = this.windows[before.active].summary(now)
    this.#baseline = { requests: old.requests, clientErrorRate: old.clientErrorRate, p99Ms: old.p99Ms }
    this.windows[state.active].reset(now)
    this.#consecutive[state.active] = 0
    this.#watch(state, now)
  }

  #watch (state: DeploymentState, now: number): void {
    this.close()
    this.#tripped = false
    this.#switchedAt = now
    const remaining = state.bakeUntil === null ? 0 : Date.parse(state.bakeUntil) - Date.now()
    this.#watched = this.#options.enabled && remaining > 0 ? state.active : null
    // The baseline only means something while a new colour is judged against it.
    if (this.#watched === null) this.#baseline = null
    if (remaining <= 0) return
    this.#bakeTimer = setTimeout(() => {
      this.#bakeTimer = null
      this.#watched = null
      this.#logger.info({ colour: state.active, version: state.version, previous: state.previous }, 'bake completed')
      this.emit('bake-completed', state.active, state.version)
    }, remaining)
    this.#bakeTimer.unref()
  }
}
