// POST /admin/smoke {"colour": "green"}: run the smoke requests against a colour now.
import type { FastifyInstance } from 'fastify'
import { requireTokenHook, type AdminAuth } from '../admin/auth.js'
import { isColour, type Colour } from '../colour.js'
import { BAD_BODY, UNKNOWN_COLOUR } from '../errors.js'
import type { Smoke } from './smoke.js'

export function parseSmokeBody (raw: unknown): Colour {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw BAD_BODY('body must be a JSON object {"colour": "blue" | "green"}')
  const body = raw as Record<string, unknown>
  const unknown = Object.keys(body).filter((key) => key !== 'colour')
  if (unknown.length > 0) throw BAD_BODY(`${unknown.map((key) => `${key}: unknown field`).join('; ')} (allowed: colour)`)
  if (body.colour === undefined) throw BAD_BODY('colour: required ("blue" or "green")')
  if (typeof body.colour === 'string' && !isColour(body.colour)) throw UNKNOWN_COLOUR(body.colour)
  if (!isColour(body.colour)) throw BAD_BODY(`colour: must be "blue" or "green" (got ${JSON.stringify(body.colour)})`)
  return body.colour
}

export function registerSmokeRoutes (app: FastifyInstance, deps: { smoke: Smoke, auth: AdminAuth }): void {
  const requireToken = requireTokenHook(deps.auth)

  // 200 with the report when every request passed; 412 SW_ERR_SMOKE_FAILED with it otherwise.
  app.post('/admin/smoke', { preHandler: requireToken }, async (request) => {
    const colour = parseSmokeBody(request.body)
    return await deps.smoke.check(colour)
  })
}
