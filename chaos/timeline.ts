// The timeline of injected faults, and the rules that say which failure each fault may explain.
// A failure is expected only when a fault active at that moment, on that colour (or that
// switchyard), is documented to cause it; anything else is unexpected. A switch, a rollback, a
// standby restart and a Redis outage explain no failed request at all: they must lose nothing.
import type { RequestRecord } from './load.js'

export type FaultKind =
  | 'standby-kill' | 'slow-active' | 'cut-mid-body' | 'cut-before-answer'
  | 'switch' | 'rollback' | 'proxy-restart' | 'redis-restart'

export interface FaultRecord {
  id: number
  kind: FaultKind
  /** The colour it hit (upstream faults), or the colour a switch asked for. */
  colour: string | null
  /** The switchyard it hit (proxy restart) or was sent to (switch, rollback). */
  target: string | null
  /** ms on the run's clock. */
  start: number
  /** When it was lifted (for a kill or restart: when the process was back); null while active. */
  end: number | null
  detail: Record<string, unknown>
  outcome: string | null
}

/** A change of the active colour, from a switchyard's log ('active colour changed'). */
export interface StateChange {
  at: number
  switchyard: string
  from: unknown
  to: unknown
  version: unknown
  /** 'switch' (bakes) or 'rollback' (never bakes). */
  kind: unknown
  by: unknown
  reason: unknown
  source: unknown
}

/** A switchyard's verdict on an upstream's health, from its log ('upstream health changed'). */
export interface HealthEvent {
  at: number
  switchyard: string
  colour: string
  healthy: boolean
}

export interface ShieldContext {
  changes: StateChange[]
  health: HealthEvent[]
  bakeMs: number
}

export interface Attribution {
  expected: boolean
  /** The fault that explains it, if any. */
  fault: FaultRecord | null
  /** Every fault active during the request, for the report. */
  during: FaultRecord[]
  /** Why it is (un)expected, in words. */
  rule: string
}

/** Grace periods, in ms, around a fault's window (documented in the README section). */
export const SLACK = {
  /** A killed upstream is probed healthy again within one probe after it listens. */
  afterUpstreamBack: 500,
  /** A request issued this long before SIGTERM may not have been read yet: the keep-alive close race. */
  beforeStop: 100,
  afterListen: 50,
  /** Redis back: the replicas reconnect (the client's backoff) before mutations work again. */
  afterRedisBack: 5_000
}

export class Timeline {
  readonly faults: FaultRecord[] = []
  #id = 0

  constructor (private readonly clock: () => number) {}

  begin (kind: FaultKind, fields: { colour?: string | null, target?: string | null, detail?: Record<string, unknown> } = {}): FaultRecord {
    const record: FaultRecord = {
      id: ++this.#id,
      kind,
      colour: fields.colour ?? null,
      target: fields.target ?? null,
      start: this.clock(),
      end: null,
      detail: fields.detail ?? {},
      outcome: null
    }
    this.faults.push(record)
    return record
  }

  end (record: FaultRecord, outcome?: string): void {
    record.end = this.clock()
    if (outcome !== undefined) record.outcome = outcome
  }

  /** Faults whose window overlaps [from, to]. */
  overlapping (from: number, to: number, slackAfter = 0): FaultRecord[] {
    return this.faults.filter((f) => f.start <= to && (f.end === null ? Infinity : f.end + slackAfter) >= from)
  }

  /** Explains one failed request, or says it is unexpected. */
  attribute (r: RequestRecord, proxyTimeoutMs: number, shield: ShieldContext): Attribution {
    const a = this.#explain(r, proxyTimeoutMs)
    if (!a.expected || r.cause !== 'switchyard-error' || (r.code !== 'SW_ERR_UPSTREAM_UNAVAILABLE' && r.code !== 'SW_ERR_UPSTREAM_TIMEOUT')) return a
    const missed = this.shieldMissed(r, shield)
    return missed === null ? a : { expected: false, fault: null, during: a.during, rule: missed }
  }

  /**
   * The shield's promise: during the bake after a switch, a request that fails on the new colour
   * (connection error, timeout) is answered by the previous colour, unless that colour is known
   * unhealthy; so are requests still in flight on it when the guard rolls back. A 502/504 naming
   * the new colour, sent inside its bake and failing while that bake (or the guard's rollback
   * from it) is still the latest change, with the previous colour healthy and not killed, breaks
   * it. Any other change in between (an operator's rollback back to it, say) ends the promise.
   * Returns why, or null.
   */
  shieldMissed (r: RequestRecord, shield: ShieldContext): string | null {
    const mine = shield.changes.filter((c) => c.switchyard === r.target)
    const last = mine.filter((c) => c.at <= r.start).pop()
    if (last === undefined || last.kind !== 'switch' || last.to !== r.colour) return null
    // Our clock reads each log line a little after the change: margins of 50 and 250 ms.
    if (r.start < last.at + 50 || r.start > last.at + shield.bakeMs - 250) return null
    const since = mine.filter((c) => c.at > last.at && c.at <= r.end + 250)
    if (since.length === 0) {
      if (r.end > last.at + shield.bakeMs - 250) return null
    } else {
      const only = since[0] as StateChange
      if (since.length > 1 || only.by !== 'guard' || only.from !== r.colour) return null
    }
    const previous = String(last.from)
    const verdicts = shield.health.filter((h) => h.switchyard === r.target && h.colour === previous && h.at <= r.end)
    if (verdicts.some((h) => h.at >= last.at - 2_000 && !h.healthy)) return null
    const lastVerdict = verdicts.pop()
    if (lastVerdict !== undefined && !lastVerdict.healthy) return null
    const killed = this.faults.some((f) => f.kind === 'standby-kill' && f.colour === previous && f.start <= r.end && (f.end ?? Infinity) + SLACK.afterUpstreamBack >= last.at - 2_000)
    if (killed) return null
    return `${r.status ?? '?'} from ${String(r.colour)}, sent ${((r.start - last.at) / 1000).toFixed(2)} s into its bake${since.length > 0 ? ' and failing after the guard rolled back from it' : ''}, with ${previous} healthy: the shield should have answered from ${previous}`
  }

  #explain (r: RequestRecord, proxyTimeoutMs: number): Attribution {
    const during = this.overlapping(r.start, r.end)
    const onColour = (kinds: FaultKind[], slackAfter = 0): FaultRecord | null =>
      this.overlapping(r.start, r.end, slackAfter).find((f) => kinds.includes(f.kind) && f.colour === r.colour) ?? null
    const restartOf = (from: number, to: number): FaultRecord | null =>
      this.faults.find((f) => f.kind === 'proxy-restart' && f.target === r.target && r.start >= f.start - from && r.start <= (f.end ?? Infinity) + to) ?? null
    const explained = (fault: FaultRecord | null, rule: string, otherwise: string): Attribution =>
      fault !== null ? { expected: true, fault, during, rule } : { expected: false, fault: null, during, rule: otherwise }

    switch (r.cause) {
      case 'switchyard-error':
        if (r.code === 'SW_ERR_UPSTREAM_UNAVAILABLE') {
          const killed = onColour(['standby-kill'], SLACK.afterUpstreamBack)
          if (killed !== null) return explained(killed, '502: the colour that answered was killed (a shielded retry on the previous colour, or traffic that reached it)', '')
          return explained(onColour(['cut-before-answer', 'cut-mid-body']), '502: the upstream connection was reset before the answer', '502 with no reset or kill on that colour')
        }
        if (r.code === 'SW_ERR_UPSTREAM_TIMEOUT') {
          const slow = this.overlapping(r.start, r.end).find((f) => f.kind === 'slow-active' && f.colour === r.colour && Number(f.detail.delayMs) >= proxyTimeoutMs) ?? null
          return explained(slow, '504: the colour was slower than proxy.timeout', '504 with no delay above proxy.timeout on that colour')
        }
        if (r.code === 'SW_ERR_SHUTTING_DOWN') {
          return explained(restartOf(SLACK.beforeStop, 0), '503: sent on an open connection while switchyard was stopping', '503 SHUTTING_DOWN outside a proxy restart')
        }
        return { expected: false, fault: null, during, rule: `${r.status ?? '?'} ${r.code ?? ''}: not a documented outcome of any injected fault` }
      case 'truncated-closed':
        return explained(onColour(['cut-mid-body']), 'truncated, connection closed: the upstream connection was cut mid-body', 'truncated answer with no mid-body cut on that colour')
      case 'conn-refused':
        return explained(restartOf(0, SLACK.afterListen), 'connection refused: between SIGTERM and the new process listening', 'connection refused outside a proxy restart')
      case 'conn-reset':
        return explained(restartOf(SLACK.beforeStop, SLACK.afterListen), 'connection reset: the keep-alive connection was closed by the stopping switchyard', 'connection reset outside a proxy restart')
      case 'client-timeout':
      case 'client-timeout-mid-body':
        return { expected: false, fault: null, during, rule: 'a hang: no answer within the client timeout' }
      case 'ok-invalid':
        return { expected: false, fault: null, during, rule: '2xx whose body does not parse or lacks x-switchyard-colour' }
      case 'http-other':
        return { expected: false, fault: null, during, rule: 'an error status without switchyard\'s error body' }
      default:
        return { expected: false, fault: null, during, rule: 'unclassified failure' }
    }
  }
}

/** The label a failure is counted under in the report. */
export function causeLabel (r: RequestRecord): string {
  switch (r.cause) {
    case 'switchyard-error': return `${r.status ?? '?'} ${r.code ?? ''}`
    case 'truncated-closed': return 'truncated answer, connection closed'
    case 'conn-refused': return 'connection refused'
    case 'conn-reset': return 'connection reset before the answer'
    case 'client-timeout': return 'client timeout, no answer (hang)'
    case 'client-timeout-mid-body': return 'client timeout mid-body (hang)'
    case 'ok-invalid': return '2xx, invalid body or no colour header'
    case 'http-other': return `${r.status ?? '?'} without a switchyard error body`
    default: return `other (${r.errorCode ?? r.message ?? '?'})`
  }
}
