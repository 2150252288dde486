// wrk as the load generator when installed: C, one thread, far less CPU per request than a Node
// client, so the shared core 1 has more room for the upstream. Its Lua `done` hook prints the
// numbers as JSON; latency percentiles are wrk's own, in microseconds.
import { execFile } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TICKS_PER_SECOND } from '../lib/procfs.js'
import { pinned, track } from '../lib/spawn.js'
import { LOAD_CORE } from '../lib/cores.js'
import { PATH, type LoadOptions, type LoadResult } from './result.js'

const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((path) => existsSync(path)) ?? null
export const hasWrk = WRK !== null

const SCRIPT = `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open(os.getenv("BENCH_BODY_FILE"), "rb")
wrk.body = file:read("*a")
file:close()
function done(summary, latency, requests)
  local e = summary.errors
  -- wrk's own CPU time (utime + stime, in clock ticks), fields 14 and 15 of /proc/self/stat.
  local stat = io.open("/proc/self/stat"):read("*a"):match("%) (.*)")
  local fields = {}
  for field in stat:gmatch("%S+") do fields[#fields + 1] = field end
  io.write(string.format('BENCH_JSON {"requests":%d,"us":%d,"errors":%d,"non2xx":%d,"p50":%d,"p99":%d,"ticks":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), fields[12] + fields[13]))
end
`

export function runWrk (options: LoadOptions, tmp: string): Promise<LoadResult> {
  if (WRK === null) throw new Error('wrk is not installed')
  const script = join(tmp, 'bench.lua')
  if (!existsSync(script)) writeFileSync(script, SCRIPT)
  const [command, args] = pinned(LOAD_CORE, WRK, [
    '-t1', `-c${options.connections}`, `-d${options.duration}s`, '--timeout', '10s', '-s', script, options.url + PATH
  ])
  return new Promise((resolve, reject) => {
    track(execFile(command, args, { env: { ...process.env, BENCH_BODY_FILE: options.bodyFile } }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((text) => text.startsWith('BENCH_JSON '))
      if (err !== null || line === undefined) return reject(new Error(`wrk failed: ${err?.message ?? ''} ${stderr}${stdout}`))
      const raw = JSON.parse(line.slice('BENCH_JSON '.length)) as { requests: number, us: number, errors: number, non2xx: number, p50: number, p99: number, ticks: number }
      const seconds = raw.us / 1e6
      resolve({
        tool: 'wrk',
        requests: raw.requests,
        seconds,
        rps: raw.requests / seconds,
        p50Ms: raw.p50 / 1000,
        p99Ms: raw.p99 / 1000,
        errors: raw.errors,
        non2xx: raw.non2xx,
        loadCpuSeconds: raw.ticks / TICKS_PER_SECOND
      })
    }))
  })
}
