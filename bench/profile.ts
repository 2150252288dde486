// Profiles switchyard under the throughput load: the switchyard child runs with --cpu-prof into a
// folder in /tmp, the load runs (warm-up + duration), switchyard exits normally (so the profile
// gets written), and the top self-time functions of the measured run are printed and saved.
//   node --import tsx bench/profile.ts [--duration 10] [--warmup 3] [--tool wrk|autocannon]
//     [--candidates node-floor]   (another Node candidate, to compare with switchyard's profile)
//     [--scenario big-body]       (send --body-mib MiB bodies instead of the small invocation)
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bigBody, SMALL, writeBody } from './body.js'
import { allCandidates } from './candidates.js'
import { summarise, summaryMarkdown, type Window } from './lib/cpuprofile.js'
import { UPSTREAM_CORE } from './lib/cores.js'
import { killChildrenOnSignal, startNode } from './lib/spawn.js'
import { runLoad } from './load/index.js'
import { readOptions } from './options.js'

const options = readOptions(process.argv.slice(2), process.env)
const name = options.candidates[0] ?? 'switchyard'
const candidate = allCandidates().find((c) => c.name === name)
if (candidate?.start == null || name === 'nginx') throw new Error(`${name} is not a Node candidate`)
const startCandidate = candidate.start
const big = options.scenarios.length === 1 && options.scenarios[0] === 'big-body'
const dir = mkdtempSync(join(tmpdir(), 'switchyard-prof-'))
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-bench-'))
killChildrenOnSignal(() => rmSync(tmp, { recursive: true, force: true }))
const upstream = await startNode('upstream.ts', { core: UPSTREAM_CORE })
const now = (): number => Number(process.hrtime.bigint() / 1000n)
let window: Window | null = null
try {
  const proxy = await startCandidate(upstream, ['--cpu-prof', '--cpu-prof-dir', dir])
  try {
    const body = big ? bigBody(options.bodyMib * 1024 * 1024) : SMALL
    const load = { url: proxy.url, connections: options.connections, bodyFile: writeBody(tmp, 'body.json', body) }
    await runLoad(options.tool, { ...load, duration: options.warmup }, tmp)
    const from = now()
    const result = await runLoad(options.tool, { ...load, duration: options.duration }, tmp)
    window = { from, to: now() }
    process.stderr.write(`[profile] ${name}: ${result.rps.toFixed(0)} req/s under --cpu-prof (${options.tool})\n`)
  } finally {
    await proxy.stop()
  }
} finally {
  await upstream.stop()
  rmSync(tmp, { recursive: true, force: true })
}

// The main thread's profile is the big one (tsx's loader thread may write a small one too).
const profiles = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).map((name) => join(dir, name))
if (profiles.length === 0) throw new Error(`no .cpuprofile in ${dir}`)
const file = profiles.sort((a, b) => statSync(b).size - statSync(a).size)[0]
// Start-up (module loading under tsx) and the warm-up would otherwise take a good share.
const summary = summarise(file, 15, window)
console.log(summaryMarkdown(summary))
const results = fileURLToPath(new URL('results/', import.meta.url))
mkdirSync(results, { recursive: true })
writeFileSync(join(results, `${new Date().toISOString().slice(0, 16).replace(':', '')}-profile-${name}${big ? '-big-body' : ''}.json`), JSON.stringify(summary, null, 2) + '\n')
