import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { registerDashboard } from './admin/dashboard/index.js'
import { registerAdminRoutes } from './admin/routes.js'
import { COLOURS, type Colour } from './colour.js'
import type { Config } from './config/schema.js'
import { ADMIN_EXPOSED, AUTH_RATE_LIMITED, BAD_BODY, CONFIG_INVALID, INTERNAL, NOT_FOUND, PREVIEW_UNAUTHORIZED, SHUTTING_DOWN, SwitchyardError, UNKNOWN_COLOUR } from './errors.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { Timeline } from './metrics/timeline.js'
import { Notifier } from './notify/webhooks.js'
import { Deployment } from './state/deployment.js'
import { openStore } from './state/open-store.js'
import type { StateStore } from './state/types.js'
import { Forwarder, sendError } from './traffic/forward.js'
import { Canary } from './traffic/canary.js'
import { Router } from './traffic/router.js'
import { Shadow } from './traffic/shadow.js'
import { checkAuth, type AdminAuth } from './admin/auth.js'
import { AuthFailures } from './admin/auth-failures.js'
import { AdminTokens } from './admin/tokens.js'
import { listenerFactory, readTls, reloadTls, type ListenerLimits, type ListenerOptions } from './listener.js'
import { registerTrafficRoutes } from './admin/traffic-routes.js'
import { MetricsRecorder } from './traffic/record.js'
import { Guard } from './guard/guard.js'
import { HealthChecker } from './upstreams/health.js'
import { Upstream } from './upstreams/upstream.js'
import { kindProblems, probePlan, type ProbePlan } from './upstreams/kinds.js'
import { Smoke } from './smoke/smoke.js'
import { registerSmokeRoutes } from './smoke/routes.js'
import { openRegistrySync, registryProblems } from './registry/open.js'
import { registerRegistryRoutes } from './registry/routes.js'
import type { RegistrySync } from './registry/sync.js'

export interface BuildOptions {
  config: Config
  logger: Logger
  registry?: Registry
  /** Overrides the store named in config (tests pass a MemoryStore). */
  store?: StateStore
}

export interface Switchyard {
  config: Config
  /** The public listener: every request goes to a colour. */
  proxy: FastifyInstance
  /** The admin listener: status, switch, rollback, health, metrics. */
  admin: FastifyInstance
  deployment: Deployment
  health: HealthChecker
  guard: Guard
  canary: Canary
  shadow: Shadow
  upstreams: Record<Colour, Upstream>
  metrics: Metrics
  registry: Registry
  /** The smoke gate every switch passes (config `smoke`). */
  smoke: Smoke
  /** Moves the model registry alias after each change; null when no registry is configured. */
  modelRegistry: RegistrySync | null
  /** Stops taking traffic, lets requests in flight finish, then releases everything. */
  close (): Promise<void>
  /** Cuts every connection still open: for when close() has waited long enough. */
  destroy (): void
  /** SIGHUP: re-reads the admin tokens file and the TLS certificates; a broken file keeps what is in force. */
  reload (): void
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/

export function isLoopback (host: string): boolean {
  return LOOPBACK.test(host)
}

/** Wires the listeners, state, upstreams and health checks. It never listens itself. */
export async function build (options: BuildOptions): Promise<Switchyard> {
  const { config, logger } = options
  const tokens = new AdminTokens({ ...config.admin, logger })
  if (!isLoopback(config.admin.host) && !tokens.required) throw ADMIN_EXPOSED(config.admin.host)
  if (!isLoopback(config.admin.host) && config.admin.tls.cert === null) {
    logger.warn({ host: config.admin.host }, 'the admin API listens on a non-loopback address without TLS: its tokens cross the network in clear (set admin.tls)')
  }
  const auth: AdminAuth = { tokens, failures: new AuthFailures({ limit: config.admin.authFailures.limit, windowMs: config.admin.authFailures.window }) }
  // Read now, so a certificate that went missing since the config was loaded stops start-up.
  const proxyTls = readTls(config.listen.tls, 'listen')
  const adminTls = readTls(config.admin.tls, 'admin')
  // The admin API takes the same timeouts, and its own connection bound.
  const { headersTimeout, requestTimeout, keepAliveTimeout, maxConnections, maxRequestsPerSocket } = config.listen
  const limits: ListenerLimits = { headersTimeout, requestTimeout, keepAliveTimeout, maxConnections, maxRequestsPerSocket }
  // Upstream kinds and registry sync: settings that only make sense together.
  const together = [...COLOURS.flatMap((colour) => kindProblems(colour, config.upstreams[colour])), ...registryProblems(config)]
  if (together.length > 0) throw CONFIG_INVALID(together.join('\n'))

  const registry = options.registry ?? new Registry()
  const store = options.store ?? await openStore(config.state, logger)
  let deployment: Deployment
  try {
    deployment = await Deployment.open(store, { initial: config.active, historyLimit: config.state.historyLimit, bakeMs: config.rollback.bake })
  } catch (err) {
    await store.close()
    throw err
  }

  const upstreams = {} as Record<Colour, Upstream>
  const plans = {} as Record<Colour, ProbePlan>
  for (const colour of COLOURS) {
    const upstream = config.upstreams[colour]
    upstreams[colour] = new Upstream({
      colour,
      url: upstream.url,
      connections: config.proxy.connections,
      keepAliveTimeout: config.proxy.keepAliveTimeout,
      connectTimeout: config.proxy.connectTimeout
    })
    plans[colour] = probePlan({ kind: upstream.kind, model: upstream.model, path: upstream.healthPath ?? config.health.path, readyStatus: upstream.readyStatus })
  }
  const health = new HealthChecker(upstreams, plans, config.health)

  const metrics = createMetrics(registry, {
    active: () => deployment.active,
    version: () => deployment.state.version,
    inflight: (colour) => upstreams[colour].inflight,
    healthy: (colour) => health.statuses[colour].healthy,
    synced: () => store.synced ?? true
  })

  deployment.on('change', (state, before, source) => {
    const entry = state.history[0]
    // The switch's own version: a change of traffic settings may have come in with it.
    logger.info({ from: before.active, to: state.active, version: entry?.version ?? state.version, reason: state.reason, by: state.by, actor: entry?.actor ?? state.by, kind: entry?.kind, source }, 'active colour changed')
  })
  health.on('change', (colour, healthy, status) => {
    logger[healthy ? 'info' : 'warn']({ colour, healthy, error: status.lastError }, 'upstream health changed')
  })

  const rollback = config.rollback
  // Observability: the per-second timeline the dashboard draws counts what the metrics count.
  const timeline = new Timeline({ active: () => deployment.active })
  const guard = new Guard({ deployment, health, metrics, logger, inner: timeline.wrap(new MetricsRecorder(metrics)) }, {
    enabled: rollback.enabled,
    windowMs: rollback.window,
    policy: rollback,
    shield: rollback.shield
  })
  const shadow = new Shadow(upstreams, registry, config.shadow)
  // The shadow percent is shared like the canary weight: whichever replica was asked, all follow.
  shadow.percent = deployment.traffic.shadowPercent
  deployment.on('traffic', (traffic) => { shadow.percent = traffic.shadowPercent })
  const router = new Router(deployment, { preview: config.preview, stickyHeader: config.canary.stickyHeader, diverter: guard })
  const canary = new Canary({ router, guard, deployment, logger })
  const forwarder = new Forwarder(upstreams, guard, guard, shadow, {
    timeout: config.proxy.timeout,
    bodyLimit: config.proxy.bodyLimit,
    // Bodies up to the shield's cap are buffered: the fastest way to forward, and retryable.
    bufferLimit: Math.min(config.proxy.bodyLimit, rollback.shield.maxBodyBytes),
    proto: proxyTls === null ? 'http' : 'https'
  })
  const proxy = buildProxy(forwarder, router, config, logger, auth, { name: 'public', limits, tls: proxyTls, logger })

  let accepting = true
  const admin = buildAdmin(logger, { name: 'admin', limits: { ...limits, maxConnections: config.admin.maxConnections, maxRequestsPerSocket: null }, tls: adminTls, logger })
  const traffic = { deployment, canary, shadow, auth, gate: config.shadow.gate }
  // Smoke gate and registry sync: a switch runs the smoke requests first; the alias follows after.
  const smoke = new Smoke(upstreams, config.smoke, logger)
  const modelRegistry = openRegistrySync(config, { registry, logger, env: process.env })
  registerAdminRoutes(admin, { deployment, health, guard, upstreams, registry, metrics, auth, isAccepting: () => accepting, traffic, smoke: (colour) => smoke.check(colour), modelRegistry })
  registerSmokeRoutes(admin, { smoke, auth })
  registerRegistryRoutes(admin, { sync: modelRegistry, deployment, auth })
  registerTrafficRoutes(admin, traffic)
  // Observability: the dashboard (GET /, /admin/timeline, /admin/events) and the webhooks, which
  // only queue from the event handlers: nothing on the request path waits for a receiver.
  registerDashboard(admin, { deployment, health, guard, upstreams, timeline, tokenRequired: tokens.required })
  const notifier = new Notifier({ ...config.notify, logger, failures: metrics.webhookFailures })
  notifier.watch({ deployment, guard, health })

  await health.start()
  tokens.watch()
  modelRegistry?.watch(deployment)
  void modelRegistry?.check(deployment.active)

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    closing ??= (async () => {
      accepting = false
      forwarder.draining = true
      tokens.close()
      health.close()
      guard.close()
      canary.close()
      timeline.close()
      await proxy.close()
      await admin.close()
      await notifier.close()
      await modelRegistry?.close()
      await Promise.all(COLOURS.map((colour) => upstreams[colour].close()))
      await shadow.close()
      await store.close()
    })()
    return closing
  }

  const destroy = (): void => {
    proxy.server.closeAllConnections()
    admin.server.closeAllConnections()
    for (const colour of COLOURS) void upstreams[colour].pool.destroy()
  }

  const reload = (): void => {
    tokens.reload()
    reloadTls(proxy.server, config.listen.tls, 'listen', logger)
    reloadTls(admin.server, config.admin.tls, 'admin', logger)
  }

  return { config, proxy, admin, deployment, health, guard, canary, shadow, upstreams, metrics, registry, smoke, modelRegistry, close, destroy, reload }
}

// No route declares a JSON schema (admin bodies are checked by admin/validate.ts), so Fastify's
// own compilers would never run; left to itself it loads ajv and fast-json-stringify for them,
// ~3 MB of resident memory per listener process. A schema added later fails start-up loudly.
const NO_SCHEMAS = {
  compilersFactory: {
    buildValidator: () => () => { throw new Error('switchyard routes declare no JSON schemas: validate in code (admin/validate.ts)') },
    buildSerializer: () => () => { throw new Error('switchyard routes declare no JSON schemas: answers are serialised with JSON.stringify') }
  }
}

function buildProxy (forwarder: Forwarder, router: Router, config: Config, logger: Logger, auth: AdminAuth, listener: ListenerOptions): FastifyInstance {
  // Per-request logging is off unless asked for: a pino line per request halves throughput.
  // return503OnClosing is off: while stopping, requests on open keep-alive connections get
  // switchyard's own JSON 503 from the hook below.
  const serverFactory = listenerFactory(listener)
  const proxy: FastifyInstance = config.log.requests
    ? Fastify({ serverFactory, loggerInstance: logger.child({ listener: 'public' }) as FastifyBaseLogger, return503OnClosing: false, schemaController: NO_SCHEMAS })
    : Fastify({ serverFactory, logger: false, return503OnClosing: false, schemaController: NO_SCHEMAS })
  const previewHeader = config.preview.header.toLowerCase()
  // The handler is an onRequest hook that takes the raw request and response: no body parsing
  // (bodies pass through byte for byte), no reply serialisation. The colour is read once, here.
  const hook = (request: { raw: IncomingMessage }, reply: { hijack: () => void, raw: ServerResponse }): void => {
    reply.hijack()
    const req = request.raw
    const res = reply.raw
    if (forwarder.draining) return sendError(res, SHUTTING_DOWN(), null, true)
    const preview = router.preview(req)
    if (preview === null) return forwarder.forward(req, res, router.live(req))
    // A preview that needs the token is the admin token check, with its bound on failures.
    if (config.preview.requireToken) {
      const outcome = checkAuth(auth, String(req.socket.remoteAddress), req.headers.authorization)
      if (!outcome.ok && outcome.status === 429) {
        res.setHeader('retry-after', String(outcome.retryAfter))
        return sendError(res, AUTH_RATE_LIMITED(outcome.retryAfter), null, true)
      }
      if (!outcome.ok) return sendError(res, PREVIEW_UNAUTHORIZED(), null, true)
    }
    if (preview === 'unknown-colour') sendError(res, UNKNOWN_COLOUR(req.headers[previewHeader]), null, true)
    else forwarder.forward(req, res, preview, false)
  }
  const never = async (): Promise<void> => {}
  proxy.all('/*', { onRequest: hook }, never)
  // Paths or methods the router does not match still go upstream, unparsed.
  proxy.removeAllContentTypeParsers()
  proxy.addContentTypeParser('*', (_request, _payload, done) => done(null))
  proxy.setNotFoundHandler((request, reply) => hook(request, reply))
  return proxy
}

function buildAdmin (logger: Logger, listener: ListenerOptions): FastifyInstance {
  const admin: FastifyInstance = Fastify({
    serverFactory: listenerFactory(listener),
    schemaController: NO_SCHEMAS,
    loggerInstance: logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true })
  })
  admin.removeContentTypeParser('application/json')
  admin.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const source = (text as string).trim()
    if (source === '') return done(null, undefined)
    try {
      done(null, JSON.parse(source))
    } catch (err) {
      done(BAD_BODY(`body is not valid JSON: ${(err as Error).message}`), undefined)
    }
  })
  admin.setNotFoundHandler(async (request) => {
    throw NOT_FOUND(request.method, request.url)
  })
  admin.setErrorHandler(async (error: FastifyError | SwitchyardError, request, reply) => {
    if (error instanceof SwitchyardError) {
      reply.code(error.statusCode)
      return { error: error.code, message: error.message, ...error.details }
    }
    const status = error.statusCode ?? 500
    if (status < 500) {
      reply.code(status)
      return { error: error.code ?? 'SW_ERR_BAD_REQUEST', message: error.message }
    }
    request.log.error({ err: error }, 'admin request failed')
    const internal = INTERNAL(error.message)
    reply.code(500)
    return { error: internal.code, message: internal.message }
  })
  return admin
}
