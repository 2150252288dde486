// The chaos suite (issue #9): steady traffic through switchyard while model servers are killed,
// slowed and cut off mid-answer, switches and rollbacks fly, switchyard restarts and Redis goes
// away; every request is classified and every failure attributed to a fault or called unexpected.
//
//   node --import tsx chaos/run.ts [--duration 120s] [--rate 100] [--seed N] [--store file|redis|both]
//                                  [--out chaos/results] [--switchyard auto|dist|tsx] [--root DIR]
//
// Exits 1 on any unexpected failure, crash, hang or fd/memory growth beyond tolerance; 2 on bad usage.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parseDuration } from '../src/config/units.js'
import { runPhase, type PhaseResult, type Store } from './phase.js'
import { createRandom } from './prng.js'
import { childrenRunning, killAll, type SwitchyardCommand } from './processes.js'
import { json, judge, markdown, type RunInfo } from './report.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const PROXY_TIMEOUT_MS = 1_000
// Longest legitimate answer: proxy.timeout on the new colour, then the shield's retry on the
// previous one (another proxy.timeout); the rest is margin for a loaded machine.
const CLIENT_TIMEOUT_MS = 2 * PROXY_TIMEOUT_MS + 4_000

/** The config's own duration rule, but a bare number is seconds here. */
function duration (text: string, name: string): number {
  const trimmed = text.trim()
  const parsed = parseDuration(/^[\d.]+$/.test(trimmed) ? `${trimmed}s` : trimmed, `--${name}`)
  if (!parsed.ok) throw new Error(parsed.problem)
  return parsed.value
}

function newestMtime (dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/** How to start switchyard: the compiled bin (what `npm ci` builds) or the sources under tsx. */
function switchyardCommand (mode: string, root: string): SwitchyardCommand {
  const bin = join(root, 'bin', 'switchyard.js')
  const compiled = join(root, 'dist', 'cli', 'run.js')
  let use = mode
  if (mode === 'auto') {
    // dist/ only when it is at least as new as every source file: a stale build tests old code.
    use = existsSync(compiled) && statSync(compiled).mtimeMs >= newestMtime(join(root, 'src')) ? 'dist' : 'tsx'
  }
  if (use === 'dist') return { command: process.execPath, args: [bin], cwd: root, label: `node ${relative(process.cwd(), bin) || bin}` }
  if (use === 'tsx') return { command: process.execPath, args: ['--import', 'tsx', join(root, 'src', 'cli', 'run.ts')], cwd: root, label: `node --import tsx ${relative(process.cwd(), join(root, 'src', 'cli', 'run.ts'))}` }
  throw new Error(`--switchyard must be auto, dist or tsx (got ${JSON.stringify(mode)})`)
}

function commitOf (root: string): string {
  try {
    const head = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return dirty ? `${head} + uncommitted changes in src/` : head
  } catch {
    return `${root} (not a git checkout)`
  }
}

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '120s' },
      rate: { type: 'string', default: '100' },
      seed: { type: 'string' },
      store: { type: 'string', default: 'both' },
      out: { type: 'string', default: 'chaos/results' },
      switchyard: { type: 'string', default: 'auto' },
      root: { type: 'string', default: REPO },
      warmup: { type: 'string', default: '5s' },
      settle: { type: 'string', default: '15s' }
    }
  })
  const durationMs = duration(values.duration, 'duration')
  const rate = Number(values.rate)
  if (!Number.isFinite(rate) || rate <= 0 || rate > 2000) throw new Error('--rate must be a number of requests per second from 1 to 2000')
  const seed = values.seed === undefined ? randomBytes(4).readUInt32BE(0) : Number(values.seed)
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a whole number')
  const stores: Store[] = values.store === 'both' ? ['file', 'redis'] : values.store === 'file' || values.store === 'redis' ? [values.store] : []
  if (stores.length === 0) throw new Error('--store must be file, redis or both')
  const root = resolve(values.root)
  const sy = switchyardCommand(values.switchyard, root)
  const outDir = resolve(values.out)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')
  const logDir = join(outDir, `logs-${stamp}-seed${seed}`)
  mkdirSync(logDir, { recursive: true })
  const command = `node --import tsx chaos/run.ts ${process.argv.slice(2).join(' ')}`.trim()
  const log = (line: string): void => { process.stderr.write(`chaos: ${line}\n`) }
  const commit = commitOf(root)
  log(`seed ${seed} (rerun with --seed ${seed}); switchyard: ${sy.label} (${commit}); logs in ${relative(process.cwd(), logDir)}`)

  const t0 = performance.now()
  const clock = (): number => performance.now() - t0
  const random = createRandom(seed)
  const phases: PhaseResult[] = []
  const perPhase = Math.round(durationMs / stores.length)
  for (const store of stores) {
    if (interrupted) break
    phases.push(await runPhase({
      store,
      durationMs: perPhase,
      rate,
      random: random.fork(store === 'file' ? 100 : 200),
      clock,
      switchyard: sy,
      logDir,
      proxyTimeoutMs: PROXY_TIMEOUT_MS,
      clientTimeoutMs: CLIENT_TIMEOUT_MS,
      warmupMs: duration(values.warmup, 'warmup'),
      settleMs: duration(values.settle, 'settle'),
      token: randomBytes(16).toString('hex'),
      log,
      aborted: () => interrupted
    }))
  }
  const info: RunInfo = {
    command,
    seed,
    rate,
    durationMs,
    proxyTimeoutMs: PROXY_TIMEOUT_MS,
    clientTimeoutMs: CLIENT_TIMEOUT_MS,
    switchyard: sy.label,
    commit,
    node: process.version,
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    loadavg: loadavg()
  }
  const verdict = judge(phases)
  if (interrupted) verdict.reasons.unshift('interrupted: the run did not finish')
  if (interrupted) verdict.ok = false
  const md = markdown(info, phases, verdict)
  const base = join(outDir, `chaos-${stamp}-seed${seed}`)
  writeFileSync(`${base}.md`, md + '\n')
  writeFileSync(`${base}.json`, JSON.stringify(json(info, phases, verdict), null, 2) + '\n')
  process.stdout.write(md + '\n')
  log(`report: ${relative(process.cwd(), base)}.md and .json`)
  return verdict.ok ? 0 : 1
}

let interrupted = false
let signals = 0
const onSignal = (signal: NodeJS.Signals): void => {
  signals++
  interrupted = true
  if (signals === 1) {
    process.stderr.write(`chaos: ${signal}: stopping the faults, cleaning up (again to kill everything now)\n`)
    return
  }
  killAll()
  process.exit(130)
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// Whatever happens, no child outlives the run.
process.on('exit', () => { killAll() })

main().then((code) => {
  const left = childrenRunning()
  if (left.length > 0) {
    process.stderr.write(`chaos: children still running at the end (killed): ${left.join(', ')}\n`)
    killAll()
  }
  process.exitCode = code
}, (err: Error) => {
  process.stderr.write(`chaos: ${err.stack ?? err.message}\n`)
  killAll()
  process.exitCode = err.message.startsWith('--') ? 2 : 1
})
