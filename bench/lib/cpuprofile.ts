// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and adds up time by function: self time
// (the function was on top of the stack) and total time (it was anywhere on the stack), plus self
// time by package, which says at a glance whose code the CPU went to.
import { readFileSync } from 'node:fs'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface Entry {
  name: string
  ms: number
  percent: number
}

/** Microseconds on the monotonic clock (process.hrtime), which V8 stamps samples with on Linux. */
export interface Window {
  from: number
  to: number
}

export interface ProfileSummary {
  file: string
  /** Only the samples in this window were counted (the measured run, not start-up or warm-up). */
  window: Window | null
  totalMs: number
  samples: number
  self: Entry[]
  total: Entry[]
  packages: Entry[]
}

const ROOT = process.cwd() + '/'

/** `src/traffic/forward.ts`, `undici/lib/...`, `node:internal/...`; '' for V8's own entries. */
function shortUrl (url: string): string {
  const path = url.replace(/^file:\/\//, '')
  const inModules = path.lastIndexOf('/node_modules/')
  if (inModules !== -1) return path.slice(inModules + '/node_modules/'.length)
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path
}

function packageOf (frame: CallFrame): string {
  const url = shortUrl(frame.url)
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(V8 / native)'
  if (url.startsWith('node:')) return 'node core'
  if (url.startsWith('src/')) return 'switchyard src/'
  if (url.startsWith('bench/')) return 'bench harness'
  const parts = url.split('/')
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
}

function keyOf (frame: CallFrame): string {
  const url = shortUrl(frame.url)
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
  // Line and column of the code V8 ran: under tsx a whole module can sit on line 1, and the
  // column is what tells its anonymous functions apart.
  return url === '' ? name : `${name} ${url}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`
}

export function summarise (file: string, top = 15, window: Window | null = null): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const packages = new Map<string, number>()
  const add = (map: Map<string, number>, key: string, us: number): void => { map.set(key, (map.get(key) ?? 0) + us) }
  let totalUs = 0
  let samples = 0
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time since the previous sample: charge it to this one.
    const us = profile.timeDeltas[i] ?? 0
    at += us
    if (window !== null && (at < window.from || at > window.to)) return
    samples++
    totalUs += us
    const node = byId.get(id) as ProfileNode
    add(self, keyOf(node.callFrame), us)
    add(packages, packageOf(node.callFrame), us)
    // Total time: each function once per sample, however deep its recursion.
    const seen = new Set<string>()
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const key = keyOf((byId.get(up) as ProfileNode).callFrame)
      if (!seen.has(key)) add(total, key, us)
      seen.add(key)
    }
  })
  const entries = (map: Map<string, number>, n: number): Entry[] => [...map]
    .filter(([name]) => name !== '(root)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: us / totalUs * 100 }))
  return {
    file,
    window,
    totalMs: totalUs / 1000,
    samples,
    self: entries(self, top),
    total: entries(total, top * 2),
    packages: entries(packages, top)
  }
}

export function summaryMarkdown (s: ProfileSummary): string {
  const table = (title: string, rows: Entry[]): string => [
    `| ${title} | ms | % |`, '| --- | --- | --- |',
    ...rows.map((e) => `| \`${e.name}\` | ${e.ms.toFixed(0)} | ${e.percent.toFixed(1)} |`)
  ].join('\n')
  return [
    `Profile ${s.file}: ${s.samples} samples, ${(s.totalMs / 1000).toFixed(1)} s${s.window === null ? ' (whole process)' : ' (the measured run only)'}`,
    table('self time by function', s.self),
    table('self time by package', s.packages),
    table('total time (self + callees) by function', s.total)
  ].join('\n\n')
}
