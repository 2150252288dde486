import { Agent, requestVia } from '../undici.js'

export interface AdminClientOptions {
  adminUrl: string
  token: string | undefined
  timeout: number
}

export class AdminApiError extends Error {
  readonly status: number
  readonly code: string
  readonly body: Record<string, unknown>
  constructor (status: number, body: Record<string, unknown>) {
    const code = typeof body.error === 'string' ? body.error : `HTTP_${status}`
    super(typeof body.message === 'string' ? body.message : `the admin API answered ${status}`)
    this.status = status
    this.code = code
    this.body = body
  }
}

/** A thin client of the admin API: the CLI never touches state itself. */
export class AdminClient {
  readonly #options: AdminClientOptions
  #agent: Agent | null = null

  constructor (options: AdminClientOptions) {
    this.#options = options
  }

  get (path: string): Promise<Record<string, unknown>> {
    return this.#call('GET', path, undefined)
  }

  post (path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.#call('POST', path, body)
  }

  async #call (method: 'GET' | 'POST', path: string, body: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.#options.token !== undefined && this.#options.token !== '') headers.authorization = `Bearer ${this.#options.token}`
    let res
    try {
      // An agent of its own: the CLI module is loaded by `serve` too, which must not load undici's index.
      this.#agent ??= new Agent()
      res = await requestVia(this.#agent, new URL(path, this.#options.adminUrl), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        headersTimeout: this.#options.timeout,
        bodyTimeout: this.#options.timeout
      })
    } catch (err) {
      const e = err as Error & { code?: string }
      throw new Error(`cannot reach the admin API at ${this.#options.adminUrl}: ${e.code ?? e.message} (is "switchyard serve" running? set --admin-url or SWITCHYARD_ADMIN_URL)`)
    }
    const text = await res.body.text()
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new Error(`the admin API at ${this.#options.adminUrl} answered ${res.statusCode} with a body that is not JSON`)
    }
    const object = typeof parsed === 'object' && parsed !== null ? parsed as Record<string, unknown> : { value: parsed }
    if (res.statusCode >= 400) throw new AdminApiError(res.statusCode, object)
    return object
  }
}
