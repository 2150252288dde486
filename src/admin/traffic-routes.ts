import type { FastifyInstance } from 'fastify'
import { otherColour, type Colour } from '../colour.js'
import type { Config } from '../config/schema.js'
import { GATE_FAILED } from '../errors.js'
import type { Deployment } from '../state/deployment.js'
import type { Canary } from '../traffic/canary.js'
import type { Shadow } from '../traffic/shadow.js'
import { actorOf, requireTokenHook, type AdminAuth } from './auth.js'
import { effectiveGate, gateProblems } from './gate.js'
import { parseNumberField, type GateBody } from './validate.js'

export interface TrafficDeps {
  deployment: Deployment
  canary: Canary
  shadow: Shadow
  auth: AdminAuth
  gate: Config['shadow']['gate']
}

/** Throws GATE_FAILED (412, with the figures) when the shadow evidence does not meet the gate. */
export function checkGate (deps: Pick<TrafficDeps, 'deployment' | 'shadow' | 'gate'>, to: Colour, requested: GateBody | undefined): void {
  const gate = effectiveGate(deps.gate, requested)
  if (Object.keys(gate).length === 0 || to === deps.deployment.active) return
  const report = deps.shadow.report()
  const evidence = {
    compared: deps.shadow.compared,
    mirrored: deps.shadow.mirrored,
    agreement: report.agreement as number | null,
    standbyErrorRate: report.standbyErrorRate as number | null
  }
  const problems = gateProblems(evidence, gate)
  if (problems.length === 0) return
  const err = GATE_FAILED(problems.join('; '))
  err.details = { gate, shadow: evidence }
  throw err
}

/** Shadow, canary and abort: testing the standby on live traffic before it serves everyone. */
export function registerTrafficRoutes (app: FastifyInstance, deps: TrafficDeps): void {
  const requireToken = requireTokenHook(deps.auth)

  app.get('/admin/shadow', async () => ({ standby: otherColour(deps.deployment.active), ...deps.shadow.report() }))

  app.post('/admin/shadow', { preHandler: requireToken }, async (request) => {
    const body = parseNumberField(request.body, 'percent', 0, 100, ['percent', 'reset'])
    const percent = body.percent as number
    // Saved like the canary weight, so every replica sharing the state mirrors the same share.
    await deps.deployment.updateTraffic((traffic) => ({ ...traffic, shadowPercent: percent }))
    if (body.reset === true) deps.shadow.reset()
    request.log.info({ percent, actor: actorOf(request) }, 'shadow percent set')
    return { standby: otherColour(deps.deployment.active), ...deps.shadow.report() }
  })

  app.get('/admin/canary', async () => deps.canary.status())

  app.post('/admin/canary', { preHandler: requireToken }, async (request) => {
    const body = parseNumberField(request.body, 'weight', 0, 100, ['weight'])
    await deps.canary.setWeight(body.weight as number, actorOf(request))
    return deps.canary.status()
  })

  app.post('/admin/abort', { preHandler: requireToken }, async (request, reply) => {
    const reason = (request.body as { reason?: unknown } | undefined)?.reason
    const { outcome, saved } = await deps.canary.abort(typeof reason === 'string' ? reason : 'aborted by operator')
    const body = { aborted: outcome !== null, saved, outcome, ...deps.canary.status() }
    if (saved) return body
    // Done here, not yet everywhere: 202, and the body says what the other replicas still do.
    reply.code(202)
    return { ...body, message: 'the state store is unreachable: this replica sends the standby nothing from now on; the other replicas keep their canary weight until the store is back, when this replica saves the end' }
  })
}
