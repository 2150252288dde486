// Every SW_ERR_* code lives here, with its HTTP status, so the README table and the code cannot
// drift apart (test/errors.test.ts checks the README lists each code).
import { format } from 'node:util'

export class SwitchyardError extends Error {
  readonly code: string
  readonly statusCode: number
  details?: Record<string, unknown>

  // The cause is attached by wrap(), details by the caller that has them.
  constructor (code: string, message: string, statusCode: number) {
    super(message)
    this.name = 'SwitchyardError'
    this.code = code
    this.statusCode = statusCode
  }
}

export interface ErrorKind {
  readonly code: string
  readonly statusCode: number
  readonly template: string
  (...args: unknown[]): SwitchyardError
  is (err: unknown): err is SwitchyardError
}

const kinds = new Map<string, ErrorKind>()

function createError (code: string, template: string, statusCode: number): ErrorKind {
  const make = ((...args: unknown[]) => new SwitchyardError(code, format(template, ...args), statusCode)) as ErrorKind
  Object.defineProperties(make, {
    code: { value: code },
    statusCode: { value: statusCode },
    template: { value: template }
  })
  make.is = (err: unknown): err is SwitchyardError => err instanceof SwitchyardError && err.code === code
  kinds.set(code, make)
  return make
}

/** Wraps a lower-level error (an undici one, an fs one) without losing it. */
export function wrap (kind: ErrorKind, cause: unknown, ...args: unknown[]): SwitchyardError {
  const err = kind(...args)
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, writable: true, configurable: true })
  return err
}

// Proxy (public listener)
export const UPSTREAM_UNAVAILABLE = createError('SW_ERR_UPSTREAM_UNAVAILABLE', 'upstream %s (%s) refused or reset the connection: %s', 502)
export const UPSTREAM_TIMEOUT = createError('SW_ERR_UPSTREAM_TIMEOUT', 'upstream %s did not answer in %d ms', 504)
export const BODY_TOO_LARGE = createError('SW_ERR_BODY_TOO_LARGE', 'request body is larger than the limit of %d bytes', 413)
export const BAD_TARGET = createError('SW_ERR_BAD_TARGET', 'this request cannot be forwarded: %s', 400)

// Admin API
export const BAD_BODY = createError('SW_ERR_BAD_BODY', '%s', 400)
export const UNKNOWN_COLOUR = createError('SW_ERR_UNKNOWN_COLOUR', 'unknown colour %j: expected "blue" or "green"', 400)
export const UNAUTHORIZED = createError('SW_ERR_UNAUTHORIZED', 'missing or wrong bearer token', 401)
export const AUTH_RATE_LIMITED = createError('SW_ERR_AUTH_RATE_LIMITED', 'too many failed token checks from this address: try again in %d s', 429)
export const NOT_FOUND = createError('SW_ERR_NOT_FOUND', 'no route %s %s', 404)
export const VERSION_CONFLICT = createError('SW_ERR_VERSION_CONFLICT', 'expected state version %d but it is %d', 409)
export const NO_PREVIOUS = createError('SW_ERR_NO_PREVIOUS', 'there is no previous colour to roll back to', 409)
export const TARGET_UNHEALTHY = createError('SW_ERR_TARGET_UNHEALTHY', 'colour %s is not healthy: %s (use "force": true to switch anyway)', 503)
export const SHUTTING_DOWN = createError('SW_ERR_SHUTTING_DOWN', 'switchyard is shutting down', 503)
export const STATE_UNAVAILABLE = createError('SW_ERR_STATE_UNAVAILABLE', 'the shared state cannot be changed: Redis at %s %s. %s', 503)
export const PROGRESSION_RUNNING = createError('SW_ERR_PROGRESSION_RUNNING', 'a progressive switch to %s is running (weight %d%%): POST /admin/abort first', 409)
export const GATE_FAILED = createError('SW_ERR_GATE_FAILED', 'the promotion gate refused the switch: %s (use "force": true to switch anyway)', 412)
export const SMOKE_FAILED = createError('SW_ERR_SMOKE_FAILED', 'colour %s failed the smoke test: %s (use "force": true to switch anyway)', 412)
export const REGISTRY_NOT_CONFIGURED = createError('SW_ERR_REGISTRY_NOT_CONFIGURED', 'no model registry is configured (set registry.mlflow.trackingUri and registry.mlflow.name)', 409)
export const REGISTRY_SYNC_FAILED = createError('SW_ERR_REGISTRY_SYNC_FAILED', 'the registry alias could not be set: %s', 502)
export const PREVIEW_UNAUTHORIZED = createError('SW_ERR_PREVIEW_UNAUTHORIZED', 'a preview request must carry the admin token', 401)
export const INTERNAL = createError('SW_ERR_INTERNAL', 'internal error: %s', 500)

// Start-up
export const CONFIG_INVALID = createError('SW_ERR_CONFIG_INVALID', 'invalid configuration:\n%s', 1)
export const STATE_CORRUPT = createError('SW_ERR_STATE_CORRUPT', 'state file %s cannot be used: %s. Fix or remove it; switchyard never resets it silently', 1)
export const STATE_OFFLINE = createError('SW_ERR_STATE_OFFLINE', 'cannot start: Redis at %s is unreachable (%s) and %s', 1)
export const ADMIN_EXPOSED = createError('SW_ERR_ADMIN_EXPOSED', 'admin.host is %s, which is not a loopback address, and no admin token is set: set SWITCHYARD_ADMIN_TOKEN (admin.token), admin.tokens or admin.tokensFile', 1)

/** Every defined kind, for the README check and for clients that want to list codes. */
export function allErrorKinds (): ErrorKind[] {
  return [...kinds.values()]
}
