// The Markdown the bench prints: one table per scenario, medians with (min-max) over the repeats.
import type { BigBodyResult } from './scenarios/big-body.js'
import type { FixedRateResult } from './scenarios/fixed-rate.js'
import type { LeakResult } from './scenarios/leak.js'
import type { ThroughputResult } from './scenarios/throughput.js'
import type { Spread } from './lib/stats.js'

export interface Machine {
  date: string
  node: string
  nproc: number
  cpu: string
  pinned: boolean
  /** The switchyard commit measured, and whether src/ had uncommitted changes. */
  commit: string
  srcDirty: boolean | null
}

function table (head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

function num (value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

function range (s: Spread | null, digits: number): string {
  return s === null ? '-' : `${num(s.median, digits)} (${num(s.min, digits)}-${num(s.max, digits)})`
}

function ratio (value: number | null): string {
  return value === null ? '-' : `${value.toFixed(2)}x`
}

export function machineLine (m: Machine, tool: string): string {
  return `${m.date}, switchyard ${m.commit}${m.srcDirty === true ? ' + uncommitted src/ changes' : ''}, ${m.cpu}, nproc ${m.nproc}, Node ${m.node}, load generator ${tool}, ` +
    (m.pinned ? 'proxy on core 0, upstream and load generator on core 1 (taskset)' : 'no taskset: processes not pinned')
}

export function throughputTable (r: ThroughputResult, repeats: number): string {
  return `### Throughput: ${r.connections} connections, ${r.duration} s x ${repeats}, small dataframe_split POST\n\n` + table(
    ['candidate', 'req/s', 'p50 ms', 'p99 ms', 'proxy CPU us/req', 'proxy core %', 'peak RSS MB', 'req/s vs node-floor', 'req/s vs fastify-http-proxy', 'CPU/req vs node-floor', 'others\' CPU %'],
    r.rows.map((row) => [
      row.candidate, range(row.rps, 0), range(row.p50Ms, 2), range(row.p99Ms, 2), range(row.cpuUsPerRequest, 1),
      range(row.proxyCorePercent, 0), range(row.peakRssMb, 0), ratio(row.rpsVsNodeFloor), ratio(row.rpsVsFastifyHttpProxy), ratio(row.cpuVsNodeFloor),
      range(row.noisePercent, 0)
    ])
  )
}

export function fixedRateTable (r: FixedRateResult, repeats: number): string {
  return `### Fixed rate: ${r.rate} req/s open loop, ${r.connections} connections, ${r.duration} s x ${repeats}\n\n` + table(
    ['candidate', 'p50 ms', 'p99 ms', 'p99.9 ms', 'p99 from due ms', 'proxy CPU us/req', 'others\' CPU %'],
    r.rows.map((row) => [row.candidate, range(row.p50Ms, 3), range(row.p99Ms, 3), range(row.p999Ms, 3), range(row.fromDueP99Ms, 3), range(row.cpuUsPerRequest, 1), range(row.noisePercent, 0)])
  ) + `\n\nswitchyard adds **${num(r.addedP99Ms, 3)} ms** at p99 over direct (medians; round by round: ${r.addedP99MsByRound.map((v) => num(v, 3)).join(', ')} ms), ` +
    `**${num(r.addedP99MsOverFloor, 3)} ms** over the node floor.` +
    (r.nginxAddedP99Ms === null ? '' : ` nginx adds ${num(r.nginxAddedP99Ms, 3)} ms over direct.`)
}

export function bigBodyTable (r: BigBodyResult, repeats: number): string {
  return `### Big bodies: ${r.connections} connections, x ${repeats}\n\n` + table(
    ['case', 'req/s', 'p99 ms', 'proxy CPU us/req', 'RSS before MB', 'peak RSS MB', 'others\' CPU %'],
    r.rows.map((row) => [row.label, range(row.rps, 1), range(row.p99Ms, 1), range(row.cpuUsPerRequest, 0), range(row.startRssMb, 0), range(row.peakRssMb, 0), range(row.noisePercent, 0)])
  ) + `\n\nswitchyard / direct req/s at the big size: **${ratio(r.rpsRatio)}**; switchyard peak RSS, big body less 1 MiB body: **${r.peakRssGrowthMb === null ? '-' : num(r.peakRssGrowthMb, 0)} MB**.`
}

export function leakTable (r: LeakResult): string {
  const first = r.samples[0]
  const last = r.samples[r.samples.length - 1]
  return `### Leak: ${num(r.requests, 0)} requests through switchyard (${num(r.rps, 0)} req/s, ${r.errors} errors), sampled every ${num(r.every, 0)} after a full GC\n\n` + table(
    ['measure', 'first sample', 'last sample', 'slope (after 10%)'],
    [
      ['heapUsed', `${num(first.heapUsedMb, 1)} MB`, `${num(last.heapUsedMb, 1)} MB`, `${num(r.heapUsedBytesPer1000, 0)} bytes / 1,000 requests`],
      ['RSS', `${num(first.rssMb, 1)} MB`, `${num(last.rssMb, 1)} MB`, `${num(r.rssBytesPer1000, 0)} bytes / 1,000 requests`]
    ]
  ) + `\n\npeak RSS ${r.peakRssMb === null ? '-' : num(r.peakRssMb, 0)} MB.`
}
