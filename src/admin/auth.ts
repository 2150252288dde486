// The token check every mutating admin route (and a preview with preview.requireToken) runs:
// the tokens in force (src/admin/tokens.ts), and the bound on failed checks per client address
// (src/admin/auth-failures.ts). A passed check records the token's label as the request's actor.
import { AUTH_RATE_LIMITED, UNAUTHORIZED } from '../errors.js'
import type { AuthFailures } from './auth-failures.js'
import type { AdminTokens } from './tokens.js'

export interface AdminAuth {
  tokens: AdminTokens
  failures: AuthFailures
}

export type AuthOutcome =
  | { ok: true, label: string | null }
  | { ok: false, status: 401 }
  | { ok: false, status: 429, retryAfter: number }

/**
 * One check: refused with 429 while the address is over its failures (even with a right token,
 * so guessing stays bounded), 401 on a missing or wrong token (counted), else the label (null
 * when no token is configured).
 */
export function checkAuth (auth: AdminAuth, address: string, authorization: string | undefined): AuthOutcome {
  if (!auth.tokens.required) return { ok: true, label: null }
  const retryAfter = auth.failures.retryAfter(address)
  if (retryAfter > 0) return { ok: false, status: 429, retryAfter }
  const label = auth.tokens.match(authorization)
  if (label !== null) return { ok: true, label }
  auth.failures.fail(address)
  return { ok: false, status: 401 }
}

const labels = new WeakMap<object, string>()

/** Who asked, for history and logs: the token's label, or the client address when no token is configured. */
export function actorOf (request: { ip: string }): string {
  return labels.get(request) ?? request.ip
}

interface HookRequest {
  ip: string
  headers: { authorization?: string | undefined }
}

/** The preHandler every mutating admin route uses: 401 SW_ERR_UNAUTHORIZED, or 429 SW_ERR_AUTH_RATE_LIMITED with Retry-After. */
export function requireTokenHook (auth: AdminAuth): (request: HookRequest, reply: { header: (name: string, value: string) => unknown }) => Promise<void> {
  return async (request, reply) => {
    const outcome = checkAuth(auth, request.ip, request.headers.authorization)
    if (outcome.ok) {
      if (outcome.label !== null) labels.set(request, outcome.label)
      return
    }
    if (outcome.status === 401) throw UNAUTHORIZED()
    reply.header('retry-after', String(outcome.retryAfter))
    const err = AUTH_RATE_LIMITED(outcome.retryAfter)
    err.details = { retryAfter: outcome.retryAfter }
    throw err
  }
}
