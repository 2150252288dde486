// Big bodies: a 5 MiB invocation, direct and through switchyard (throughput ratio), and
// switchyard's peak RSS with 1 MiB bodies (which it buffers: at most 1 MiB is) against 5 MiB
// bodies (which it streams). If RSS grows with the body size, bodies are being held in memory.
import { DIRECT, SWITCHYARD } from '../candidates.js'
import { bigBody, writeBody } from '../body.js'
import { measure, noiseOf, type Measured } from '../lib/measure.js'
import { spread, type Spread } from '../lib/stats.js'
import { describe } from './throughput.js'
import { measureOptions, noisy, progress, type Context } from './context.js'

const MIB = 1024 * 1024

export interface BigBodyRow {
  label: string
  bodyMib: number
  rps: Spread
  p99Ms: Spread
  cpuUsPerRequest: Spread | null
  startRssMb: Spread | null
  peakRssMb: Spread | null
  noisePercent: Spread
}

export interface BigBodyResult {
  connections: number
  rows: BigBodyRow[]
  /** switchyard's req/s over direct's at the big body size (medians). */
  rpsRatio: number
  /** switchyard's median peak RSS at the big body size less that at 1 MiB. */
  peakRssGrowthMb: number | null
  runs: Array<Measured & { label: string, bodyMib: number }>
}

export async function bigBodies (ctx: Context): Promise<BigBodyResult> {
  const { options } = ctx
  const big = writeBody(ctx.tmp, 'big.json', bigBody(options.bodyMib * MIB))
  const oneMib = writeBody(ctx.tmp, 'one-mib.json', bigBody(MIB))
  const cases = [
    { label: `direct ${options.bodyMib} MiB`, candidate: DIRECT, bodyMib: options.bodyMib, bodyFile: big },
    { label: `switchyard ${options.bodyMib} MiB`, candidate: SWITCHYARD, bodyMib: options.bodyMib, bodyFile: big },
    { label: 'switchyard 1 MiB', candidate: SWITCHYARD, bodyMib: 1, bodyFile: oneMib }
  ]
  const runs: BigBodyResult['runs'] = []
  for (let round = 1; round <= options.repeats; round++) {
    for (const c of cases) {
      const run = await measure(c.candidate, measureOptions(ctx, c.bodyFile), undefined, noisy('big-body', c.label))
      runs.push({ ...run, label: c.label, bodyMib: c.bodyMib })
      progress('big-body', `round ${round}/${options.repeats} ${c.bodyMib} MiB ${describe(run)} peak RSS ${run.peakRssMb?.toFixed(0) ?? '-'} MB`)
    }
  }
  const optional = (values: Array<number | null>): Spread | null =>
    values.every((v): v is number => v !== null) ? spread(values) : null
  const rows = cases.map((c): BigBodyRow => {
    const mine = runs.filter((run) => run.label === c.label)
    return {
      label: c.label,
      bodyMib: c.bodyMib,
      rps: spread(mine.map((r) => r.rps)),
      p99Ms: spread(mine.map((r) => r.p99Ms)),
      cpuUsPerRequest: optional(mine.map((r) => r.cpuUsPerRequest)),
      startRssMb: optional(mine.map((r) => r.startRssMb)),
      peakRssMb: optional(mine.map((r) => r.peakRssMb)),
      noisePercent: spread(mine.map(noiseOf))
    }
  })
  const [direct, proxiedBig, proxiedOne] = rows
  return {
    connections: options.connections,
    rows,
    rpsRatio: proxiedBig.rps.median / direct.rps.median,
    peakRssGrowthMb: proxiedBig.peakRssMb === null || proxiedOne.peakRssMb === null ? null : proxiedBig.peakRssMb.median - proxiedOne.peakRssMb.median,
    runs
  }
}
