// Local servers that answer readiness and metadata requests as the model servers of each
// upstream kind do, paths and bodies taken from each project's documentation:
//   Open Inference Protocol v2   KServe docs, "Open Inference Protocol (V2 Inference Protocol)":
//                                GET /v2/health/live|ready, GET /v2/models/{m}/ready (the status
//                                code is the answer), GET /v2/models/{m} -> {name, versions,
//                                platform, inputs, outputs}, GET /v2 -> {name, version,
//                                extensions}, POST /v2/models/{m}/infer -> {model_name, outputs:
//                                [{name, shape, datatype, data}]}. Not ready: 503, as KServe's
//                                Python server answers (Triton answers 400).
//   KServe V1                    KServe docs, "V1 Protocol": GET /v1/models/{m} -> {"name": m,
//                                "ready": bool} (200 even when not ready; 404 for an unknown
//                                model), POST /v1/models/{m}:predict -> {"predictions": [...]}.
//   TorchServe                   pytorch/serve docs/inference_api.md, "Health check API": GET /ping
//                                -> 200 {"status": "Healthy"}; 500 {"status": "Unhealthy"} when
//                                its workers are down. POST /predictions/{m} answers the handler's
//                                output.
//   MLflow (loading)             mlflow/pyfunc/scoring_server: GET /ping is 404 with a "\n" body
//                                until the model is loaded.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TeardownHost } from './model-server.js'

export interface KindServer {
  readonly url: string
  /** Every request as "METHOD /path", in order. */
  readonly seen: string[]
  /** Flip to make the server up but not ready (or ready again). */
  ready: boolean
  /** Answer every request this late (0: at once). */
  delayMs: number
  close (): Promise<void>
}

type Handler = (req: IncomingMessage, path: string, server: KindServer) => { status: number, body: unknown, type?: string }

async function listen (t: TeardownHost, handler: Handler, ready: boolean): Promise<KindServer> {
  const seen: string[] = []
  const state = { ready, delayMs: 0 }
  const http = createServer((req, res: ServerResponse) => {
    const path = (req.url as string).split('?')[0] as string
    seen.push(`${req.method as string} ${req.url as string}`)
    req.resume()
    req.on('end', () => {
      const answer = handler(req, path, server)
      const text = answer.status === 204 ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
      const send = (): void => {
        if (res.destroyed) return
        res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json', 'content-length': Buffer.byteLength(text) })
        res.end(text)
      }
      if (state.delayMs > 0) setTimeout(send, state.delayMs).unref()
      else send()
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  let closed: Promise<void> | undefined
  const server: KindServer = {
    url: `http://127.0.0.1:${port}`,
    seen,
    get ready () { return state.ready },
    set ready (value: boolean) { state.ready = value },
    get delayMs () { return state.delayMs },
    set delayMs (value: number) { state.delayMs = value },
    close () {
      closed ??= new Promise((resolve) => {
        http.close(() => resolve())
        http.closeAllConnections()
      })
      return closed
    }
  }
  t.teardown(() => server.close())
  return server
}

const NOT_FOUND = { status: 404, body: { error: 'not found' } }

/** An Open Inference Protocol v2 server (KServe, MLServer, Triton) serving one model. */
export function startOipServer (t: TeardownHost, options: { model?: string, versions?: string[], serverReady?: boolean, ready?: boolean } = {}): Promise<KindServer> {
  const model = options.model ?? 'iris'
  const serverReady = options.serverReady ?? true
  return listen(t, (req, path, server) => {
    if (path === '/v2/health/live') return { status: 200, body: { live: true } }
    if (path === '/v2/health/ready') return serverReady ? { status: 200, body: { ready: true } } : { status: 503, body: { ready: false } }
    if (path === '/v2') return { status: 200, body: { name: 'kserve', version: '0.13.0', extensions: [] } }
    if (path === `/v2/models/${model}/ready`) return server.ready ? { status: 200, body: { name: model, ready: true } } : { status: 503, body: { error: `Model with name ${model} is not ready.` } }
    if (path === `/v2/models/${model}`) {
      return {
        status: 200,
        body: {
          name: model,
          versions: options.versions ?? ['3'],
          platform: 'sklearn',
          inputs: [{ name: 'input-0', datatype: 'FP64', shape: [-1, 4] }],
          outputs: [{ name: 'output-0', datatype: 'INT64', shape: [-1] }]
        }
      }
    }
    if (req.method === 'POST' && path === `/v2/models/${model}/infer`) {
      return { status: 200, body: { model_name: model, id: 'smoke', outputs: [{ name: 'output-0', shape: [1], datatype: 'INT64', data: [0] }] } }
    }
    if (path.startsWith('/v2/models/')) return { status: 404, body: { error: `Model with name ${path.split('/')[3] as string} does not exist.` } }
    return NOT_FOUND
  }, options.ready ?? true)
}

/** A KServe V1 protocol server serving one model. */
export function startKserveV1Server (t: TeardownHost, options: { model?: string, ready?: boolean } = {}): Promise<KindServer> {
  const model = options.model ?? 'iris'
  return listen(t, (req, path, server) => {
    if (path === `/v1/models/${model}`) return { status: 200, body: { name: model, ready: server.ready } }
    if (req.method === 'POST' && path === `/v1/models/${model}:predict`) return { status: 200, body: { predictions: [0] } }
    if (path.startsWith('/v1/models/')) return { status: 404, body: { error: `Model with name ${path.slice('/v1/models/'.length)} does not exist.` } }
    return NOT_FOUND
  }, options.ready ?? true)
}

/** TorchServe's inference API (port 8080 by default). */
export function startTorchServe (t: TeardownHost, options: { ready?: boolean } = {}): Promise<KindServer> {
  return listen(t, (req, path, server) => {
    if (path === '/ping') return server.ready ? { status: 200, body: { status: 'Healthy' } } : { status: 500, body: { status: 'Unhealthy' } }
    if (req.method === 'POST' && path.startsWith('/predictions/')) return { status: 200, body: [0] }
    return NOT_FOUND
  }, options.ready ?? true)
}

/** MLflow's scoring server: /ping 200 "\n" once loaded (404 before), /version the MLflow version. */
export function startMlflowServer (t: TeardownHost, options: { ready?: boolean, version?: string } = {}): Promise<KindServer> {
  return listen(t, (req, path, server) => {
    if (path === '/ping' || path === '/health') return { status: server.ready ? 200 : 404, body: '\n' }
    if (path === '/version') return { status: 200, body: options.version ?? '2.14.1', type: 'application/json' }
    if (req.method === 'POST' && path === '/invocations') return { status: 200, body: { predictions: [0] } }
    return NOT_FOUND
  }, options.ready ?? true)
}

/** Any HTTP server with a readiness path that answers `readyStatus` when ready and 503 when not. */
export function startHttpServer (t: TeardownHost, options: { path?: string, readyStatus?: number, ready?: boolean } = {}): Promise<KindServer> {
  const path = options.path ?? '/healthz'
  return listen(t, (_req, got, server) => {
    if (got === path) return server.ready ? { status: options.readyStatus ?? 200, body: { ok: true } } : { status: 503, body: { ok: false } }
    return NOT_FOUND
  }, options.ready ?? true)
}
