// Calls to switchyard's admin API, each kept with its timing and outcome so the report can say
// whether the answer was the documented one at that moment.

export interface AdminCall {
  id: number
  kind: 'switch' | 'rollback'
  target: string
  /** switch: the colour asked for. */
  to: string | null
  start: number
  end: number
  status: number | null
  code: string | null
  /** Network failure (ECONNREFUSED, ...) or timeout. */
  error: string | null
  body: Record<string, unknown> | null
  expected: boolean
  rule: string
}

export interface AdminTarget {
  name: string
  adminUrl: string
  token: string | null
}

export interface Answer {
  status: number | null
  body: Record<string, unknown> | null
  error: string | null
}

/** One admin request; never throws: a failure is an answer with `error`. */
export async function adminRequest (target: AdminTarget, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 15_000): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (target.token !== null && method === 'POST') headers.authorization = `Bearer ${target.token}`
  try {
    const res = await fetch(target.adminUrl + path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs)
    })
    const text = await res.text()
    let parsed: Record<string, unknown> | null = null
    try { parsed = JSON.parse(text) as Record<string, unknown> } catch { parsed = { text: text.slice(0, 300) } }
    return { status: res.status, body: parsed, error: null }
  } catch (err) {
    const e = err as Error & { cause?: { code?: string }, code?: string }
    return { status: null, body: null, error: e.cause?.code ?? e.code ?? e.name ?? e.message }
  }
}
