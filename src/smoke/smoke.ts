// The smoke gate: a colour answers the configured smoke requests as expected, or it gets no traffic.
import type { Logger } from 'pino'
import type { Colour } from '../colour.js'
import { SMOKE_FAILED } from '../errors.js'
import type { Upstream } from '../upstreams/upstream.js'
import type { SmokeRequest } from './config.js'
import { failureSummary, runSmoke, type SmokeReport } from './runner.js'

export class Smoke {
  readonly requests: readonly SmokeRequest[]
  /** The last report per colour, or null before the first run. */
  readonly last: Record<Colour, SmokeReport | null> = { blue: null, green: null }
  readonly #upstreams: Record<Colour, Upstream>
  readonly #logger: Logger

  constructor (upstreams: Record<Colour, Upstream>, requests: readonly SmokeRequest[], logger: Logger) {
    this.#upstreams = upstreams
    this.requests = requests
    this.#logger = logger
  }

  /** Runs every smoke request against `colour` and reports; never throws for a failed request. */
  async run (colour: Colour): Promise<SmokeReport> {
    const report = await runSmoke(colour, this.#upstreams[colour], this.requests)
    this.last[colour] = report
    if (report.total > 0) {
      this.#logger[report.ok ? 'info' : 'warn']({ colour, passed: report.passed, failed: report.failed, problems: report.ok ? undefined : failureSummary(report) }, report.ok ? 'smoke test passed' : 'smoke test failed')
    }
    return report
  }

  /** Resolves when `colour` passes; otherwise throws SMOKE_FAILED (412) carrying the report. */
  async check (colour: Colour): Promise<SmokeReport> {
    const report = await this.run(colour)
    if (report.ok) return report
    const err = SMOKE_FAILED(colour, failureSummary(report))
    err.details = { colour, smoke: report }
    throw err
  }
}
