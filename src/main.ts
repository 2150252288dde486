import { pino, type Logger } from 'pino'
import { build, type Switchyard } from './app.js'
import { loadConfigWithWarnings } from './config/load.js'
import type { Config } from './config/schema.js'

export interface Running {
  app: Switchyard
  /** Addresses actually bound (port 0 in config picks a free one). */
  proxyUrl: string
  adminUrl: string
  /** Graceful stop: readiness off, no new connections, requests in flight finish. */
  stop: () => Promise<void>
}

/** Builds switchyard from a resolved config and listens on both listeners. */
export async function start (config: Config, logger: Logger): Promise<Running> {
  const app = await build({ config, logger })
  try {
    // Fastify names the scheme from its own https option; switchyard makes its servers itself.
    const proxyUrl = scheme(await app.proxy.listen({ host: config.listen.host, port: config.listen.port }), config.listen.tls.cert)
    const adminUrl = scheme(await app.admin.listen({ host: config.admin.host, port: config.admin.port }), config.admin.tls.cert)
    logger.info({ proxy: proxyUrl, admin: adminUrl, active: app.deployment.active, version: app.deployment.state.version, store: app.deployment.store.kind }, 'switchyard listening')
    return { app, proxyUrl, adminUrl, stop: () => stopGracefully(app, config, logger) }
  } catch (err) {
    await app.close()
    throw err
  }
}

function scheme (url: string, cert: string | null): string {
  return cert === null ? url : url.replace(/^http:/, 'https:')
}

async function stopGracefully (app: Switchyard, config: Config, logger: Logger): Promise<void> {
  logger.info({ inflight: app.upstreams.blue.inflight + app.upstreams.green.inflight }, 'stopping: finishing requests in flight')
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), config.shutdown.timeout) })
  const outcome = await Promise.race([app.close().then(() => 'closed' as const), deadline])
  clearTimeout(timer)
  if (outcome === 'timeout') {
    logger.warn({ timeout: config.shutdown.timeout }, 'requests still in flight at the shutdown timeout; closing their connections')
    app.destroy()
  } else {
    logger.info('stopped')
  }
}

/**
 * `switchyard serve`: load config (file, env, flags), listen, stop gracefully on SIGTERM/SIGINT;
 * SIGHUP re-reads the admin tokens file and the TLS certificates.
 */
export async function serve (args: readonly string[]): Promise<void> {
  const { config, warnings } = loadConfigWithWarnings({ args, env: process.env })
  const logger = pino({ level: config.log.level, base: { service: 'switchyard' } })
  for (const warning of warnings) logger.warn(warning)
  const running = await start(config, logger)
  const onHangUp = (): void => {
    logger.info({ signal: 'SIGHUP' }, 'signal received: reloading the admin tokens file and TLS certificates')
    running.app.reload()
  }
  process.on('SIGHUP', onHangUp)
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
      process.off('SIGHUP', onHangUp)
      logger.info({ signal }, 'signal received')
      running.stop().then(resolve, resolve)
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}
