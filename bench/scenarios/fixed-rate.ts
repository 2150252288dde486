// Fixed rate: at a steady 1,000 req/s (well under every candidate's capacity), how much latency
// does switchyard add to a request? Open-loop pacing (see load/paced-child.ts); direct, switchyard,
// the node floor and nginx (when installed) interleaved round by round, each started fresh and
// warmed up with the closed-loop tool. The floor and nginx are the controls: whatever they add
// too (the hop, the scheduler's wake-ups) is not switchyard's own.
import { allCandidates, DIRECT, NODE_FLOOR, SWITCHYARD } from '../candidates.js'
import { runPaced, type PacedResult } from '../load/index.js'
import { measure, noiseOf, type Measured } from '../lib/measure.js'
import { median, spread, type Spread } from '../lib/stats.js'
import { measureOptions, noisy, progress, type Context } from './context.js'

export interface FixedRateRow {
  candidate: string
  p50Ms: Spread
  p99Ms: Spread
  p999Ms: Spread
  fromDueP99Ms: Spread
  cpuUsPerRequest: Spread | null
  noisePercent: Spread
}

export interface FixedRateResult {
  rate: number
  connections: number
  duration: number
  rows: FixedRateRow[]
  /** switchyard's median p99 less direct's, and less the node floor's. */
  addedP99Ms: number
  addedP99MsOverFloor: number
  /** nginx's median p99 less direct's, when nginx ran. */
  nginxAddedP99Ms: number | null
  /** The same, round by round (each pair ran back to back). */
  addedP99MsByRound: number[]
  runs: Array<Measured<PacedResult>>
}

const FIXED_RATE = new Set([DIRECT.name, SWITCHYARD.name, NODE_FLOOR.name, 'nginx'])

export async function fixedRate (ctx: Context): Promise<FixedRateResult> {
  const { options } = ctx
  const candidates = allCandidates().filter((c) => FIXED_RATE.has(c.name))
  const runs: Array<Measured<PacedResult>> = []
  for (let round = 1; round <= options.repeats; round++) {
    for (const candidate of candidates) {
      const run = await measure(candidate, measureOptions(ctx, ctx.smallBody), (url) => runPaced({
        url, connections: options.connections, duration: options.duration, bodyFile: ctx.smallBody, rate: options.rate
      }), noisy('fixed-rate', candidate.name))
      runs.push(run)
      progress('fixed-rate', `round ${round}/${options.repeats} ${run.candidate}: ${run.rps.toFixed(0)} req/s p50 ${run.p50Ms.toFixed(3)} ms p99 ${run.p99Ms.toFixed(3)} ms p99.9 ${run.p999Ms.toFixed(3)} ms (from due: p99 ${run.fromDueP99Ms.toFixed(3)} ms)${run.errors + run.non2xx > 0 ? ' ERRORS' : ''} | others on core 0: ${run.otherOnProxyCorePercent?.toFixed(0) ?? '-'}%, core 1: ${run.otherOnLoadCorePercent?.toFixed(0) ?? '-'}%`)
    }
  }
  const of = (name: string): Array<Measured<PacedResult>> => runs.filter((run) => run.candidate === name)
  const rows = candidates.map((c): FixedRateRow => {
    const mine = of(c.name)
    const cpu = mine.map((r) => r.cpuUsPerRequest)
    return {
      candidate: c.name,
      p50Ms: spread(mine.map((r) => r.p50Ms)),
      p99Ms: spread(mine.map((r) => r.p99Ms)),
      p999Ms: spread(mine.map((r) => r.p999Ms)),
      fromDueP99Ms: spread(mine.map((r) => r.fromDueP99Ms)),
      cpuUsPerRequest: cpu.every((v): v is number => v !== null) ? spread(cpu) : null,
      noisePercent: spread(mine.map(noiseOf))
    }
  })
  const direct = of(DIRECT.name)
  const proxied = of(SWITCHYARD.name)
  const p99 = (name: string): number => median(of(name).map((r) => r.p99Ms))
  return {
    rate: options.rate,
    connections: options.connections,
    duration: options.duration,
    rows,
    addedP99Ms: p99(SWITCHYARD.name) - p99(DIRECT.name),
    addedP99MsOverFloor: p99(SWITCHYARD.name) - p99(NODE_FLOOR.name),
    nginxAddedP99Ms: of('nginx').length > 0 ? p99('nginx') - p99(DIRECT.name) : null,
    addedP99MsByRound: proxied.map((r, i) => r.p99Ms - direct[i].p99Ms),
    runs
  }
}
