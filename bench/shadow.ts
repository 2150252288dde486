// Shadow scenario: client latency through switchyard with the shadow at 0% and at 100% (the
// standby mirroring every request), interleaved, at a fixed request rate (an open loop, so the
// mirror's extra work shows as latency, not as fewer requests). Target: p50 within 5%.
// Run: node --import tsx bench/shadow.ts [--rate 300] [--requests 3000] [--repeats 3] [--block 150] [--pin]
// (requests x repeats x 2 in all; SHADOW_GREEN_MODEL=logistic gives green a cheaper model)
import { mkdirSync, writeFileSync } from 'node:fs'
import { Pool } from 'undici'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { canPin, pinned } from './lib/spawn.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const REQUESTS = arg('requests', 3000)
const RATE = arg('rate', 300)
const REPEATS = arg('repeats', 3)
/** Both settings together. */
const TOTAL = REQUESTS * REPEATS * 2
const CONNECTIONS = 10
const BODY = '{"dataframe_split": {"columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"], "data": [[6.3, 2.7, 4.9, 1.8]]}}'

// With --pin (and taskset), the standby model server gets core 1 to itself and the rest share
// core 0, so the standby's own CPU (a random forest) does not compete with the live path; on 2
// cores that puts client, switchyard and blue on one core, which is noisier, so it is not the default.
const PIN = canPin && process.argv.includes('--pin')
function node (core: number, args: string[]): ChildProcess {
  const [command, argv] = pinned(PIN ? core : null, process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args])
  return spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
}
if (PIN) execFileSync('/usr/bin/taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' })

// The model servers run in their own processes, as they would beside a real proxy.
async function modelServer (model: string, version: string, core: number): Promise<{ url: string, child: ChildProcess }> {
  const child = node(core, ['model-server', '--model', model, '--version', version, '--port', '0'])
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve))
  return { url: (JSON.parse(line) as { url: string }).url, child }
}
const blue = await modelServer('logistic', 'v1', 0)
const green = await modelServer(process.env.SHADOW_GREEN_MODEL ?? 'forest', 'v2', 1)
// switchyard in a process of its own too, as clients meet it: a client in switchyard's own event
// loop would wait for whatever switchyard does after answering (the mirror), which no real client
// does. The shadow is set through the admin API, as an operator would.
const proxy = node(0, ['serve', '--listen.host', '127.0.0.1', '--listen.port', '0', '--admin.port', '0',
  '--state.store', 'memory', '--upstreams.blue.url', blue.url, '--upstreams.green.url', green.url, '--log.level', 'info'])
const listening = await new Promise<{ proxy: string, admin: string }>((resolve) => {
  createInterface({ input: proxy.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const entry = JSON.parse(line) as { msg?: string, proxy: string, admin: string }
    if (entry.msg === 'switchyard listening') resolve(entry)
  })
})
const admin = new Pool(listening.admin, { connections: 1 })
async function shadow (method: 'GET' | 'POST', percent?: number): Promise<Record<string, number>> {
  const res = await admin.request({ method, path: '/admin/shadow', headers: { 'content-type': 'application/json' }, body: percent === undefined ? null : JSON.stringify({ percent }) })
  return await res.body.json() as Record<string, number>
}
const client = new Pool(listening.proxy, { connections: CONNECTIONS })

// Settings go round in short blocks (0%, 100%, 0%, 100%...) through one long run, so the drift
// of a shared machine (and of the JIT and heap) falls on both alike; a run of separate
// measurements per setting showed +17% between two runs of the *same* setting. The 0% blocks
// are also split in two (even and odd) as an A/A control: their ratio is the noise floor.
const BLOCK = arg('block', 150)
type Group = 'off-a' | 'on' | 'off-b'
const CYCLE: Group[] = ['off-a', 'on', 'off-b', 'on']

async function measure (total: number): Promise<Record<Group, number[]>> {
  const times: Record<Group, number[]> = { 'off-a': [], on: [], 'off-b': [] }
  const pending: Array<Promise<void>> = []
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    const group = CYCLE[Math.floor(i / BLOCK) % CYCLE.length] as Group
    if (i % BLOCK === 0) await shadow('POST', group === 'on' ? 100 : 0)
    // Each request is due at its slot; a request sent late counts from its slot, so a stall is
    // not hidden, and one sent early (a timer fires up to a millisecond early) from its send.
    const due = started + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const sentAt = performance.now()
    pending.push(client.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: BODY })
      .then(async (res) => { await res.body.dump(); times[group].push(performance.now() - Math.min(due, sentAt)) }))
  }
  await Promise.all(pending)
  return times
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)] as number
await measure(BLOCK * CYCLE.length) // warm-up
const times = await measure(TOTAL)
await new Promise((resolve) => setTimeout(resolve, 500)) // let the last mirrors settle
// A new percent starts new evidence, so the counts are those of the last 100% block.
const report = await shadow('GET')
const off = [...times['off-a'], ...times['off-b']]
const summary = [
  { shadow: '0%', n: off.length, p50: quantile(off, 0.5), p99: quantile(off, 0.99) },
  { shadow: '100%', n: times.on.length, p50: quantile(times.on, 0.5), p99: quantile(times.on, 0.99) }
]
const ratio = (summary[1]?.p50 as number) / (summary[0]?.p50 as number)
const control = quantile(times['off-b'], 0.5) / quantile(times['off-a'], 0.5)
console.log(`shadow scenario: ${TOTAL} requests at ${RATE}/s in blocks of ${BLOCK} going round 0% / 100% / 0% / 100%, up to ${CONNECTIONS} connections; model servers in their own processes, switchyard and the load generator in two more; ${PIN ? 'standby model server alone on core 1, the rest on core 0 (taskset)' : 'not pinned'}; ${new Date().toISOString()}, node ${process.version}\n`)
console.log('| shadow | requests | client p50 ms | client p99 ms |')
console.log('|---|---|---|---|')
for (const row of summary) console.log(`| ${row.shadow} | ${row.n} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} |`)
console.log(`\np50 ratio (100% / 0%): **${ratio.toFixed(3)}** (target <= 1.05); A/A control (0% blocks, odd / even): ${control.toFixed(3)}; over the run: mirrored ${String(report.mirrored)}, compared ${String(report.compared)}, agreed ${String(report.agreed)}, dropped ${String(report.dropped)}`)
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/shadow.json', JSON.stringify({ date: new Date().toISOString(), node: process.version, pinned: PIN, greenModel: process.env.SHADOW_GREEN_MODEL ?? 'forest', rate: RATE, requests: TOTAL, block: BLOCK, summary, ratio, control, shadow: { mirrored: report.mirrored, compared: report.compared, agreed: report.agreed, dropped: report.dropped } }, null, 2) + '\n')
await client.close()
await admin.close()
proxy.kill('SIGTERM')
blue.child.kill('SIGTERM')
green.child.kill('SIGTERM')
