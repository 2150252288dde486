// Shadow scenario: client latency through switchyard with the shadow at 0% and at 100% (the
// standby mirroring every request), interleaved, at a fixed request rate (an open loop, so the
// mirror's extra work shows as latency, not as fewer requests). Target: p50 within 5%.
// Run: node --import tsx bench/shadow.ts [--rate 300] [--requests 3000] [--repeats 3]
import { mkdirSync, writeFileSync } from 'node:fs'
import { pino } from 'pino'
import { Pool } from 'undici'
import { loadConfig } from '../src/config/load.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { start } from '../src/main.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const REQUESTS = arg('requests', 3000)
const RATE = arg('rate', 300)
const REPEATS = arg('repeats', 3)
const CONNECTIONS = 10
const BODY = '{"dataframe_split": {"columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"], "data": [[6.3, 2.7, 4.9, 1.8]]}}'

// The model servers run in their own processes, as they would beside a real proxy.
async function modelServer (model: string, version: string): Promise<{ url: string, child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'model-server', '--model', model, '--version', version, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve))
  return { url: (JSON.parse(line) as { url: string }).url, child }
}
const blue = await modelServer('logistic', 'v1')
const green = await modelServer('forest', 'v2')
const config = loadConfig({
  env: {},
  args: ['--listen.host', '127.0.0.1', '--listen.port', '0', '--admin.port', '0', '--state.store', 'memory',
    '--upstreams.blue.url', blue.url, '--upstreams.green.url', green.url, '--log.level', 'silent']
})
const running = await start(config, pino({ level: 'silent' }))
const client = new Pool(running.proxyUrl, { connections: CONNECTIONS })

async function measure (): Promise<{ p50: number, p99: number, rps: number }> {
  const times: number[] = []
  const pending: Array<Promise<void>> = []
  const started = performance.now()
  for (let i = 0; i < REQUESTS; i++) {
    // Each request is due at its slot; latency counts from the slot, so a stall is not hidden.
    const due = started + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const sentAt = performance.now()
    pending.push(client.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: BODY })
      .then(async (res) => { await res.body.dump(); times.push(performance.now() - Math.max(due, sentAt)) }))
  }
  await Promise.all(pending)
  const seconds = (performance.now() - started) / 1000
  times.sort((a, b) => a - b)
  return { p50: times[Math.floor(times.length * 0.5)] as number, p99: times[Math.floor(times.length * 0.99)] as number, rps: REQUESTS / seconds }
}

await measure() // warm-up
const rows: Array<{ percent: number, p50: number, p99: number, rps: number }> = []
for (let r = 0; r < REPEATS; r++) {
  for (const percent of [0, 100]) {
    running.app.shadow.percent = percent
    rows.push({ percent, ...(await measure()) })
    await new Promise((resolve) => setTimeout(resolve, 500)) // let the last mirrors settle
  }
}
const report = running.app.shadow.report()
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const summary = [0, 100].map((percent) => {
  const group = rows.filter((row) => row.percent === percent)
  return { percent, p50: median(group.map((g) => g.p50)), p99: median(group.map((g) => g.p99)), rps: median(group.map((g) => g.rps)) }
})
const [off, on] = summary as [typeof summary[0], typeof summary[0]]
console.log(`shadow scenario: ${REQUESTS} requests at ${RATE}/s x ${REPEATS} repeats per setting (interleaved), up to ${CONNECTIONS} connections; model servers in their own processes, load generator in the proxy's; ${new Date().toISOString()}, node ${process.version}\n`)
console.log('| shadow | client p50 ms | client p99 ms | requests/s |')
console.log('|---|---|---|---|')
for (const s of summary) console.log(`| ${s.percent}% | ${s.p50.toFixed(3)} | ${s.p99.toFixed(3)} | ${s.rps.toFixed(0)} |`)
console.log(`\np50 ratio (100% / 0%): ${(on.p50 / off.p50).toFixed(3)}; mirrored ${String(report.mirrored)}, compared ${String(report.compared)}, dropped ${String(report.dropped)}`)
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/shadow.json', JSON.stringify({ date: new Date().toISOString(), node: process.version, rate: RATE, requests: REQUESTS, repeats: REPEATS, rows, summary, shadow: { mirrored: report.mirrored, compared: report.compared, dropped: report.dropped } }, null, 2) + '\n')
await client.close()
await running.stop()
blue.child.kill('SIGTERM')
green.child.kill('SIGTERM')
