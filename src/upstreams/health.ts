import { EventEmitter } from 'node:events'
import type { Colour } from '../colour.js'
import { pathPlan, type ProbePlan, type UpstreamKind } from './kinds.js'
import { isTimeout, readCapped } from './answer.js'
import type { Upstream } from './upstream.js'

export interface HealthStatus {
  /** null until the first probe has answered. */
  healthy: boolean | null
  lastProbeAt: string | null
  lastError: string | null
  latencyMs: number | null
  consecutiveSuccesses: number
  consecutiveFailures: number
}

export interface HealthOptions {
  path: string
  interval: number
  timeout: number
  healthyThreshold: number
  unhealthyThreshold: number
}

export interface ProbeResult {
  ok: boolean
  error: string | null
  latencyMs: number
}

/** What an upstream says of itself, beside the thresholded health: its kind, readiness, version. */
export interface UpstreamReport {
  kind: UpstreamKind
  /** The last probe's verdict, before thresholds; null until the first probe has answered. */
  ready: boolean | null
  /** The version the upstream reports (null: not read yet, or the kind reports none). */
  version: string | null
  versionReadAt: string | null
}

/** A ready upstream's version is read again after this long (and whenever it turns ready). */
export const VERSION_REFRESH_MS = 60_000

/** Readiness answers are small; a misdirected probe must not read a whole page into memory. */
const PROBE_BODY_LIMIT = 64 * 1024

export interface HealthEvents {
  change: [colour: Colour, healthy: boolean, status: HealthStatus]
}

/** Pure: the health status after one probe result, with thresholds so one blip does not flap it. */
export function nextHealth (status: HealthStatus, result: ProbeResult, options: HealthOptions, at: string): HealthStatus {
  const consecutiveSuccesses = result.ok ? status.consecutiveSuccesses + 1 : 0
  const consecutiveFailures = result.ok ? 0 : status.consecutiveFailures + 1
  let healthy = status.healthy
  if (healthy === null) healthy = result.ok
  else if (!healthy && consecutiveSuccesses >= options.healthyThreshold) healthy = true
  else if (healthy && consecutiveFailures >= options.unhealthyThreshold) healthy = false
  return { healthy, lastProbeAt: at, lastError: result.error, latencyMs: result.latencyMs, consecutiveSuccesses, consecutiveFailures }
}

/**
 * Probes each upstream on an interval and reports into a status map. It reports; it does not
 * route: the router and the admin API read the statuses.
 */
export class HealthChecker extends EventEmitter<HealthEvents> {
  readonly statuses: Record<Colour, HealthStatus>
  readonly reports: Record<Colour, UpstreamReport>
  readonly #upstreams: Record<Colour, Upstream>
  readonly #plans: Record<Colour, ProbePlan>
  readonly #options: HealthOptions
  #timer: NodeJS.Timeout | null = null
  #closed = false

  /** `plans`: each colour's readiness check (src/upstreams/kinds.ts), or a bare path where any 2xx is ready. */
  constructor (upstreams: Record<Colour, Upstream>, plans: Record<Colour, ProbePlan | string>, options: HealthOptions) {
    super()
    this.#upstreams = upstreams
    const plan = (p: ProbePlan | string): ProbePlan => typeof p === 'string' ? pathPlan(p) : p
    this.#plans = { blue: plan(plans.blue), green: plan(plans.green) }
    this.#options = options
    const empty = (): HealthStatus => ({ healthy: null, lastProbeAt: null, lastError: null, latencyMs: null, consecutiveSuccesses: 0, consecutiveFailures: 0 })
    this.statuses = { blue: empty(), green: empty() }
    const report = (colour: Colour): UpstreamReport => ({ kind: this.#plans[colour].kind, ready: null, version: null, versionReadAt: null })
    this.reports = { blue: report('blue'), green: report('green') }
  }

  /** Probes both colours once, then keeps probing on the interval. */
  async start (): Promise<void> {
    await this.probeAll()
    this.#schedule()
  }

  #schedule (): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => {
      this.probeAll().finally(() => this.#schedule())
    }, this.#options.interval)
    this.#timer.unref()
  }

  async probeAll (): Promise<void> {
    await Promise.all([this.probe('blue'), this.probe('green')])
  }

  /** Probes one colour now and records the result; used by the interval and before a switch. */
  async probe (colour: Colour): Promise<ProbeResult> {
    const plan = this.#plans[colour]
    const result = await probeUpstream(this.#upstreams[colour], plan, this.#options.timeout)
    const before = this.statuses[colour]
    const at = new Date()
    const after = nextHealth(before, result, this.#options, at.toISOString())
    this.statuses[colour] = after
    const report = this.reports[colour]
    this.reports[colour] = { ...report, ready: result.ok }
    if (after.healthy !== before.healthy && after.healthy !== null && !this.#closed) this.emit('change', colour, after.healthy, after)
    // The version is read when the upstream turns ready (a restart may bring a new model) and
    // then now and again; it never decides readiness.
    const stale = report.versionReadAt === null || at.getTime() - Date.parse(report.versionReadAt) >= VERSION_REFRESH_MS
    if (result.ok && plan.version !== null && (report.ready !== true || stale)) {
      const version = await readVersion(this.#upstreams[colour], plan, this.#options.timeout)
      this.reports[colour] = { ...this.reports[colour], version, versionReadAt: new Date().toISOString() }
    }
    return result
  }

  close (): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
  }
}

/**
 * Runs a readiness check: each step's GET in order, judged by the plan, all within one `timeout`.
 * A bare path is the old check: any 2xx is ready.
 */
export async function probeUpstream (upstream: Upstream, check: ProbePlan | string, timeout: number): Promise<ProbeResult> {
  const plan = typeof check === 'string' ? pathPlan(check) : check
  const started = performance.now()
  const signal = AbortSignal.timeout(timeout)
  for (const step of plan.steps) {
    let judgement
    try {
      const { status, body } = await get(upstream, step.path, timeout, signal)
      judgement = step.judge(status, body)
    } catch (err) {
      return { ok: false, error: `GET ${step.path} failed: ${failure(err, timeout)}`, latencyMs: round(performance.now() - started) }
    }
    if (!judgement.ok) return { ok: false, error: judgement.problem, latencyMs: round(performance.now() - started) }
  }
  return { ok: true, error: null, latencyMs: round(performance.now() - started) }
}

/** The version the upstream reports, or null (none reported, or no usable answer). */
export async function readVersion (upstream: Upstream, plan: ProbePlan, timeout: number): Promise<string | null> {
  if (plan.version === null) return null
  try {
    const { status, body } = await get(upstream, plan.version.path, timeout, AbortSignal.timeout(timeout))
    return plan.version.read(status, body)
  } catch {
    return null
  }
}

async function get (upstream: Upstream, path: string, timeout: number, signal: AbortSignal): Promise<{ status: number, body: string }> {
  const res = await upstream.pool.request({
    method: 'GET',
    path: upstream.basePath + path,
    headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.8' },
    headersTimeout: timeout,
    bodyTimeout: timeout,
    signal
  })
  return { status: res.statusCode, body: await readCapped(res.body, PROBE_BODY_LIMIT) }
}

function failure (err: unknown, timeout: number): string {
  const e = err as Error & { code?: string }
  return isTimeout(e) ? `no answer in ${timeout} ms` : (e.code ?? e.message)
}

function round (ms: number): number {
  return Math.round(ms * 100) / 100
}
