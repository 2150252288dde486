// Leak: a long run through switchyard (1,000,000 requests by default), sampling its memory every
// N requests. Each sample follows a full GC (the child runs with --expose-gc), so heapUsed is
// what is still live. The slope is fitted after the first 10% of requests, once the JIT, the
// pools and the metric histograms have reached their working size.
import { SWITCHYARD } from '../candidates.js'
import { runLoad } from '../load/index.js'
import { memory } from '../lib/procfs.js'
import { slope } from '../lib/stats.js'
import { progress, type Context } from './context.js'

const MB = 1024 * 1024

export interface Sample {
  requests: number
  rssMb: number
  heapUsedMb: number
  externalMb: number
  arrayBuffersMb: number
}

export interface LeakResult {
  requests: number
  every: number
  rps: number
  errors: number
  /** Least-squares slopes over the samples after the first 10% of requests. */
  heapUsedBytesPer1000: number
  rssBytesPer1000: number
  peakRssMb: number | null
  samples: Sample[]
}

export async function leak (ctx: Context): Promise<LeakResult> {
  const { options } = ctx
  const start = SWITCHYARD.start
  if (start === null) throw new Error('switchyard has no process')
  const proxy = await start(ctx.upstream, ['--expose-gc'])
  try {
    const samples: Sample[] = []
    const sample = async (requests: number): Promise<void> => {
      const usage = await proxy.memory(true)
      samples.push({ requests, rssMb: usage.rss / MB, heapUsedMb: usage.heapUsed / MB, externalMb: usage.external / MB, arrayBuffersMb: usage.arrayBuffers / MB })
      progress('leak', `${requests} requests: rss ${(usage.rss / MB).toFixed(1)} MB heapUsed ${(usage.heapUsed / MB).toFixed(1)} MB`)
    }
    await sample(0)
    // Samples are taken while the load goes on; chain them so they are recorded in order.
    let chain = Promise.resolve()
    const load = await runLoad('autocannon', {
      url: proxy.url,
      connections: options.connections,
      duration: 0,
      bodyFile: ctx.smallBody,
      amount: options.leakRequests,
      every: options.leakEvery
    }, ctx.tmp, (requests) => { chain = chain.then(() => sample(requests)) })
    await chain
    if (samples[samples.length - 1].requests !== load.requests) await sample(load.requests)
    const peak = memory(proxy.pid)
    const settled = samples.filter((s) => s.requests >= options.leakRequests * 0.1)
    const xs = settled.map((s) => s.requests / 1000)
    return {
      requests: load.requests,
      every: options.leakEvery,
      rps: load.rps,
      errors: load.errors + load.non2xx,
      heapUsedBytesPer1000: slope(xs, settled.map((s) => s.heapUsedMb * MB)),
      rssBytesPer1000: slope(xs, settled.map((s) => s.rssMb * MB)),
      peakRssMb: peak === null ? null : peak.peakRssBytes / MB,
      samples
    }
  } finally {
    await proxy.stop()
  }
}
