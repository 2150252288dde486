import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import { otherColour, type Colour } from '../colour.js'
import { BAD_BODY, PROGRESSION_RUNNING, VERSION_CONFLICT } from '../errors.js'
import type { Guard, Trip } from '../guard/guard.js'
import type { Deployment } from '../state/deployment.js'
import type { Progress, ProgressOutcome, TrafficState } from '../state/types.js'
import type { Router } from './router.js'

export type { Progress, ProgressOutcome } from '../state/types.js'

/** How long past a step's time the other replicas wait before they count its walker as gone. */
const ORPHAN_GRACE_MS = 5000
/** A step or the final switch that could not be saved (the store is down) is tried again after this. */
const RETRY_MS = 1000

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
  #closed = false

  constructor (deps: { router: Router, guard: Guard, deployment: Deployment, logger: Logger }) {
    this.#router = deps.router
    this.#guard = deps.guard
    this.#deployment = deps.deployment
    this.#logger = deps.logger
    deps.guard.on('canary-trip', (trip) => this.#onTrip(trip))
    deps.deployment.on('traffic', (traffic) => this.#follow(traffic))
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

  /** Stops a progressive switch (or a canary) and sends all traffic back to the active colour. */
  async abort (reason: string): Promise<ProgressOutcome | null> {
    let outcome: ProgressOutcome | null = null
    await this.#deployment.updateTraffic((traffic) => {
      const next = ended(traffic, `aborted: ${reason}`)
      outcome = traffic.progress === null ? null : next.lastOutcome
      return next
    })
    return outcome
  }

  /** Applies the shared settings here, and takes (or watches for) the next step of a walk. */
  #follow (traffic: TrafficState): void {
    this.#router.canaryWeight = traffic.canaryWeight
    this.#guard.watchCanary(traffic.canaryWeight > 0 ? otherColour(this.#deployment.active) : null)
    this.#clearTimer()
    const p = traffic.progress
    if (p === null || this.#closed) return
    const mine = p.owner === this.id
    const due = Date.parse(p.nextStepAt) + (mine ? 0 : ORPHAN_GRACE_MS)
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (mine) void this.#advance(p)
      else void this.#endOrphan(p)
    }, Math.max(0, due - Date.now()))
    this.#timer.unref()
  }

  /** The walker's next step: the next weight, or the switch after the last one. */
  async #advance (p: Progress): Promise<void> {
    const last = p.step + 1 >= p.steps.length
    try {
      if (last) {
        const state = this.#deployment.state
        if (!sameWalk(state.traffic.progress, p)) return
        // On the version that holds this walk: a change meanwhile (an abort) wins.
        await this.#deployment.switchTo(p.to, { reason: p.reason, by: 'progressive', actor: p.actor, expectedVersion: state.version })
        this.#logger.info({ to: p.to, steps: p.steps }, 'progressive switch completed')
        return
      }
      const weight = p.steps[p.step + 1] as number
      await this.#deployment.updateTraffic((traffic) => sameWalk(traffic.progress, p)
        ? { ...traffic, canaryWeight: weight, progress: { ...p, step: p.step + 1, weight, nextStepAt: new Date(Date.now() + p.stepInterval).toISOString() } }
        : null)
    } catch (err) {
      // A rival change (try again on the newest state) or a store that is down (try again soon);
      // either way only while the walk is still the one in the state.
      if (this.#closed || !sameWalk(this.#deployment.traffic.progress, p)) return
      if (!VERSION_CONFLICT.is(err)) this.#logger.warn({ err, to: p.to, step: p.step }, 'progressive switch: could not save the next step; trying again')
      this.#timer = setTimeout(() => { this.#timer = null; void this.#advance(p) }, VERSION_CONFLICT.is(err) ? 50 : RETRY_MS)
      this.#timer.unref()
    }
  }

  /** A walk whose step is long overdue: its replica stopped. It ends, back to weight 0. */
  async #endOrphan (p: Progress): Promise<void> {
    try {
      const result = await this.#deployment.updateTraffic((traffic) => sameWalk(traffic.progress, p)
        ? ended(traffic, `aborted: the replica walking it (${p.owner}) took no step after ${p.nextStepAt}`)
        : null)
      if (result.changed) this.#logger.warn({ to: p.to, owner: p.owner, step: p.step }, 'progressive switch ended: the replica walking it stopped')
    } catch (err) {
      this.#logger.warn({ err }, 'could not end a progressive switch whose replica stopped; trying again')
      if (this.#closed || !sameWalk(this.#deployment.traffic.progress, p)) return
      this.#timer = setTimeout(() => { this.#timer = null; void this.#endOrphan(p) }, RETRY_MS)
      this.#timer.unref()
    }
  }

  /**
   * The guard saw the standby fail under its canary share: this replica stops sending it any at
   * once, then the end is saved for every replica (if the store is down, this one stays at 0).
   */
  #onTrip (trip: Trip): void {
    this.#router.canaryWeight = 0
    const reason = `aborted by the guard: ${trip.reason}`
    this.#deployment.updateTraffic((traffic) => traffic.canaryWeight === 0 && traffic.progress === null ? null : ended(traffic, reason)).then(
      (result) => { if (result.changed) this.#logger.warn({ reason }, 'canary ended by the guard') },
      (err: unknown) => this.#logger.error({ err, reason }, 'the guard set the canary weight to 0 on this replica, but could not save it for the others')
    )
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
  }
}
