// A client of the three MLflow Model Registry alias endpoints, as MLflow's REST API reference
// defines them (https://mlflow.org/docs/latest/rest-api.html, "Set Registered Model Alias",
// "Delete Registered Model Alias", "Get Model Version by Alias"):
//
//   POST   /api/2.0/mlflow/registered-models/alias   {name, alias, version}  -> {}
//   DELETE /api/2.0/mlflow/registered-models/alias   {name, alias}           -> {}
//   GET    /api/2.0/mlflow/registered-models/alias?name=&alias=             -> {model_version: {...}}
//
// `version` is a STRING in MLflow's protobuf, so it is sent as one. MLflow reads a DELETE's
// fields from its JSON body (only GET takes a query string), and answers errors as
// {error_code, message} with an HTTP status (RESOURCE_DOES_NOT_EXIST 404, INVALID_PARAMETER_VALUE
// 400). A token, when set, goes as Authorization: Bearer, as MLflow's own client sends
// MLFLOW_TRACKING_TOKEN.
import { Agent, requestVia, type Dispatcher } from '../undici.js'
import { isTimeout } from '../upstreams/answer.js'

export const ALIAS_ENDPOINT = 'api/2.0/mlflow/registered-models/alias'

/** The part of MLflow's ModelVersion that switchyard reads; the rest is kept as sent. */
export interface ModelVersion {
  name: string
  version: string
  aliases?: string[]
  [field: string]: unknown
}

export class RegistryRequestError extends Error {
  /** null when no answer came (connection refused, timeout). */
  readonly status: number | null
  readonly errorCode: string | null
  /** Worth another try: no answer, 408, 429 or 5xx. A 4xx other than those will not change. */
  readonly retryable: boolean

  constructor (message: string, status: number | null, errorCode: string | null) {
    super(message)
    this.name = 'RegistryRequestError'
    this.status = status
    this.errorCode = errorCode
    this.retryable = status === null || status === 408 || status === 429 || status >= 500
  }
}

/** What the sync needs of a registry; the MLflow client is one, tests may pass another. */
export interface AliasRegistry {
  setAlias (name: string, alias: string, version: string): Promise<void>
  getAlias (name: string, alias: string): Promise<ModelVersion | null>
  deleteAlias (name: string, alias: string): Promise<void>
  close (): Promise<void>
}

export interface MlflowClientOptions {
  /** The tracking server, e.g. http://127.0.0.1:5000 (a path prefix is kept). */
  trackingUri: string
  token: string | null
  /** Milliseconds one request may take, connecting included. */
  timeout: number
}

export class MlflowRegistryClient implements AliasRegistry {
  readonly #endpoint: URL
  readonly #token: string | null
  readonly #timeout: number
  readonly #agent: Agent

  constructor (options: MlflowClientOptions) {
    const base = options.trackingUri.endsWith('/') ? options.trackingUri : `${options.trackingUri}/`
    this.#endpoint = new URL(ALIAS_ENDPOINT, base)
    this.#token = options.token
    this.#timeout = options.timeout
    this.#agent = new Agent({ connections: 2, connectTimeout: options.timeout, keepAliveTimeout: 10_000 })
  }

  async setAlias (name: string, alias: string, version: string): Promise<void> {
    await this.#call('POST', this.#endpoint, { name, alias, version })
  }

  async deleteAlias (name: string, alias: string): Promise<void> {
    await this.#call('DELETE', this.#endpoint, { name, alias })
  }

  /** The version the alias points at, or null when the alias (or the model) does not exist. */
  async getAlias (name: string, alias: string): Promise<ModelVersion | null> {
    const url = new URL(this.#endpoint)
    url.searchParams.set('name', name)
    url.searchParams.set('alias', alias)
    let answer: Record<string, unknown>
    try {
      answer = await this.#call('GET', url, undefined)
    } catch (err) {
      // Only MLflow's own "not found" means no alias: any other 404 is a wrong URL.
      if (err instanceof RegistryRequestError && err.status === 404 && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null
      throw err
    }
    const version = answer.model_version as ModelVersion | undefined
    if (typeof version !== 'object' || version === null || typeof version.version !== 'string') {
      throw new RegistryRequestError(`GET ${url.pathname} answered 200 without model_version.version`, 200, null)
    }
    return version
  }

  close (): Promise<void> {
    return this.#agent.close()
  }

  async #call (method: Dispatcher.HttpMethod, url: URL, body: Record<string, string> | undefined): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.#token !== null) headers.authorization = `Bearer ${this.#token}`
    const what = `${method} ${url.pathname}`
    let status: number
    let text: string
    try {
      const res = await requestVia(this.#agent, url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        headersTimeout: this.#timeout,
        bodyTimeout: this.#timeout,
        signal: AbortSignal.timeout(this.#timeout)
      })
      status = res.statusCode
      text = await res.body.text()
    } catch (err) {
      const e = err as Error & { code?: string }
      const detail = isTimeout(e) ? `no answer in ${this.#timeout} ms` : (e.code ?? e.message)
      throw new RegistryRequestError(`${what} failed: ${detail}`, null, null)
    }
    let answer: unknown = {}
    try {
      if (text.trim() !== '') answer = JSON.parse(text)
    } catch {
      answer = null
    }
    const object = typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? answer as Record<string, unknown> : null
    if (status >= 200 && status < 300) {
      if (object === null) throw new RegistryRequestError(`${what} answered ${status} with a body that is not a JSON object`, status, null)
      return object
    }
    const code = typeof object?.error_code === 'string' ? object.error_code : null
    const message = typeof object?.message === 'string' ? object.message : text.trim().slice(0, 200)
    throw new RegistryRequestError(`${what} answered ${status}${code === null ? '' : ` ${code}`}${message === '' ? '' : `: ${message}`}`, status, code)
  }
}
