import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import { otherColour, type Colour } from '../colour.js'
import { BAD_BODY, PROGRESSION_RUNNING, STATE_UNAVAILABLE } from '../errors.js'
import type { Guard, Trip } from '../guard/guard.js'
import type { Deployment } from '../state/deployment.js'
import type { Progress, ProgressOutcome, TrafficState } from '../state/types.js'
import type { Router } from './router.js'

export type { Progress, ProgressOutcome } from '../state/types.js'

/** How long past a step's time the other replicas wait before they count its walker as gone. */
const ORPHAN_GRACE_MS = 5000
/** A step or the final switch that could not be saved (the store is down) is tried again after this. */
const RETRY_MS = 1000

/** Longest wait one setTimeout takes (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647
/** Thrown inside a final switch whose walk ended meanwhile: nothing to do. */
const WALK_ENDED = new Error('the progressive switch ended before its last step')

const sameWalk = (a: Progress | null, b: Progress): boolean => a !== null && a.startedAt === b.startedAt && a.owner === b.owner && a.step === b.step

/** The weights of a progressive switch ended with `reason` (or of a canary set back to 0). */
function ended (traffic: TrafficState, reason: string): TrafficState {
  const p = traffic.progress
  return { ...traffic, canaryWeight: 0, progress: null, lastOutcome: p === null ? traffic.lastOutcome : { to: p.to, completed: false, reason } }
}

/**
 * The canary weight (share of live traffic to the standby) and progressive switches that walk
 * it up step by step. Both live in the deployment state, so every replica sharing it sends the
 * same share; the replica that started a progressive switch takes its steps, and the others
 * end it if it stops taking them. The guard watches the standby while it has weight; a trip
 * sets it to 0. Weight 100 is not a switch: only a switch moves `active` and starts a bake.
 */
export class Canary {
  /** This process, as the owner of the progressive switches it walks. */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  readonly #router: Router
  readonly #guard: Guard
  readonly #deployment: Deployment
  readonly #logger: Logger
  #timer: NodeJS.Timeout | null = null
  /** Set by a guard trip (or an abort) until its end is saved: this replica sends the standby nothing meanwhile. */
  #vetoed: string | null = null
  #endTimer: NodeJS.Timeout | null = null
  #closed = false

  constructor (deps: { router: Router, guard: Guard, deployment: Deployment, logger: Logger }) {
    this.#router = deps.router
    this.#guard = deps.guard
    this.#deployment = deps.deployment
    this.#logger = deps.logger
    deps.guard.on('canary-trip', (trip) => this.#onTrip(trip))
    deps.deployment.on('traffic', (traffic) => this.#follow(traffic))
    // A switch that arrives together with a new weight can leave the settings looking the same
    // while the standby has changed colour: the guard must watch the new standby.
    deps.deployment.on('change', () => {
      this.#vetoed = null
      this.#follow(this.#deployment.traffic)
    })
    this.#follow(deps.deployment.traffic)
  }

  get weight (): number {
    return this.#router.canaryWeight
  }

  get progress (): Progress | null {
    return this.#deployment.traffic.progress
  }

  get lastOutcome (): ProgressOutcome | null {
    return this.#deployment.traffic.lastOutcome
  }

  /** Sets the weight by hand; refused while a progressive switch owns it. */
  async setWeight (weight: number, actor: string): Promise<void> {
    await this.#deployment.updateTraffic((traffic) => {
      if (traffic.progress !== null) throw PROGRESSION_RUNNING(traffic.progress.to, traffic.progress.weight)
      return { ...traffic, canaryWeight: weight }
    })
    this.#logger.info({ weight, standby: otherColour(this.#deployment.active), actor }, 'canary weight set')
  }

  /** Starts a progressive switch to `to`: each step's weight for `stepInterval`, then a switch. */
  async start (to: Colour, steps: number[], stepInterval: number, reason: string, actor: string): Promise<Progress> {
    const now = Date.now()
    const progress: Progress = {
      to, steps, step: 0, weight: steps[0] as number, stepInterval,
      startedAt: new Date(now).toISOString(), nextStepAt: new Date(now + stepInterval).toISOString(), reason, actor, owner: this.id
    }
    await this.#deployment.updateTraffic((traffic, state) => {
      if (traffic.progress !== null) throw PROGRESSION_RUNNING(traffic.progress.to, traffic.progress.weight)
      if (to === state.active) throw BAD_BODY(`to: ${to} is already active; a progressive switch goes to the standby colour`)
      return { ...traffic, canaryWeight: progress.weight, progress }
    })
    this.#logger.info({ to, steps, stepInterval, actor }, 'progressive switch started')
    return progress
  }

  /**
   * Stops a progressive switch (or a canary) and sends all traffic back to the active colour.
   * `saved: false`: the store is unreachable; this replica holds weight 0 anyway (an operator's
   * stop must work when the store does not) and saves the end for the others once it is back.
   */
  async abort (reason: string): Promise<{ outcome: ProgressOutcome | null, saved: boolean }> {
    const why = `aborted: ${reason}`
    // The walk's outcome, when there is one to abort (a plain canary has none).
    const outcomeOf = (traffic: TrafficState): ProgressOutcome | null => traffic.progress === null ? null : ended(traffic, why).lastOutcome
    let outcome: ProgressOutcome | null = null
    try {
      await this.#deployment.updateTraffic((traffic) => {
        outcome = outcomeOf(traffic)
        return ended(traffic, why)
      })
      return { outcome, saved: true }
    } catch (err) {
      if (!STATE_UNAVAILABLE.is(err)) throw err
      outcome = outcomeOf(this.#deployment.traffic)
      this.#holdAtZero(why)
      return { outcome, saved: false }
    }
  }

  /** Applies the shared settings here, and takes (or watches for) the next step of a walk. */
  #follow (traffic: TrafficState): void {
    const weight = this.#vetoed === null ? traffic.canaryWeight : 0
    this.#router.canaryWeight = weight
    this.#guard.watchCanary(weight > 0 ? otherColour(this.#deployment.active) : null)
    this.#clearTimer()
    const p = traffic.progress
    if (p === null || this.#closed) return
    const mine = p.owner === this.id
    const due = Date.parse(p.nextStepAt) + (mine ? 0 : ORPHAN_GRACE_MS)
    this.#later(() => mine ? this.#advance(p) : this.#endOrphan(p), due - Date.now())
  }

  /** The one timer of this replica's walk (a step, a retry, or the watch on another's walk). */
  #later (task: () => Promise<void>, ms: number): void {
    this.#clearTimer()
    if (this.#closed) return
    // setTimeout fires at once past 2^31 - 1 ms; a longer wait is taken in turns.
    const wait = Math.min(Math.max(0, ms), MAX_TIMER_MS)
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (wait < ms) this.#later(task, ms - wait)
      else void task()
    }, wait)
    this.#timer.unref()
  }

  /** The walker's next step: the next weight, or the switch after the last one. */
  async #advance (p: Progress): Promise<void> {
    // Held at 0 by a trip or an abort not saved yet: the walk is ending, not stepping.
    if (this.#closed || this.#vetoed !== null || !sameWalk(this.#deployment.traffic.progress, p)) return
    try {
      if (p.step + 1 >= p.steps.length) {
        // Only while this walk is still the one in the (newest) state: an abort meanwhile wins.
        const result = await this.#deployment.switchTo(p.to, {
          reason: p.reason,
          by: 'progressive',
          actor: p.actor,
          precondition: (current) => { if (!sameWalk(current.traffic.progress, p)) throw WALK_ENDED }
        })
        if (result.changed) this.#logger.info({ to: p.to, steps: p.steps }, 'progressive switch completed')
        return
      }
      const weight = p.steps[p.step + 1] as number
      await this.#deployment.updateTraffic((traffic) => sameWalk(traffic.progress, p)
        ? { ...traffic, canaryWeight: weight, progress: { ...p, step: p.step + 1, weight, nextStepAt: new Date(Date.now() + p.stepInterval).toISOString() } }
        : null)
    } catch (err) {
      // The store is down, or a rival change beat the catch-up: try again, while the walk is
      // still the one in the state.
      if (err === WALK_ENDED || this.#closed || !sameWalk(this.#deployment.traffic.progress, p)) return
      this.#logger.warn({ err, to: p.to, step: p.step }, 'progressive switch: could not save the next step; trying again')
      this.#later(() => this.#advance(p), RETRY_MS)
    }
  }

  /** A walk whose step is long overdue: its replica stopped. It ends, back to weight 0. */
  async #endOrphan (p: Progress): Promise<void> {
    if (this.#closed || !sameWalk(this.#deployment.traffic.progress, p)) return
    try {
      const result = await this.#deployment.updateTraffic((traffic) => sameWalk(traffic.progress, p)
        ? ended(traffic, `aborted: the replica walking it (${p.owner}) took no step after ${p.nextStepAt}`)
        : null)
      if (result.changed) this.#logger.warn({ to: p.to, owner: p.owner, step: p.step }, 'progressive switch ended: the replica walking it stopped')
    } catch (err) {
      if (this.#closed || !sameWalk(this.#deployment.traffic.progress, p)) return
      this.#logger.warn({ err }, 'could not end a progressive switch whose replica stopped; trying again')
      this.#later(() => this.#endOrphan(p), RETRY_MS)
    }
  }

  /** The guard saw the standby fail under its canary share. */
  #onTrip (trip: Trip): void {
    this.#holdAtZero(`aborted by the guard: ${trip.reason}`)
  }

  /**
   * This replica sends the standby nothing from now on, whatever the saved weight says, until
   * the end (with `reason`) is saved for every replica, tried again while the store is down.
   */
  #holdAtZero (reason: string): void {
    this.#vetoed = reason
    this.#follow(this.#deployment.traffic)
    void this.#saveEnd(reason)
  }

  async #saveEnd (reason: string): Promise<void> {
    if (this.#closed || this.#vetoed !== reason) return
    try {
      const result = await this.#deployment.updateTraffic((traffic) => traffic.canaryWeight === 0 && traffic.progress === null ? null : ended(traffic, reason))
      if (result.changed) this.#logger.warn({ reason }, 'canary ended')
      if (this.#vetoed === reason) {
        this.#vetoed = null
        this.#follow(this.#deployment.traffic)
      }
    } catch (err) {
      this.#logger.error({ err, reason }, 'the canary weight is 0 on this replica, but the end could not be saved for the others yet; trying again')
      if (this.#closed) return
      if (this.#endTimer !== null) clearTimeout(this.#endTimer)
      this.#endTimer = setTimeout(() => { this.#endTimer = null; void this.#saveEnd(reason) }, RETRY_MS)
      this.#endTimer.unref()
    }
  }

  #clearTimer (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  status (): Record<string, unknown> {
    const p = this.progress
    return {
      weight: this.weight,
      standby: otherColour(this.#deployment.active),
      progress: p === null ? null : { ...p, walkedHere: p.owner === this.id, nextStepInMs: Math.max(0, Date.parse(p.nextStepAt) - Date.now()) },
      lastOutcome: this.lastOutcome
    }
  }

  close (): void {
    this.#closed = true
    this.#clearTimer()
    if (this.#endTimer !== null) clearTimeout(this.#endTimer)
    this.#endTimer = null
  }
}
