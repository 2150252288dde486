import { EventEmitter } from 'node:events'
import type { Colour } from '../colour.js'
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
  readonly #upstreams: Record<Colour, Upstream>
  readonly #paths: Record<Colour, string>
  readonly #options: HealthOptions
  #timer: NodeJS.Timeout | null = null
  #closed = false

  constructor (upstreams: Record<Colour, Upstream>, paths: Record<Colour, string>, options: HealthOptions) {
    super()
    this.#upstreams = upstreams
    this.#paths = paths
    this.#options = options
    const empty = (): HealthStatus => ({ healthy: null, lastProbeAt: null, lastError: null, latencyMs: null, consecutiveSuccesses: 0, consecutiveFailures: 0 })
    this.statuses = { blue: empty(), green: empty() }
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
    const result = await probeUpstream(this.#upstreams[colour], this.#paths[colour], this.#options.timeout)
    const before = this.statuses[colour]
    const after = nextHealth(before, result, this.#options, new Date().toISOString())
    this.statuses[colour] = after
    if (after.healthy !== before.healthy && after.healthy !== null && !this.#closed) this.emit('change', colour, after.healthy, after)
    return result
  }

  close (): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
  }
}

export async function probeUpstream (upstream: Upstream, path: string, timeout: number): Promise<ProbeResult> {
  const started = performance.now()
  try {
    const res = await upstream.pool.request({
      method: 'GET',
      path: upstream.basePath + path,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout)
    })
    await res.body.dump()
    const latencyMs = round(performance.now() - started)
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, error: null, latencyMs }
    return { ok: false, error: `GET ${path} answered ${res.statusCode}`, latencyMs }
  } catch (err) {
    const latencyMs = round(performance.now() - started)
    const e = err as Error & { code?: string }
    const detail = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' ? `no answer in ${timeout} ms` : (e.code ?? e.message)
    return { ok: false, error: `GET ${path} failed: ${detail}`, latencyMs }
  }
}

function round (ms: number): number {
  return Math.round(ms * 100) / 100
}
