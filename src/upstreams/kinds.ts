// Upstream kinds: how each model server says it is ready, and which version it serves. Pure: a
// plan is plain data and judging an answer needs no socket, so each kind is tested without one.
//
// Where each check comes from:
//   mlflow      MLflow's scoring server (mlflow/pyfunc/scoring_server): GET /ping answers 200 with
//               a bare "\n" once the model is loaded (404 if it is not); GET /version answers a
//               version string as the body.
//   oip         Open Inference Protocol v2 (KServe docs, "Open Inference Protocol (V2 Inference
//               Protocol)", Health API): GET /v2/health/ready and GET /v2/models/{model}/ready
//               answer 200 when ready, the answer status carries the result (KServe 503, Triton
//               400 otherwise). Metadata: GET /v2/models/{model} -> {name, versions?, platform,
//               inputs, outputs}; GET /v2 -> {name, version, extensions}.
//   kserve-v1   KServe V1 protocol (KServe docs, "V1 Protocol", API table): GET /v1/models/{model}
//               -> {"name": <model>, "ready": <bool>}. The protocol reports no version.
//   torchserve  TorchServe inference API (pytorch/serve docs/inference_api.md, "Health check
//               API"): GET /ping -> 200 {"status": "Healthy"}; 500 with another status (e.g.
//               "Unhealthy") when too few workers are up. The inference API reports no version.
//   http        any server: GET a path, one status means ready.

export const UPSTREAM_KINDS = ['mlflow', 'oip', 'kserve-v1', 'torchserve', 'http'] as const
export type UpstreamKind = typeof UPSTREAM_KINDS[number]

/** A readiness answer judged: ok, or what is wrong with it in words. */
export type Judgement = { ok: true } | { ok: false, problem: string }

/** One request of a readiness check: GET `path`, then judge the answer. */
export interface ProbeStep {
  readonly path: string
  judge (status: number, body: string): Judgement
}

/** Where a kind reports its version, and how to read it from the answer. */
export interface VersionRead {
  readonly path: string
  read (status: number, body: string): string | null
}

export interface ProbePlan {
  readonly kind: UpstreamKind
  /** Run in order; the first that is not ok makes the colour not ready. */
  readonly steps: readonly ProbeStep[]
  /** null: the kind reports no version. */
  readonly version: VersionRead | null
}

export interface KindSettings {
  kind: UpstreamKind
  /** oip: the model whose readiness counts as well (optional); kserve-v1: required. */
  model: string | null
  /** mlflow and http: the path to probe (upstreams.<colour>.healthPath or health.path). */
  path: string
  /** http: the status that means ready. */
  readyStatus: number
}

const OK: Judgement = { ok: true }

function statusIs (path: string, expected: number): ProbeStep {
  return {
    path,
    judge: (status) => status === expected ? OK : { ok: false, problem: `GET ${path} answered ${status}` }
  }
}

function parseObject (body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null
  } catch {
    return null
  }
}

function textVersion (status: number, body: string): string | null {
  const text = body.trim()
  // A JSON string ("2.14.1") or plain text; a JSON object or an error page is not a version.
  if (status !== 200 || text === '' || text.length > 200 || text.startsWith('{') || text.startsWith('<')) return null
  if (text.startsWith('"')) {
    try {
      const value: unknown = JSON.parse(text)
      return typeof value === 'string' ? value : null
    } catch {
      return null
    }
  }
  return text
}

function encode (model: string): string {
  return encodeURIComponent(model)
}

function mlflow (settings: KindSettings): ProbePlan {
  return { kind: 'mlflow', steps: [statusIs(settings.path, 200)], version: { path: '/version', read: textVersion } }
}

function oip (settings: KindSettings): ProbePlan {
  const steps: ProbeStep[] = [statusIs('/v2/health/ready', 200)]
  if (settings.model === null) {
    return {
      kind: 'oip',
      steps,
      version: {
        path: '/v2',
        read: (status, body) => {
          const meta = status === 200 ? parseObject(body) : null
          return typeof meta?.version === 'string' ? meta.version : null
        }
      }
    }
  }
  const model = `/v2/models/${encode(settings.model)}`
  steps.push(statusIs(`${model}/ready`, 200))
  return {
    kind: 'oip',
    steps,
    version: {
      path: model,
      read: (status, body) => {
        const meta = status === 200 ? parseObject(body) : null
        const versions = Array.isArray(meta?.versions) ? meta.versions.filter((v): v is string => typeof v === 'string') : []
        return versions.length > 0 ? versions.join(',') : null
      }
    }
  }
}

function kserveV1 (settings: KindSettings): ProbePlan {
  const path = `/v1/models/${encode(settings.model ?? '')}`
  return {
    kind: 'kserve-v1',
    steps: [{
      path,
      judge: (status, body) => {
        if (status !== 200) return { ok: false, problem: `GET ${path} answered ${status}` }
        const ready = parseObject(body)?.ready
        if (ready === true) return OK
        return { ok: false, problem: ready === false ? `GET ${path}: the model is not ready ("ready": false)` : `GET ${path} answered 200 without "ready": true` }
      }
    }],
    version: null
  }
}

function torchserve (): ProbePlan {
  return {
    kind: 'torchserve',
    steps: [{
      path: '/ping',
      judge: (status, body) => {
        const said = parseObject(body)?.status
        // 200 is ready ("Healthy", or "Partial Healthy" when some models run short of workers).
        if (status === 200 && said !== 'Unhealthy') return OK
        return { ok: false, problem: `GET /ping answered ${status}${typeof said === 'string' ? ` ("status": ${JSON.stringify(said)})` : ''}` }
      }
    }],
    version: null
  }
}

function http (settings: KindSettings): ProbePlan {
  return { kind: 'http', steps: [statusIs(settings.path, settings.readyStatus)], version: null }
}

/** The readiness check and version read of one upstream. */
export function probePlan (settings: KindSettings): ProbePlan {
  switch (settings.kind) {
    case 'mlflow': return mlflow(settings)
    case 'oip': return oip(settings)
    case 'kserve-v1': return kserveV1(settings)
    case 'torchserve': return torchserve()
    case 'http': return http(settings)
  }
}

/** The plan of a bare health path: any 2xx is ready (how probes worked before kinds). */
export function pathPlan (path: string): ProbePlan {
  return {
    kind: 'http',
    steps: [{ path, judge: (status) => status >= 200 && status < 300 ? OK : { ok: false, problem: `GET ${path} answered ${status}` } }],
    version: null
  }
}

/** Settings that only make sense together, per colour: one line per problem, keyed like config problems. */
export function kindProblems (colour: string, settings: { kind: UpstreamKind, model: string | null }): string[] {
  if (settings.kind === 'kserve-v1' && settings.model === null) {
    return [`upstreams.${colour}.model: is required when upstreams.${colour}.kind is "kserve-v1" (its readiness is GET /v1/models/{model})`]
  }
  return []
}
