import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client'
import { COLOURS, type Colour } from '../colour.js'
import { NOTIFY_EVENTS } from '../config/schema.js'
import { ColourCounter, ColourHistogram } from './request-metrics.js'

export const OUTCOMES = ['ok', 'client_error', 'server_error', 'connection_error', 'timeout', 'shielded'] as const
export type Outcome = typeof OUTCOMES[number]

/** The upstream failed (5xx, no connection, no answer in time): what error rates count. */
export function isFailure (outcome: Outcome): boolean {
  return outcome === 'server_error' || outcome === 'connection_error' || outcome === 'timeout'
}

/** Inference takes milliseconds to a minute: buckets from 5 ms to 60 s. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export interface MetricSources {
  active: () => Colour
  version: () => number
  inflight: (colour: Colour) => number
  healthy: (colour: Colour) => boolean | null
  /** False while a shared state store (Redis) is out of reach; absent: always in sync. */
  synced?: () => boolean
}

type Bound<T> = Record<Colour, T>

export interface Metrics {
  /** Pre-bound children: the request path never looks up a label set. */
  requests: Bound<Record<Outcome, { inc: () => void }>>
  duration: Bound<{ observe: (seconds: number) => void }>
  switches: Counter<'by'>
  rollbacks: Counter<'reason'>
  /** Webhook deliveries given up on (after the retries, or dropped because the queue was full). */
  webhookFailures: Counter<'event'>
}

/** Every metric, registered in the registry passed in (never the global one), labels bound once. */
export function createMetrics (registry: Registry, sources: MetricSources, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registers = [registry]
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry })

  // Plain numbers on the request path, read at scrape time (see request-metrics.ts).
  const requestsTotal = new ColourCounter(registry, 'switchyard_requests_total', 'Proxied requests by colour and outcome', 'outcome', OUTCOMES)
  const durationSeconds = new ColourHistogram(registry, 'switchyard_request_duration_seconds', 'Time from request arrival to the upstream answer headers, by colour', DURATION_BUCKETS)
  new Gauge({
    name: 'switchyard_inflight_requests',
    help: 'Requests in flight to each colour',
    labelNames: ['colour'] as const,
    registers,
    collect () {
      for (const colour of COLOURS) this.set({ colour }, sources.inflight(colour))
    }
  })
  new Gauge({
    name: 'switchyard_upstream_healthy',
    help: '1 when the colour\'s upstream passes its health probe, 0 when not (absent until probed)',
    labelNames: ['colour'] as const,
    registers,
    collect () {
      for (const colour of COLOURS) {
        const healthy = sources.healthy(colour)
        if (healthy !== null) this.set({ colour }, healthy ? 1 : 0)
      }
    }
  })
  new Gauge({
    name: 'switchyard_active_colour',
    help: '1 for the colour that receives live traffic, 0 for the other',
    labelNames: ['colour'] as const,
    registers,
    collect () {
      const active = sources.active()
      for (const colour of COLOURS) this.set({ colour }, colour === active ? 1 : 0)
    }
  })
  new Gauge({
    name: 'switchyard_state_version',
    help: 'Version of the deployment state; grows with every change',
    registers,
    collect () {
      this.set(sources.version())
    }
  })
  new Gauge({
    name: 'switchyard_state_synced',
    help: '1 when this replica holds the newest shared state (always, for the file and memory stores), 0 while it cannot reach Redis',
    registers,
    collect () {
      this.set(sources.synced === undefined || sources.synced() ? 1 : 0)
    }
  })
  const switches = new Counter({
    name: 'switchyard_switches_total',
    help: 'Changes of the active colour, by who made them',
    labelNames: ['by'] as const,
    registers
  })
  const rollbacks = new Counter({
    name: 'switchyard_rollbacks_total',
    help: 'Rollbacks, by reason kind',
    labelNames: ['reason'] as const,
    registers
  })

  const webhookFailures = new Counter({
    name: 'switchyard_webhook_failures_total',
    help: 'Webhook deliveries given up on (after the retries, or dropped with the queue full), by event',
    labelNames: ['event'] as const,
    registers
  })
  for (const event of NOTIFY_EVENTS) webhookFailures.labels(event).inc(0)

  const bindOutcomes = (colour: Colour): Record<Outcome, { inc: () => void }> => {
    const out = {} as Record<Outcome, { inc: () => void }>
    // Every series is present from the first scrape, so rate() sees it start at 0.
    for (const outcome of OUTCOMES) out[outcome] = requestsTotal.bind(colour, outcome)
    return out
  }
  return {
    requests: { blue: bindOutcomes('blue'), green: bindOutcomes('green') },
    duration: { blue: durationSeconds.bind('blue'), green: durationSeconds.bind('green') },
    switches,
    rollbacks,
    webhookFailures
  }
}
