// The plan of a chaos phase, drawn from the seed before anything starts: when each fault comes,
// which kind, and its parameters. The same seed, duration and store give the same plan; which
// colour a fault hits is read from switchyard at that moment (the active or the standby one).
import type { Random } from './prng.js'

/** Operations: one at a time, each waiting for the one before (a kill never races a switch). */
export type OperationKind = 'switch' | 'rollback' | 'standby-kill' | 'proxy-restart' | 'redis-restart'
/** Misbehaviour of the active colour's upstream, for a while. */
export type UpstreamFaultKind = 'slow-active' | 'cut-mid-body' | 'cut-before-answer'

export interface PlannedOperation {
  at: number
  kind: OperationKind
  /** standby-kill and redis-restart: how long the process stays down. */
  downMs?: number
  /** switch and rollback: which switchyard is asked (index). */
  via?: number
}

export interface PlannedUpstreamFault {
  at: number
  kind: UpstreamFaultKind
  durationMs: number
  /** slow-active */
  delayMs?: number
  /** cut-*: share of model requests whose connection is cut */
  share?: number
}

export interface Plan {
  operations: PlannedOperation[]
  upstreamFaults: PlannedUpstreamFault[]
}

export interface PlanOptions {
  durationMs: number
  store: 'file' | 'redis'
  replicas: number
  proxyTimeoutMs: number
}

export function plan (random: Random, options: PlanOptions): Plan {
  const ops = random.fork(1)
  const ups = random.fork(2)
  const operations: PlannedOperation[] = []
  const weights: Record<OperationKind, number> = options.store === 'file'
    ? { switch: 4, rollback: 2, 'standby-kill': 2, 'proxy-restart': 1, 'redis-restart': 0 }
    : { switch: 4, rollback: 2, 'standby-kill': 2, 'proxy-restart': 0, 'redis-restart': 2 }
  // Proxy restarts only in the first half: the last process then lives through at least half
  // the chaos, and its fds and memory at the end say something about leaks.
  const restartsUntil = options.durationMs / 2
  // Every kind comes once first (the store's own restart first, while it is early enough), then
  // the weights decide: a short run (CI's 30 s) still sees each fault at least once.
  const store: OperationKind = options.store === 'file' ? 'proxy-restart' : 'redis-restart'
  const first = [store, ...shuffle(ops, (['switch', 'rollback', 'standby-kill'] as OperationKind[]))]
  let at = ops.between(1_000, 2_500)
  while (at < options.durationMs - 1_000) {
    let kind = first.shift() ?? ops.weighted(weights)
    if (kind === 'proxy-restart' && at > restartsUntil) kind = 'switch'
    const op: PlannedOperation = { at: Math.round(at), kind }
    if (kind === 'standby-kill') op.downMs = Math.round(ops.between(300, 3_000))
    if (kind === 'redis-restart') op.downMs = Math.round(ops.between(1_000, 6_000))
    if (kind === 'switch' || kind === 'rollback') op.via = ops.int(0, options.replicas - 1)
    operations.push(op)
    at += ops.between(1_500, 4_500)
  }
  const upstreamFaults: PlannedUpstreamFault[] = []
  const t = options.proxyTimeoutMs
  const firstFaults = shuffle(ups, ['slow-active', 'cut-mid-body', 'cut-before-answer'] as UpstreamFaultKind[])
  // Delays below and above proxy.timeout (only the ones above may end in 504s): above first.
  const firstDelays = [ups.pick([1.5, 2.5]), ups.pick([0.2, 0.5])]
  at = ups.between(500, 2_000)
  while (at < options.durationMs - 1_500) {
    const kind = firstFaults.shift() ?? ups.weighted<UpstreamFaultKind>({ 'slow-active': 1, 'cut-mid-body': 1, 'cut-before-answer': 1 })
    const fault: PlannedUpstreamFault = { at: Math.round(at), kind, durationMs: Math.round(ups.between(1_000, 5_000)) }
    if (kind === 'slow-active') fault.delayMs = Math.round((firstDelays.shift() ?? ups.pick([0.2, 0.5, 1.5, 2.5])) * t)
    else fault.share = ups.pick([0.05, 0.2, 0.5, 1])
    upstreamFaults.push(fault)
    at += fault.durationMs + ups.between(500, 4_000)
  }
  return { operations, upstreamFaults }
}

/** A seeded Fisher-Yates shuffle (a copy). */
function shuffle<T> (random: Random, items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i)
    const x = out[i] as T
    out[i] = out[j] as T
    out[j] = x
  }
  return out
}
