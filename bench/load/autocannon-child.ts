// autocannon in a process of its own (so its CPU is not the bench's), driven by its programmatic
// API. Latencies are taken from its per-response event into a microsecond histogram: autocannon's
// own histogram has 1 ms resolution, too coarse for a proxy that adds a fraction of that.
//   node --import tsx bench/load/autocannon-child.ts '<LoadOptions as JSON>'
import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'
import { createHistogram } from 'node:perf_hooks'
import type { FromChild } from '../lib/messages.js'
import { HEADERS, PATH, type LoadOptions, type LoadResult } from './result.js'

const options = JSON.parse(process.argv[2]) as LoadOptions
const latencyUs = createHistogram()
let answered = 0

const instance = autocannon({
  url: options.url + PATH,
  connections: options.connections,
  method: 'POST',
  headers: HEADERS,
  body: readFileSync(options.bodyFile),
  timeout: 10,
  ...(options.amount === undefined ? { duration: options.duration } : { amount: options.amount })
}, (err, result) => {
  if (err !== null) throw err
  const out: LoadResult = {
    tool: 'autocannon',
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50Ms: latencyUs.percentile(50) / 1000,
    p99Ms: latencyUs.percentile(99) / 1000,
    errors: result.errors,
    non2xx: result.non2xx,
    loadCpuSeconds: cpuSeconds()
  }
  const message: FromChild = { type: 'result', result: out }
  process.send?.(message, () => process.exit(0))
})

instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
  latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)))
  answered++
  if (options.every !== undefined && answered % options.every === 0) {
    const message: FromChild = { type: 'progress', requests: answered }
    process.send?.(message)
  }
})

function cpuSeconds (): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}
