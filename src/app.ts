import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { registerAdminRoutes } from './admin/routes.js'
import { COLOURS, type Colour } from './colour.js'
import type { Config } from './config/schema.js'
import { ADMIN_EXPOSED, BAD_BODY, INTERNAL, NOT_FOUND, SHUTTING_DOWN, SwitchyardError } from './errors.js'
import { createMetrics, type Metrics } from './metrics/metrics.js'
import { Deployment } from './state/deployment.js'
import { openStore } from './state/open-store.js'
import type { StateStore } from './state/types.js'
import { Forwarder, sendError } from './traffic/forward.js'
import { MetricsRecorder } from './traffic/record.js'
import { Guard } from './guard/guard.js'
import { HealthChecker } from './upstreams/health.js'
import { Upstream } from './upstreams/upstream.js'

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
  upstreams: Record<Colour, Upstream>
  metrics: Metrics
  registry: Registry
  /** Stops taking traffic, lets requests in flight finish, then releases everything. */
  close (): Promise<void>
  /** Cuts every connection still open: for when close() has waited long enough. */
  destroy (): void
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/

export function isLoopback (host: string): boolean {
  return LOOPBACK.test(host)
}

/** Wires the listeners, state, upstreams and health checks. It never listens itself. */
export async function build (options: BuildOptions): Promise<Switchyard> {
  const { config, logger } = options
  if (!isLoopback(config.admin.host) && config.admin.token === null) throw ADMIN_EXPOSED(config.admin.host)

  const registry = options.registry ?? new Registry()
  const store = options.store ?? openStore(config.state)
  const deployment = await Deployment.open(store, { initial: config.active, historyLimit: config.state.historyLimit, bakeMs: config.rollback.bake })

  const upstreams = {} as Record<Colour, Upstream>
  const healthPaths = {} as Record<Colour, string>
  for (const colour of COLOURS) {
    const upstream = config.upstreams[colour]
    upstreams[colour] = new Upstream({
      colour,
      url: upstream.url,
      connections: config.proxy.connections,
      keepAliveTimeout: config.proxy.keepAliveTimeout,
      connectTimeout: config.proxy.connectTimeout
    })
    healthPaths[colour] = upstream.healthPath ?? config.health.path
  }
  const health = new HealthChecker(upstreams, healthPaths, config.health)

  const metrics = createMetrics(registry, {
    active: () => deployment.active,
    version: () => deployment.state.version,
    inflight: (colour) => upstreams[colour].inflight,
    healthy: (colour) => health.statuses[colour].healthy
  })

  deployment.on('change', (state, before) => {
    const entry = state.history[0]
    logger.info({ from: before.active, to: state.active, version: state.version, reason: state.reason, by: state.by, actor: entry?.actor ?? state.by, kind: entry?.kind }, 'active colour changed')
  })
  health.on('change', (colour, healthy, status) => {
    logger[healthy ? 'info' : 'warn']({ colour, healthy, error: status.lastError }, 'upstream health changed')
  })

  const rollback = config.rollback
  const guard = new Guard({ deployment, health, metrics, logger, inner: new MetricsRecorder(metrics) }, {
    enabled: rollback.enabled,
    windowMs: rollback.window,
    policy: rollback,
    shield: rollback.shield
  })
  const forwarder = new Forwarder(upstreams, guard, guard, {
    timeout: config.proxy.timeout,
    bodyLimit: config.proxy.bodyLimit,
    // Bodies up to the shield's cap are buffered: the fastest way to forward, and retryable.
    bufferLimit: Math.min(config.proxy.bodyLimit, rollback.shield.maxBodyBytes),
    proto: 'http'
  })
  const proxy = buildProxy(forwarder, deployment, config, logger)

  let accepting = true
  const admin = buildAdmin(logger)
  registerAdminRoutes(admin, { deployment, health, guard, upstreams, registry, metrics, token: config.admin.token, isAccepting: () => accepting })

  await health.start()

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    closing ??= (async () => {
      accepting = false
      forwarder.draining = true
      health.close()
      guard.close()
      await proxy.close()
      await admin.close()
      await Promise.all(COLOURS.map((colour) => upstreams[colour].close()))
      await store.close()
    })()
    return closing
  }

  const destroy = (): void => {
    proxy.server.closeAllConnections()
    admin.server.closeAllConnections()
    for (const colour of COLOURS) void upstreams[colour].pool.destroy()
  }

  return { config, proxy, admin, deployment, health, guard, upstreams, metrics, registry, close, destroy }
}

function buildProxy (forwarder: Forwarder, deployment: Deployment, config: Config, logger: Logger): FastifyInstance {
  // Per-request logging is off unless asked for: a pino line per request halves throughput.
  // return503OnClosing is off: while stopping, requests on open keep-alive connections get
  // switchyard's own JSON 503 from the hook below.
  const proxy: FastifyInstance = config.log.requests
    ? Fastify({ loggerInstance: logger.child({ listener: 'public' }) as FastifyBaseLogger, return503OnClosing: false })
    : Fastify({ logger: false, return503OnClosing: false })
  // The handler is an onRequest hook that takes the raw request and response: no body parsing
  // (bodies pass through byte for byte), no reply serialisation. The colour is read once, here.
  const hook = (request: { raw: IncomingMessage }, reply: { hijack: () => void, raw: ServerResponse }): void => {
    reply.hijack()
    if (forwarder.draining) sendError(reply.raw, SHUTTING_DOWN(), null, true)
    else forwarder.forward(request.raw, reply.raw, deployment.active)
  }
  const never = async (): Promise<void> => {}
  proxy.all('/*', { onRequest: hook }, never)
  // Paths or methods the router does not match still go upstream, unparsed.
  proxy.removeAllContentTypeParsers()
  proxy.addContentTypeParser('*', (_request, _payload, done) => done(null))
  proxy.setNotFoundHandler((request, reply) => hook(request, reply))
  return proxy
}

function buildAdmin (logger: Logger): FastifyInstance {
  const admin: FastifyInstance = Fastify({
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
