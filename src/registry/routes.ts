// GET /admin/registry and POST /admin/registry/sync: the alias's state, and a sync by hand.
import type { FastifyInstance } from 'fastify'
import { actorOf, requireTokenHook, type AdminAuth } from '../admin/auth.js'
import { REGISTRY_NOT_CONFIGURED, REGISTRY_SYNC_FAILED } from '../errors.js'
import type { Deployment } from '../state/deployment.js'
import type { RegistrySync } from './sync.js'

export function registerRegistryRoutes (app: FastifyInstance, deps: { sync: RegistrySync | null, deployment: Deployment, auth: AdminAuth }): void {
  const requireToken = requireTokenHook(deps.auth)

  app.get('/admin/registry', async () => {
    if (deps.sync === null) throw REGISTRY_NOT_CONFIGURED()
    return deps.sync.status()
  })

  // 200 with the status once the registry confirms the alias; 502 SW_ERR_REGISTRY_SYNC_FAILED
  // (with the status) when it could not be set. One attempt: the caller decides when to retry.
  app.post('/admin/registry/sync', { preHandler: requireToken }, async (request) => {
    if (deps.sync === null) throw REGISTRY_NOT_CONFIGURED()
    const status = await deps.sync.syncNow(deps.deployment.active)
    request.log.info({ actor: actorOf(request), synced: status.synced, version: status.version }, 'registry sync by hand')
    if (status.synced === true) return status
    const err = REGISTRY_SYNC_FAILED(status.lastError ?? 'unknown error')
    err.details = { registry: status }
    throw err
  })
}
