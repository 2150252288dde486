// An open-loop client at a fixed rate, like wrk2: request i is due at start + i/rate whatever
// happened to the ones before, so a stall in the server shows in the latencies instead of
// slowing the client down (no coordinated omission). autocannon's `overallRate` is not that: it
// sends each second's quota back to back and then waits for the next second.
// Two latencies per request: from when it was sent (service time) and from when it was due.
// The first second is paced but not recorded: this process's own start (JIT, undici's parser,
// new connections) stalls it for a few hundred ms, and an open-loop client would otherwise
// charge that backlog to the server (it made every candidate's p99 ~36 ms at 1,000 req/s).
//   node --import tsx bench/load/paced-child.ts '<PacedOptions as JSON>'
import { readFileSync } from 'node:fs'
import { Pool } from 'undici'
import type { FromChild } from '../lib/messages.js'
import { quantile } from '../lib/stats.js'
import { HEADERS, PATH, type LoadOptions, type LoadResult } from './result.js'

export interface PacedOptions extends LoadOptions {
  rate: number
}

export interface PacedResult extends LoadResult {
  rate: number
  p999Ms: number
  /** Measured from when each request was due rather than sent: includes any queueing. */
  fromDueP50Ms: number
  fromDueP99Ms: number
}

const options = JSON.parse(process.argv[2]) as PacedOptions
const body = readFileSync(options.bodyFile)
const pool = new Pool(options.url, { connections: options.connections, pipelining: 1 })
const unrecorded = Math.round(options.rate * 1)
const total = unrecorded + Math.round(options.rate * options.duration)
const intervalNs = 1e9 / options.rate
const serviceMs: number[] = []
const fromDueMs: number[] = []
let sent = 0
let settled = 0
let errors = 0
let non2xx = 0
let recordedFrom = 0
const start = process.hrtime.bigint()
const now = (): number => Number(process.hrtime.bigint() - start)

// Timers fire about once a millisecond; each tick sends every request that has come due.
function tick (): void {
  const at = now()
  for (; sent < total && sent * intervalNs <= at; sent++) fire(sent)
  if (sent < total) setTimeout(tick, 1)
}

function fire (index: number): void {
  const dueNs = index * intervalNs
  const recorded = index >= unrecorded
  if (index === unrecorded) recordedFrom = dueNs
  const sentNs = now()
  pool.request({ method: 'POST', path: PATH, headers: HEADERS, body }).then(async ({ statusCode, body }) => {
    await body.dump()
    const end = now()
    if (!recorded) return
    if (statusCode !== 200) non2xx++
    serviceMs.push((end - sentNs) / 1e6)
    fromDueMs.push((end - dueNs) / 1e6)
  }, () => { if (recorded) errors++ }).finally(() => {
    if (++settled === total) finish()
  })
}

function finish (): void {
  const seconds = (now() - recordedFrom) / 1e9
  const result: PacedResult = {
    tool: 'paced',
    rate: options.rate,
    requests: serviceMs.length,
    served: settled,
    seconds,
    rps: serviceMs.length / seconds,
    p50Ms: quantile(serviceMs, 0.5),
    p99Ms: quantile(serviceMs, 0.99),
    p999Ms: quantile(serviceMs, 0.999),
    fromDueP50Ms: quantile(fromDueMs, 0.5),
    fromDueP99Ms: quantile(fromDueMs, 0.99),
    errors,
    non2xx,
    loadCpuSeconds: cpuSeconds()
  }
  const message: FromChild = { type: 'result', result }
  process.send?.(message, () => process.exit(0))
}

tick()

function cpuSeconds (): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}
