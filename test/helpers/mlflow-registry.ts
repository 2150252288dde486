// A local MLflow tracking server that implements the three Model Registry alias endpoints as
// MLflow's REST API reference defines them (https://mlflow.org/docs/latest/rest-api.html):
//
//   Set Registered Model Alias     POST   2.0/mlflow/registered-models/alias
//                                  request {name: STRING, alias: STRING, version: STRING}, all required
//   Delete Registered Model Alias  DELETE 2.0/mlflow/registered-models/alias
//                                  request {name: STRING, alias: STRING}, all required
//   Get Model Version by Alias     GET    2.0/mlflow/registered-models/alias?name=&alias=
//                                  response {model_version: ModelVersion}
//
// The API is hosted under /api and POST requests must be application/json. Errors are
// {error_code, message}: INVALID_PARAMETER_VALUE (400) for a missing or mistyped field,
// RESOURCE_DOES_NOT_EXIST (404) for an unknown model, version or alias. Every request body is
// checked field by field, so a client sending a number for `version` or an extra field fails.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TeardownHost } from './model-server.js'

export const ALIAS_PATH = '/api/2.0/mlflow/registered-models/alias'

export interface SeenRequest {
  method: string
  path: string
  query: Record<string, string>
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown
  contentType: string | undefined
  authorization: string | undefined
}

export interface FakeMlflow {
  readonly url: string
  readonly seen: SeenRequest[]
  /** Current aliases: `${name}@${alias}` -> version. */
  readonly aliases: Map<string, string>
  /** true: answer every request 503 TEMPORARILY_UNAVAILABLE, as a tracking server behind a load balancer with no backend. */
  unavailable: boolean
  /** Stops listening (connections refused) until start(). */
  stop (): Promise<void>
  /** Listens again on the same port. */
  start (): Promise<void>
  close (): Promise<void>
}

export interface FakeMlflowOptions {
  /** Registered models and their versions; default {iris: ['1', '2']}. */
  models?: Record<string, string[]>
  /** A Bearer token every request must carry; default none. */
  token?: string
}

const FIELD_TYPES = { name: 'string', alias: 'string', version: 'string' } as const

export async function startFakeMlflow (t: TeardownHost, options: FakeMlflowOptions = {}): Promise<FakeMlflow> {
  const models = options.models ?? { iris: ['1', '2'] }
  const seen: SeenRequest[] = []
  const aliases = new Map<string, string>()
  const state = { unavailable: false }
  const created = Date.UTC(2026, 0, 1)

  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  const error = (res: ServerResponse, status: number, code: string, message: string): void => reply(res, status, { error_code: code, message })

  /** Field by field: exactly the fields named, each present and a string. */
  const checkFields = (body: unknown, fields: ReadonlyArray<keyof typeof FIELD_TYPES>): string | null => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Request body must be a JSON object'
    const object = body as Record<string, unknown>
    for (const key of Object.keys(object)) if (!(fields as readonly string[]).includes(key)) return `Unknown field '${key}'`
    for (const field of fields) {
      if (object[field] === undefined) return `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`
      if (typeof object[field] !== FIELD_TYPES[field]) return `Invalid value ${JSON.stringify(object[field])} for parameter '${field}' supplied: expected a ${FIELD_TYPES[field]}`
    }
    return null
  }

  const modelVersion = (name: string, version: string): Record<string, unknown> => ({
    name,
    version,
    creation_timestamp: created,
    last_updated_timestamp: created,
    current_stage: 'None',
    description: '',
    source: `models:/m-${name}-${version}`,
    run_id: `run-${version}`,
    status: 'READY',
    aliases: [...aliases.entries()].filter(([key, v]) => key.startsWith(`${name}@`) && v === version).map(([key]) => key.slice(name.length + 1))
  })

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const url = new URL(req.url as string, 'http://x')
    let body: unknown
    if (raw !== '') {
      try {
        body = JSON.parse(raw)
      } catch {
        body = raw
      }
    }
    seen.push({ method: req.method as string, path: url.pathname, query: Object.fromEntries(url.searchParams), body, contentType: req.headers['content-type'], authorization: req.headers.authorization })
    if (state.unavailable) return error(res, 503, 'TEMPORARILY_UNAVAILABLE', 'The tracking server is unavailable')
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) return error(res, 401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.')
    if (url.pathname !== ALIAS_PATH) return error(res, 404, 'ENDPOINT_NOT_FOUND', `No API endpoint for ${req.method as string} ${url.pathname}`)

    if (req.method === 'GET') {
      const name = url.searchParams.get('name')
      const alias = url.searchParams.get('alias')
      if (name === null || alias === null) return error(res, 400, 'INVALID_PARAMETER_VALUE', `Missing value for required parameter '${name === null ? 'name' : 'alias'}'.`)
      if (models[name] === undefined) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`)
      const version = aliases.get(`${name}@${alias}`)
      if (version === undefined) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Registered model alias ${alias} not found.`)
      return reply(res, 200, { model_version: modelVersion(name, version) })
    }
    if (req.method !== 'POST' && req.method !== 'DELETE') return error(res, 405, 'BAD_REQUEST', `${req.method as string} is not allowed`)
    if (req.method === 'POST' && req.headers['content-type']?.split(';')[0] !== 'application/json') return error(res, 400, 'BAD_REQUEST', 'The MLflow REST API requires content type application/json for all POST requests.')
    const problem = checkFields(body, req.method === 'POST' ? ['name', 'alias', 'version'] : ['name', 'alias'])
    if (problem !== null) return error(res, 400, 'INVALID_PARAMETER_VALUE', problem)
    const { name, alias, version } = body as { name: string, alias: string, version?: string }
    if (models[name] === undefined) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`)
    if (req.method === 'DELETE') {
      aliases.delete(`${name}@${alias}`)
      return reply(res, 200, {})
    }
    if (!(models[name] as string[]).includes(version as string)) return error(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${version as string}) not found`)
    aliases.set(`${name}@${alias}`, version as string)
    return reply(res, 200, {})
  }

  let server: Server | null = null
  let port = 0
  const start = async (): Promise<void> => {
    const s = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
    })
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve))
    port = (s.address() as AddressInfo).port
    server = s
  }
  const stop = async (): Promise<void> => {
    const s = server
    if (s === null) return
    server = null
    await new Promise<void>((resolve) => {
      s.close(() => resolve())
      s.closeAllConnections()
    })
  }
  await start()
  t.teardown(stop)
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    aliases,
    get unavailable () { return state.unavailable },
    set unavailable (value: boolean) { state.unavailable = value },
    stop,
    start,
    close: stop
  }
}
