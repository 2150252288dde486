// The rollback decision as a pure function: plain data in, plain data out, no clock, no sockets.
import type { WindowSummary } from './window.js'

export interface GuardPolicy {
  minRequests: number
  maxErrorRate: number
  consecutiveFailures: number | null
  max4xxIncrease: number | null
  maxLatencyP99: number | null
  latencyFactor: number | null
}

/** The previous colour's figures, taken the moment before the switch. */
export interface Baseline {
  requests: number
  clientErrorRate: number
  p99Ms: number | null
}

export type TripKind = 'consecutive_failures' | 'error_rate' | 'client_errors' | 'latency_p99' | 'latency_factor'

export type Decision = { trip: false } | { trip: true, kind: TripKind, reason: string }

const KEEP: Decision = { trip: false }

function fixed (n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2)
}

/**
 * Should the colour under watch be rolled back? `window` is its summary since the switch,
 * `consecutive` its failures in a row, `elapsedMs` the time since the switch.
 */
export function shouldRollBack (window: WindowSummary, consecutive: number, baseline: Baseline | null, policy: GuardPolicy, elapsedMs: number): Decision {
  // Built only for a trip: this runs on every answer of the watched colour.
  const over = (): string => `over ${window.requests} requests in ${(elapsedMs / 1000).toFixed(1)} s`
  // A run of failures is evidence on its own, before minRequests (as Envoy's outlier detection).
  if (policy.consecutiveFailures !== null && consecutive >= policy.consecutiveFailures) {
    return { trip: true, kind: 'consecutive_failures', reason: `${consecutive} failures in a row >= ${policy.consecutiveFailures} (${(elapsedMs / 1000).toFixed(1)} s after the switch)` }
  }
  if (window.requests < policy.minRequests) return KEEP
  if (window.errorRate >= policy.maxErrorRate) {
    return { trip: true, kind: 'error_rate', reason: `error rate ${fixed(window.errorRate)} >= ${fixed(policy.maxErrorRate)} ${over()}` }
  }
  if (policy.max4xxIncrease !== null) {
    // MLflow answers 400 when predict() throws, so a broken model looks like client errors.
    const before = baseline?.clientErrorRate ?? 0
    if (window.clientErrorRate - before > policy.max4xxIncrease) {
      return { trip: true, kind: 'client_errors', reason: `4xx rate ${fixed(window.clientErrorRate)} is more than ${fixed(policy.max4xxIncrease)} above the previous colour's ${fixed(before)} ${over()}` }
    }
  }
  if (window.p99Ms !== null) {
    if (policy.maxLatencyP99 !== null && window.p99Ms >= policy.maxLatencyP99) {
      return { trip: true, kind: 'latency_p99', reason: `p99 ${fixed(window.p99Ms)} ms >= ${fixed(policy.maxLatencyP99)} ms ${over()}` }
    }
    if (policy.latencyFactor !== null && baseline !== null && baseline.p99Ms !== null && baseline.requests >= policy.minRequests &&
      window.p99Ms >= policy.latencyFactor * baseline.p99Ms) {
      return { trip: true, kind: 'latency_factor', reason: `p99 ${fixed(window.p99Ms)} ms >= ${fixed(policy.latencyFactor)} x the previous colour's ${fixed(baseline.p99Ms)} ms ${over()}` }
    }
  }
  return KEEP
}

/** Whether the policy needs latency figures at all (a p99 costs a walk over the buckets). */
export function needsLatency (policy: GuardPolicy): boolean {
  return policy.maxLatencyP99 !== null || policy.latencyFactor !== null
}
