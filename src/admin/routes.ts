import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { COLOURS, type Colour } from '../colour.js'
import { TARGET_UNHEALTHY } from '../errors.js'
import type { Metrics } from '../metrics/metrics.js'
import type { Deployment } from '../state/deployment.js'
import type { DeploymentState } from '../state/types.js'
import type { Guard } from '../guard/guard.js'
import type { HealthChecker } from '../upstreams/health.js'
import type { Upstream } from '../upstreams/upstream.js'
import { actorOf, requireTokenHook, type AdminAuth } from './auth.js'
import { checkGate, type TrafficDeps } from './traffic-routes.js'
import { parseHistoryQuery, parseRollbackBody, parseSwitchBody } from './validate.js'

export interface AdminDeps {
  deployment: Deployment
  health: HealthChecker
  guard: Guard
  upstreams: Record<Colour, Upstream>
  registry: Registry
  metrics: Metrics
  /** The tokens in force and the bound on failed checks. */
  auth: AdminAuth
  /** False while the process shuts down: /readyz answers 503 so load balancers move away. */
  isAccepting: () => boolean
  /** Shadow gate and progressive switches, when wired. */
  traffic?: TrafficDeps
  /** The smoke gate: resolves when the colour passes its smoke requests, throws SMOKE_FAILED (412) if not. */
  smoke?: (colour: Colour) => Promise<unknown>
  /** The model registry alias sync, for status; null or absent when none is configured. */
  modelRegistry?: { status (): unknown } | null
}

export function statusBody (deps: Pick<AdminDeps, 'deployment' | 'health' | 'upstreams' | 'guard' | 'traffic' | 'modelRegistry'>): Record<string, unknown> {
  const state = deps.deployment.state
  const upstreams: Record<string, unknown> = {}
  for (const colour of COLOURS) {
    const health = deps.health.statuses[colour]
    const report = deps.health.reports[colour]
    upstreams[colour] = {
      url: deps.upstreams[colour].url,
      kind: report.kind,
      ready: report.ready,
      version: report.version,
      active: colour === state.active,
      failed: colour === state.failed,
      healthy: health.healthy,
      inflight: deps.upstreams[colour].inflight,
      lastProbeAt: health.lastProbeAt,
      lastError: health.lastError,
      latencyMs: health.latencyMs
    }
  }
  // Safe to stop the previous colour once the bake is over and nothing is in flight to it.
  const previousDrained = state.previous === null ? null : deps.upstreams[state.previous].inflight === 0
  return {
    active: state.active,
    previous: state.previous,
    version: state.version,
    phase: state.phase,
    changedAt: state.changedAt,
    reason: state.reason,
    by: state.by,
    bakeUntil: state.bakeUntil,
    failed: state.failed,
    previousDrained,
    safeToStopPrevious: previousDrained === true && state.phase === 'stable',
    store: deps.deployment.store.kind,
    // False while a shared store (Redis) is out of reach: this replica serves its last-known state.
    synced: deps.deployment.store.synced ?? true,
    upstreams,
    guard: deps.guard.status(),
    canary: deps.traffic?.canary.status() ?? null,
    shadow: deps.traffic === undefined ? null : shadowSummary(deps.traffic.shadow.report()),
    registry: deps.modelRegistry?.status() ?? null
  }
}

function shadowSummary (report: Record<string, unknown>): Record<string, unknown> {
  const { disagreements: _omitted, ...summary } = report
  return summary
}

function changeBody (state: DeploymentState, changed: boolean): Record<string, unknown> {
  return { active: state.active, previous: state.previous, version: state.version, changed }
}

export function registerAdminRoutes (app: FastifyInstance, deps: AdminDeps): void {
  const requireToken = requireTokenHook(deps.auth)
  // Probed now, not from the last interval: a target that died a second ago must not win.
  const probeOrRefuse = async (colour: Colour): Promise<void> => {
    const probe = await deps.health.probe(colour)
    if (!probe.ok) throw TARGET_UNHEALTHY(colour, probe.error)
  }

  app.get('/healthz', async () => ({ ok: true }))

  app.get('/readyz', async (_request, reply) => {
    const active = deps.deployment.active
    const healthy = deps.health.statuses[active].healthy === true
    const accepting = deps.isAccepting()
    const ready = healthy && accepting
    reply.code(ready ? 200 : 503)
    return { ready, active, reason: !accepting ? 'shutting down' : healthy ? null : `active colour ${active} is not healthy` }
  })

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.registry.contentType)
    return deps.registry.metrics()
  })

  app.get('/admin/status', async () => statusBody(deps))

  app.post('/admin/switch', { preHandler: requireToken }, async (request, reply) => {
    const body = parseSwitchBody(request.body)
    const moving = body.to !== deps.deployment.state.active
    if (moving && !body.force) {
      if (deps.traffic !== undefined) checkGate(deps.traffic, body.to, body.gate)
      await probeOrRefuse(body.to)
      await deps.smoke?.(body.to)
    }
    if (moving && body.steps !== undefined && deps.traffic !== undefined) {
      const progress = await deps.traffic.canary.start(body.to, body.steps, body.stepInterval ?? 60_000, body.reason ?? `progressive switch to ${body.to}`, actorOf(request))
      reply.code(202)
      return { progress }
    }
    const result = await deps.deployment.switchTo(body.to, {
      reason: body.reason ?? `switch to ${body.to}`,
      by: 'operator',
      actor: actorOf(request),
      expectedVersion: body.expectedVersion
    })
    if (result.changed) deps.metrics.switches.labels('operator').inc()
    return changeBody(result.state, result.changed)
  })

  app.post('/admin/rollback', { preHandler: requireToken }, async (request) => {
    const body = parseRollbackBody(request.body)
    const previous = deps.deployment.state.previous
    if (previous !== null && !body.force) await probeOrRefuse(previous)
    const result = await deps.deployment.rollback({
      reason: body.reason ?? 'rollback by operator',
      by: 'operator',
      actor: actorOf(request),
      expectedVersion: body.expectedVersion
    })
    if (result.changed) {
      deps.metrics.switches.labels('operator').inc()
      deps.metrics.rollbacks.labels('operator').inc()
    }
    return changeBody(result.state, result.changed)
  })

  app.get('/admin/history', async (request) => {
    const { limit, offset } = parseHistoryQuery(request.query)
    const history = deps.deployment.state.history
    return { total: history.length, offset, limit, entries: history.slice(offset, offset + limit) }
  })
}
