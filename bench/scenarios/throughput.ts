// Throughput: every candidate under a closed loop of N connections, interleaved round by round
// (A B C D, A B C D, ...) so a noisy minute on the machine hits them all alike.
import { allCandidates, type Candidate } from '../candidates.js'
import { measure, noiseOf, type Measured } from '../lib/measure.js'
import { spread, type Spread } from '../lib/stats.js'
import { measureOptions, noisy, progress, type Context } from './context.js'

export interface Row {
  candidate: string
  rps: Spread
  p50Ms: Spread
  p99Ms: Spread
  cpuUsPerRequest: Spread | null
  proxyCorePercent: Spread | null
  peakRssMb: Spread | null
  /** CPU other processes used on either core during the runs, the larger (see Measured). */
  noisePercent: Spread
  /** Median req/s over the median req/s of the reference (null when it did not run). */
  rpsVsNodeFloor: number | null
  rpsVsFastifyHttpProxy: number | null
  /** Median proxy CPU per request over the node floor's: below 1 is cheaper than the floor. */
  cpuVsNodeFloor: number | null
}

export interface ThroughputResult {
  tool: string
  connections: number
  duration: number
  rows: Row[]
  runs: Measured[]
}

export async function throughput (ctx: Context): Promise<ThroughputResult> {
  const { options } = ctx
  const candidates = pick(allCandidates(), options.candidates)
  const runs: Measured[] = []
  for (let round = 1; round <= options.repeats; round++) {
    for (const candidate of candidates) {
      const run = await measure(candidate, measureOptions(ctx, ctx.smallBody), undefined, noisy('throughput', candidate.name))
      runs.push(run)
      progress('throughput', `round ${round}/${options.repeats} ${describe(run)}`)
    }
  }
  return { tool: options.tool, connections: options.connections, duration: options.duration, rows: summarise(candidates, runs), runs }
}

export function describe (run: Measured): string {
  const cpu = run.cpuUsPerRequest === null ? '' : ` cpu ${run.cpuUsPerRequest.toFixed(1)} us/req (${run.proxyCorePercent?.toFixed(0)}% core)`
  const noise = run.otherOnProxyCorePercent === null ? '' : ` | others on core 0: ${run.otherOnProxyCorePercent.toFixed(0)}%, core 1: ${run.otherOnLoadCorePercent?.toFixed(0) ?? '-'}%, steal ${run.stealPercent?.toFixed(0)}%`
  const attempts = run.attempts > 1 ? ` (attempt ${run.attempts})` : ''
  const errors = run.errors + run.non2xx > 0 ? ` ERRORS ${run.errors} non2xx ${run.non2xx}` : ''
  return `${run.candidate}: ${run.rps.toFixed(0)} req/s p50 ${run.p50Ms.toFixed(2)} ms p99 ${run.p99Ms.toFixed(2)} ms${cpu}${errors}${noise}${attempts}`
}

function pick (all: Candidate[], names: string[]): Candidate[] {
  if (names.length === 0) return all
  const unknown = names.filter((name) => !all.some((c) => c.name === name))
  if (unknown.length > 0) throw new Error(`unknown or unavailable candidates: ${unknown.join(', ')}`)
  return all.filter((c) => names.includes(c.name))
}

function summarise (candidates: Candidate[], runs: Measured[]): Row[] {
  const of = (name: string): Measured[] => runs.filter((run) => run.candidate === name)
  const optional = (values: Array<number | null>): Spread | null =>
    values.every((v): v is number => v !== null) && values.length > 0 ? spread(values) : null
  const rows = candidates.map((c): Omit<Row, 'rpsVsNodeFloor' | 'rpsVsFastifyHttpProxy' | 'cpuVsNodeFloor'> => {
    const mine = of(c.name)
    return {
      candidate: c.name,
      rps: spread(mine.map((r) => r.rps)),
      p50Ms: spread(mine.map((r) => r.p50Ms)),
      p99Ms: spread(mine.map((r) => r.p99Ms)),
      cpuUsPerRequest: optional(mine.map((r) => r.cpuUsPerRequest)),
      proxyCorePercent: optional(mine.map((r) => r.proxyCorePercent)),
      peakRssMb: optional(mine.map((r) => r.peakRssMb)),
      noisePercent: spread(mine.map(noiseOf))
    }
  })
  const floor = rows.find((r) => r.candidate === 'node-floor')
  const fastify = rows.find((r) => r.candidate === 'fastify-http-proxy')
  return rows.map((row) => ({
    ...row,
    rpsVsNodeFloor: floor === undefined ? null : row.rps.median / floor.rps.median,
    rpsVsFastifyHttpProxy: fastify === undefined ? null : row.rps.median / fastify.rps.median,
    cpuVsNodeFloor: floor?.cpuUsPerRequest == null || row.cpuUsPerRequest === null ? null : row.cpuUsPerRequest.median / floor.cpuUsPerRequest.median
  }))
}
