// The dashboard on the admin listener: GET / (the page and its assets, all served from here, no
// CDN), GET /admin/timeline (the last minutes, per second and colour) and GET /admin/events (the
// same, live, as server-sent events).
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Timeline } from '../../metrics/timeline.js'
import { statusBody, type AdminDeps } from '../routes.js'
import { EventStream } from './events.js'
import { FAVICON, page } from './page.js'
import { SCRIPT } from './script.js'
import { STYLE } from './style.js'

export interface DashboardDeps extends Pick<AdminDeps, 'deployment' | 'health' | 'upstreams' | 'guard'> {
  timeline: Timeline
  /** The page asks for the token before a switch or a rollback when one is set. */
  tokenRequired: boolean
}

/** History entries the page shows. */
const RECENT = 10

// Everything the page loads comes from this listener; nothing may frame it (it has a switch button).
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache'
}

export function registerDashboard (app: FastifyInstance, deps: DashboardDeps): void {
  // Built once at start-up; the page, script and style are strings in .ts modules, so they are
  // there the same under tsx (src/) and after tsc (dist/).
  const html = page({ tokenRequired: deps.tokenRequired })
  const asset = (type: string, body: string) => async (_request: unknown, reply: FastifyReply): Promise<string> => {
    reply.headers(PAGE_HEADERS).type(type)
    return body
  }
  app.get('/', asset('text/html; charset=utf-8', html))
  app.get('/dashboard/app.js', asset('text/javascript; charset=utf-8', SCRIPT))
  app.get('/dashboard/style.css', asset('text/css; charset=utf-8', STYLE))
  app.get('/dashboard/favicon.svg', asset('image/svg+xml', FAVICON))

  const history = (): Record<string, unknown> => {
    const entries = deps.deployment.state.history
    return { total: entries.length, entries: entries.slice(0, RECENT) }
  }

  app.get('/admin/timeline', async () => ({ intervalMs: deps.timeline.intervalMs, samples: deps.timeline.samples() }))

  const stream = new EventStream()
  app.get('/admin/events', (request, reply) => {
    reply.hijack()
    stream.open(reply.raw, [
      ['timeline', { intervalMs: deps.timeline.intervalMs, samples: deps.timeline.samples() }],
      ['status', statusBody(deps)],
      ['history', history()]
    ])
    request.log.debug({ clients: stream.size }, 'dashboard event stream opened')
  })

  // Every second a sample and the status (with the guard's windows and the bake countdown); on a
  // change of state or health, the status at once, so the page never shows a stale banner.
  const onSample = (sample: unknown): void => {
    if (stream.size === 0) return
    stream.send('sample', sample)
    stream.send('status', statusBody(deps))
  }
  const onChange = (): void => {
    if (stream.size === 0) return
    stream.send('status', statusBody(deps))
    stream.send('history', history())
  }
  const onHealth = (): void => {
    if (stream.size > 0) stream.send('status', statusBody(deps))
  }
  deps.timeline.on('sample', onSample)
  deps.deployment.on('change', onChange)
  deps.deployment.on('traffic', onHealth)
  deps.health.on('change', onHealth)

  // preClose, not onClose: Fastify's onClose hooks run after the server has waited for every
  // connection to end, and an event stream never ends by itself.
  app.addHook('preClose', async () => {
    stream.close()
    deps.timeline.off('sample', onSample)
    deps.deployment.off('change', onChange)
    deps.deployment.off('traffic', onHealth)
    deps.health.off('change', onHealth)
  })
}
