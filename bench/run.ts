// The benchmark: `npm run bench -- [--scenario throughput,fixed-rate,big-body,leak] [--duration 10]
// [--warmup 3] [--repeats 3] [--connections 10] [--tool wrk|autocannon] [--candidates a,b]
// [--rate 1000] [--body-mib 5] [--leak-requests 1000000] [--leak-every 50000]
// [--quiet-wait 60] [--max-noise 15] [--attempts 3]`
// (or BENCH_DURATION=5 and the like). Starts one upstream, runs each scenario, prints Markdown to
// stdout (progress to stderr) and writes bench/results/<date>-<scenario>.json and latest.json.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SMALL, writeBody } from './body.js'
import { UPSTREAM_CORE } from './lib/cores.js'
import { canPin, killChildrenOnSignal, startNode } from './lib/spawn.js'
import { readOptions, type Scenario } from './options.js'
import { bigBodyTable, fixedRateTable, leakTable, machineLine, throughputTable, type Machine } from './report.js'
import { bigBodies } from './scenarios/big-body.js'
import type { Context } from './scenarios/context.js'
import { fixedRate } from './scenarios/fixed-rate.js'
import { leak } from './scenarios/leak.js'
import { throughput } from './scenarios/throughput.js'

const RESULTS = fileURLToPath(new URL('results/', import.meta.url))

const options = readOptions(process.argv.slice(2), process.env)
const machine: Machine = {
  date: new Date().toISOString(),
  node: process.version,
  nproc: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  pinned: canPin,
  ...gitState()
}

/** The commit under test; BENCH_COMMIT names it when the bench runs from an exported copy. */
function gitState (): { commit: string, srcDirty: boolean | null } {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    return { commit: git('rev-parse', '--short', 'HEAD'), srcDirty: git('status', '--porcelain', '--', 'src') !== '' }
  } catch {
    return { commit: process.env.BENCH_COMMIT ?? 'unknown', srcDirty: null }
  }
}

/** Runs one scenario; returns its JSON result and its Markdown. */
async function runScenario (scenario: Scenario, ctx: Context): Promise<{ result: unknown, markdown: string }> {
  switch (scenario) {
    case 'throughput': {
      const result = await throughput(ctx)
      return { result, markdown: throughputTable(result, options.repeats) }
    }
    case 'fixed-rate': {
      const result = await fixedRate(ctx)
      return { result, markdown: fixedRateTable(result, options.repeats) }
    }
    case 'big-body': {
      const result = await bigBodies(ctx)
      return { result, markdown: bigBodyTable(result, options.repeats) }
    }
    case 'leak': {
      const result = await leak(ctx)
      return { result, markdown: leakTable(result) }
    }
    case 'shadow':
    case 'rollback':
    case 'redis-propagation': {
      // Each prints its Markdown and writes its own JSON (bench/results/<name>.json).
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`${scenario}.ts`, import.meta.url))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      const markdown = `### ${scenario} (bench/${scenario}.ts)\n\n${out.trim()}`
      return { result: { script: `bench/${scenario}.ts`, markdown }, markdown }
    }
  }
}

// Each scenario's JSON is written as soon as it is done, so a later failure loses nothing.
const stamp = machine.date.slice(0, 16).replace(':', '') // 2026-11-26T0512
mkdirSync(RESULTS, { recursive: true })
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-bench-'))
killChildrenOnSignal(() => rmSync(tmp, { recursive: true, force: true }))
const upstream = await startNode('upstream.ts', { core: UPSTREAM_CORE })
const results: Record<string, unknown> = {}
const sections: string[] = [machineLine(machine, options.tool)]
try {
  const ctx: Context = { options, upstream, tmp, smallBody: writeBody(tmp, 'small.json', SMALL) }
  for (const scenario of options.scenarios) {
    const { result, markdown } = await runScenario(scenario, ctx)
    results[scenario] = result
    sections.push(markdown)
    writeFileSync(join(RESULTS, `${stamp}-${scenario}.json`), JSON.stringify({ machine, options, result }, null, 2) + '\n')
    process.stderr.write(markdown + '\n\n')
  }
} finally {
  await upstream.stop()
  rmSync(tmp, { recursive: true, force: true })
}

const report = sections.join('\n\n')
console.log(report)
writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify({ machine, options, results, markdown: report }, null, 2) + '\n')
