// The bench's settings: flags first, then BENCH_* environment variables, then the defaults.
//   npm run bench -- --scenario throughput,fixed-rate --duration 5 --repeats 3
import { parseArgs } from 'node:util'
import { defaultTool, type Tool } from './load/index.js'

export const SCENARIOS = ['throughput', 'fixed-rate', 'big-body', 'leak', 'shadow', 'rollback', 'redis-propagation'] as const
export type Scenario = typeof SCENARIOS[number]

export interface Options {
  scenarios: Scenario[]
  /** Seconds per measured run. */
  duration: number
  /** Seconds of load before each measured run, not counted. */
  warmup: number
  repeats: number
  connections: number
  tool: Tool
  /** Candidate names to run in the throughput scenario; empty means all available. */
  candidates: string[]
  /** fixed-rate: requests per second. */
  rate: number
  /** big-body: the large body, in MiB. */
  bodyMib: number
  /** leak: requests in all, and a memory sample every this many. */
  leakRequests: number
  leakEvery: number
  /** Seconds to wait, before each run, for the shared machine to go quiet (0: don't). */
  quietWait: number
  /** A run in which other processes took more than this % of the proxy's core is run again... */
  maxNoise: number
  /** ...up to this many times in all; the quietest is kept. */
  attempts: number
}

const FLAGS = {
  scenario: { type: 'string', default: 'throughput,fixed-rate,big-body' },
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
  repeats: { type: 'string', default: '3' },
  connections: { type: 'string', default: '10' },
  tool: { type: 'string', default: '' },
  candidates: { type: 'string', default: '' },
  rate: { type: 'string', default: '1000' },
  'body-mib': { type: 'string', default: '5' },
  'leak-requests': { type: 'string', default: '1000000' },
  'leak-every': { type: 'string', default: '50000' },
  'quiet-wait': { type: 'string', default: '60' },
  'max-noise': { type: 'string', default: '15' },
  attempts: { type: 'string', default: '3' }
} as const

export function readOptions (argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true })
  // A flag given on the command line wins; else BENCH_DURATION and the like; else the default.
  const get = (name: keyof typeof FLAGS): string => {
    const given = argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))
    return given ? values[name] : env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? values[name]
  }
  const number = (name: keyof typeof FLAGS): number => {
    const value = Number(get(name))
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${get(name)}`)
    return value
  }
  const list = (name: keyof typeof FLAGS): string[] => get(name).split(',').map((s) => s.trim()).filter((s) => s !== '')
  const scenarios = list('scenario')
  for (const scenario of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(scenario)) throw new Error(`unknown scenario ${scenario}; one of ${SCENARIOS.join(', ')}`)
  }
  const tool = get('tool') === '' ? defaultTool() : get('tool')
  if (tool !== 'wrk' && tool !== 'autocannon') throw new Error(`--tool must be wrk or autocannon, got ${tool}`)
  return {
    scenarios: scenarios as Scenario[],
    duration: number('duration'),
    warmup: get('warmup') === '0' ? 0 : number('warmup'),
    repeats: number('repeats'),
    connections: number('connections'),
    tool,
    candidates: list('candidates'),
    rate: number('rate'),
    bodyMib: number('body-mib'),
    leakRequests: number('leak-requests'),
    leakEvery: number('leak-every'),
    quietWait: get('quiet-wait') === '0' ? 0 : number('quiet-wait'),
    maxNoise: number('max-noise'),
    attempts: number('attempts')
  }
}
