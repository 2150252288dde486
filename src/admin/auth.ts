import { createHash, timingSafeEqual } from 'node:crypto'
import { UNAUTHORIZED } from '../errors.js'

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/**
 * Checks an Authorization header against the admin token in constant time: both sides are
 * hashed first, so neither the token's length nor its prefix leaks through timing.
 */
export function createTokenCheck (token: string | null): (authorization: string | undefined) => boolean {
  if (token === null) return () => true
  const expected = digest(token)
  return (authorization) => {
    if (authorization === undefined) return false
    const match = /^Bearer\s+(.+)$/i.exec(authorization)
    if (match === null) return false
    return timingSafeEqual(digest((match[1] as string).trim()), expected)
  }
}

/** The preHandler every mutating admin route uses: 401 SW_ERR_UNAUTHORIZED without the token. */
export function requireTokenHook (token: string | null): (request: { headers: { authorization?: string | undefined } }) => Promise<void> {
  const authorised = createTokenCheck(token)
  return async (request) => {
    if (!authorised(request.headers.authorization)) throw UNAUTHORIZED()
  }
}
