import type { Logger } from 'pino'
import { otherColour, type Colour } from '../colour.js'
import { BAD_BODY, PROGRESSION_RUNNING, VERSION_CONFLICT } from '../errors.js'
import type { Guard, Trip } from '../guard/guard.js'
import type { Deployment } from '../state/deployment.js'
import type { Router } from './router.js'

export interface Progress {
  to: Colour
  steps: number[]
  step: number
  weight: number
  stepInterval: number
  startedAt: string
  nextStepAt: string | null
  reason: string
}

export interface ProgressOutcome {
  to: Colour
  completed: boolean
  reason: string
}

/**
 * The canary weight (share of live traffic to the standby) and progressive switches that walk
 * it up step by step. The guard watches the standby while it has weight; a trip sets it to 0.
 * Weight 100 is not a switch: only a switch moves `active` and starts a bake.
 */
export class Canary {
  progress: Progress | null = null
  lastOutcome: ProgressOutcome | null = null
  readonly #router: Router
  readonly #guard: Guard
  readonly #deployment: Deployment
  readonly #logger: Logger
  #timer: NodeJS.Timeout | null = null

  constructor (deps: { router: Router, guard: Guard, deployment: Deployment, logger: Logger }) {
    this.#router = deps.router
    this.#guard = deps.guard
    this.#deployment = deps.deployment
    this.#logger = deps.logger
    deps.guard.on('canary-trip', (trip) => this.#onTrip(trip))
    // A change of the active colour ends any canary: the colours have changed places. A
    // progressive switch ends too, unless the change is its own last step.
    deps.deployment.on('change', (state) => {
      if (this.progress === null) this.#set(0)
      else if (state.by !== 'progressive') this.#finish(false, `aborted: the active colour changed to ${state.active} (${state.by})`)
    })
  }

  get weight (): number {
    return this.#router.canaryWeight
  }

  /** Sets the weight by hand; refused while a progressive switch owns it. */
  setWeight (weight: number, actor: string): void {
    if (this.progress !== null) throw PROGRESSION_RUNNING(this.progress.to, this.progress.weight)
    this.#set(weight)
    this.#logger.info({ weight, standby: otherColour(this.#deployment.active), actor }, 'canary weight set')
  }

  #set (weight: number): void {
    this.#router.canaryWeight = weight
    this.#guard.watchCanary(weight > 0 ? otherColour(this.#deployment.active) : null)
  }

  /** Starts a progressive switch to `to`: each step's weight for `stepInterval`, then a switch. */
  start (to: Colour, steps: number[], stepInterval: number, reason: string, actor: string): Progress {
    if (this.progress !== null) throw PROGRESSION_RUNNING(this.progress.to, this.progress.weight)
    if (to === this.#deployment.active) throw BAD_BODY(`to: ${to} is already active; a progressive switch goes to the standby colour`)
    this.progress = { to, steps, step: 0, weight: 0, stepInterval, startedAt: new Date().toISOString(), nextStepAt: null, reason }
    this.#logger.info({ to, steps, stepInterval, actor }, 'progressive switch started')
    this.#step(actor)
    return this.progress
  }

  #step (actor: string): void {
    const progress = this.progress
    if (progress === null) return
    const weight = progress.steps[progress.step] as number
    progress.weight = weight
    this.#set(weight)
    progress.nextStepAt = new Date(Date.now() + progress.stepInterval).toISOString()
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (progress.step + 1 < progress.steps.length) {
        progress.step++
        this.#step(actor)
      } else {
        void this.#complete(actor)
      }
    }, progress.stepInterval)
    this.#timer.unref()
  }

  async #complete (actor: string): Promise<void> {
    const progress = this.progress
    if (progress === null) return
    try {
      await this.#deployment.switchTo(progress.to, { reason: progress.reason, by: 'progressive', actor })
      if (this.progress !== progress) return // ended meanwhile by another change
      this.#finish(true, `completed: switched to ${progress.to} after ${progress.steps.join(', ')}%`)
    } catch (err) {
      if (this.progress === progress) this.#finish(false, VERSION_CONFLICT.is(err) ? 'aborted: the state changed during the last step' : `aborted: ${(err as Error).message}`)
    }
  }

  /** Stops a progressive switch (or a canary) and sends all traffic back to the active colour. */
  abort (reason: string): ProgressOutcome | null {
    if (this.progress === null) {
      this.#set(0)
      return null
    }
    return this.#finish(false, `aborted: ${reason}`)
  }

  #onTrip (trip: Trip): void {
    if (this.progress !== null) this.#finish(false, `aborted by the guard: ${trip.reason}`)
    else this.#set(0)
  }

  #finish (completed: boolean, reason: string): ProgressOutcome {
    const progress = this.progress as Progress
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.progress = null
    this.#set(0)
    this.lastOutcome = { to: progress.to, completed, reason }
    this.#logger[completed ? 'info' : 'warn']({ to: progress.to, step: progress.step, weight: progress.weight, reason }, 'progressive switch ended')
    return this.lastOutcome
  }

  status (): Record<string, unknown> {
    const p = this.progress
    return {
      weight: this.weight,
      standby: otherColour(this.#deployment.active),
      progress: p === null ? null : { ...p, nextStepInMs: p.nextStepAt === null ? null : Math.max(0, Date.parse(p.nextStepAt) - Date.now()) },
      lastOutcome: this.lastOutcome
    }
  }

  close (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}
