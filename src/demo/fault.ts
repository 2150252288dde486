// Faults a demo model server can be told to show, so switchyard's guard and chaos tests watch a
// real server misbehave (answer 5xx, answer slowly, drop the connection, fail its health check).

export interface Fault {
  /** Answer every /invocations with this status (400-599) and an MLflow-style JSON error body. */
  status?: number
  /** Wait this long before answering /invocations (or before `status` / `destroy` apply). */
  delayMs?: number
  /** Destroy the socket of every /invocations request without answering. */
  destroy?: boolean
  /** Answer /ping and /health with this status (200-599), e.g. 503 to look unhealthy. */
  ping?: number
}

/** A checked copy: the caller may reuse its object without changing requests already in flight. */
export function checkFault (fault: Fault): Readonly<Fault> {
  const copy: Fault = {}
  if (fault.status !== undefined) copy.status = checkStatus(fault.status, 'status', 400)
  if (fault.ping !== undefined) copy.ping = checkStatus(fault.ping, 'ping', 200)
  if (fault.delayMs !== undefined) {
    if (!Number.isFinite(fault.delayMs) || fault.delayMs < 0) throw new RangeError(`fault.delayMs must be a number of milliseconds >= 0, got ${fault.delayMs}`)
    copy.delayMs = fault.delayMs
  }
  if (fault.destroy === true) copy.destroy = true
  return Object.freeze(copy)
}

function checkStatus (status: number, field: string, min: number): number {
  if (!Number.isInteger(status) || status < min || status > 599) throw new RangeError(`fault.${field} must be an HTTP status from ${min} to 599, got ${status}`)
  return status
}

/** The JSON body MLflow would send with that status (its error_code names). */
export function faultBody (status: number): string {
  const code = status === 503
    ? 'TEMPORARILY_UNAVAILABLE'
    : status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'
  return JSON.stringify({ error_code: code, message: `injected fault: this model server answers ${status}` })
}
