// The one schema of what an operator may write (in YAML, SWITCHYARD_* variables or --flags), with
// the defaults beside it. The resolved `Config` type is derived from it, so a new setting is
// added here and nowhere else.
//
// Every leaf carries extra options that the loader reads while walking the schema:
//   expected  the phrase a problem line uses ("must be an integer from 0 to 65535")
//   refine    a check that runs after the type check: a unit to parse or a URL to normalise
//   secret    (optional) never quote the value in a problem line
import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox'
import type { Colour } from '../colour.js'
import { UPSTREAM_KINDS } from '../upstreams/kinds.js'
import type { SmokeRequest } from '../smoke/config.js'
import { deepFreeze } from './freeze.js'
import { DURATION_EXPECTED, SIZE_EXPECTED } from './units.js'
import { URL_EXPECTED } from './url.js'

export type Refine = 'duration' | 'positiveDuration' | 'size' | 'httpUrl' | 'offDuration' | 'offNumber' | 'offCount' | 'methodList' | 'webhooks' | 'smoke' | 'nullableHttpUrl' | 'adminTokens' | 'readableFile'

// Every key may be left out: defaults fill the gaps and the loader reports required ones itself.
const Section = <P extends TProperties>(properties: P) =>
  Type.Partial(Type.Object(properties, { additionalProperties: false }))

const Port = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, description, expected: 'must be an integer from 0 to 65535' })

const Count = (minimum: number, maximum: number, description: string) =>
  Type.Integer({ minimum, maximum, description, expected: `must be an integer from ${minimum} to ${maximum}` })

const AtLeast = (minimum: number, description: string) =>
  Type.Integer({ minimum, description, expected: `must be an integer of at least ${minimum}` })

const Text = (description: string) =>
  Type.String({ minLength: 1, description, expected: 'must be a non-empty string' })

const UrlPath = (description: string) =>
  Type.String({ pattern: '^/', description, expected: 'must be a path starting with "/"' })

const OneOf = <const T extends string>(values: readonly [T, ...T[]], description: string) =>
  Type.Union(values.map(value => Type.Literal(value)), {
    description,
    expected: `must be one of ${values.map(value => JSON.stringify(value)).join(', ')}`
  })

// A string or null; the leaf's own `expected` gains " or null". A secret's value is never
// quoted in a problem line, since those end up in logs.
const OrNull = <S extends TSchema>(schema: S, description: string, secret = false) =>
  Type.Union([schema, Type.Null()], { description, expected: `${String(schema['expected'])} or null`, secret })

const Duration = (description: string, refine: Refine = 'duration') =>
  Type.Union([Type.Number(), Type.String()], { description, expected: DURATION_EXPECTED, refine })

const Size = (description: string) =>
  Type.Union([Type.Number(), Type.String()], { description, expected: SIZE_EXPECTED, refine: 'size' })

// "off" (or null) turns a check off; the resolved value is then null.
const OffDuration = (description: string) =>
  Type.Union([Type.Number(), Type.String(), Type.Null()], { description, expected: `${DURATION_EXPECTED}, or "off"`, refine: 'offDuration' })

const OffNumber = (description: string, expected: string, refine: 'offNumber' | 'offCount' = 'offNumber') =>
  Type.Union([Type.Number(), Type.String(), Type.Null()], { description, expected: `${expected}, or "off"`, refine })

const Ratio = (description: string) =>
  Type.Number({ minimum: 0, maximum: 1, description, expected: 'must be a number from 0 to 1' })

// A YAML list, or one comma-separated string from an environment variable or a flag.
const MethodList = (description: string) =>
  Type.Union([Type.Array(Type.String()), Type.String()], { description, expected: 'must be a list of methods, each optionally with a path ("GET", "POST /invocations")', refine: 'methodList' })

// A file read at start-up (a certificate, the tokens file): it must exist and be readable.
const FilePath = (description: string) =>
  Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description, expected: 'must be a file path or null', refine: 'readableFile' })

// A certificate and its key, both or neither (PEM files).
const Tls = (section: 'listen' | 'admin', listener: string) => Section({
  cert: FilePath(`PEM certificate (chain) of the ${listener}; with ${section}.tls.key it speaks HTTPS; null: plain HTTP`),
  key: FilePath(`PEM private key of ${section}.tls.cert`)
})

const HttpUrl = (description: string) =>
  Type.String({ description, expected: URL_EXPECTED, refine: 'httpUrl' })

const Upstream = (colour: Colour) => Section({
  url: HttpUrl(`Origin of the ${colour} model server, e.g. http://127.0.0.1:900${colour === 'blue' ? 1 : 2} (required)`),
  healthPath: OrNull(UrlPath(''), `Health probe path for ${colour} (kinds mlflow and http); null means health.path`),
  kind: OneOf(UPSTREAM_KINDS, `Protocol ${colour} speaks, which sets its readiness check and version: mlflow, oip, kserve-v1, torchserve or http`),
  model: OrNull(Text(''), `Model name in ${colour}'s readiness check: kind oip (optional, adds GET /v2/models/{model}/ready) and kserve-v1 (required)`),
  readyStatus: Count(100, 599, `Kind http: the status of GET healthPath that means ${colour} is ready`),
  modelVersion: OrNull(Text(''), `Registry version of the model ${colour} serves; the registry alias moves to it when ${colour} becomes active`)
})

export const ConfigSchema = Section({
  listen: Section({
    host: Text('Address the public listener binds to'),
    port: Port('Port of the public listener (0 picks a free one)'),
    headersTimeout: Duration('Time a client may take to send a request\'s headers (slow clients are cut with 408); the admin API uses it too', 'positiveDuration'),
    requestTimeout: Duration('Time a client may take to send a whole request, body included (not the upstream\'s answer); at least headersTimeout; the admin API uses it too', 'positiveDuration'),
    keepAliveTimeout: Duration('How long an idle client connection is kept open between requests; the admin API uses it too', 'positiveDuration'),
    maxConnections: OffNumber('Client connections open at once; past it new connections are closed at once ("off": no limit)', 'must be an integer of at least 1', 'offCount'),
    maxRequestsPerSocket: OffNumber('Requests one client connection may carry before it is closed ("off": no limit)', 'must be an integer of at least 1', 'offCount'),
    tls: Tls('listen', 'public listener')
  }),
  admin: Section({
    host: Text('Address the admin API binds to; keep it on loopback unless a token is set'),
    port: Port('Port of the admin API'),
    token: OrNull(Text(''), 'Bearer token the admin API requires (its label is "admin"); null means none', true),
    tokens: Type.Union([Type.Array(Type.Unknown()), Type.String()], {
      description: 'More bearer tokens, each with the label history and logs name it by: a list of {label, token} (JSON in env/flags)',
      expected: 'must be a list of {label, token}',
      refine: 'adminTokens',
      secret: true
    }),
    tokensFile: FilePath('File of "label token" lines, one token each; re-read when it changes and on SIGHUP (rotation without a restart)'),
    authFailures: Section({
      limit: OffNumber('Failed token checks a client address may make per window; past it its requests that need a token get 429, right token or not ("off": no limit)', 'must be an integer of at least 1', 'offCount'),
      window: Duration('The window of admin.authFailures.limit, and how long an address that reached it is refused', 'positiveDuration')
    }),
    maxConnections: OffNumber('Admin API connections open at once (the dashboard holds one per open page); "off": no limit', 'must be an integer of at least 1', 'offCount'),
    tls: Tls('admin', 'admin API')
  }),
  upstreams: Section({
    blue: Upstream('blue'),
    green: Upstream('green')
  }),
  active: OneOf(['blue', 'green'], 'Colour that takes live traffic until a switch is saved in the state'),
  health: Section({
    path: UrlPath('Path the health probes request on each upstream'),
    interval: Duration('Time between health probes (ms, or a duration like "2s"; more than 0)', 'positiveDuration'),
    timeout: Duration('Time a health probe may take; must be less than health.interval'),
    healthyThreshold: AtLeast(1, 'Passed probes in a row before an upstream counts as healthy'),
    unhealthyThreshold: AtLeast(1, 'Failed probes in a row before an upstream counts as unhealthy')
  }),
  state: Section({
    store: OneOf(['file', 'memory', 'redis'], 'Where the deployment state is kept ("redis" shares it between replicas)'),
    path: Text('File the state is kept in ("file"), or the last-known copy of the shared state ("redis")'),
    historyLimit: Count(1, 10000, 'How many past switches and rollbacks the state remembers'),
    redis: Section({
      url: Text('Redis server of the shared state when state.store is "redis"'),
      key: Text('Prefix of the Redis keys switchyard uses (one per fleet)'),
      pollInterval: Duration('How often each replica re-reads the shared state (pub/sub can miss messages)', 'positiveDuration'),
      startOffline: Type.Boolean({ description: 'Start from the last-known state file when Redis is down at start-up (false: refuse to start)', expected: 'must be true or false' })
    })
  }),
  proxy: Section({
    timeout: Duration('Time an upstream may take to answer a proxied request (more than 0)', 'positiveDuration'),
    bodyLimit: Size('Largest request body accepted (bytes, or a size like "10MiB")'),
    connections: AtLeast(1, 'Connections kept open to each colour\'s upstream'),
    keepAliveTimeout: Duration('How long an idle upstream connection is kept open'),
    connectTimeout: Duration('Time allowed to open a connection to an upstream')
  }),
  log: Section({
    level: OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'Log level'),
    requests: Type.Boolean({ description: 'Log every proxied request (costs throughput)', expected: 'must be true or false' })
  }),
  shutdown: Section({
    timeout: Duration('Time in-flight requests get to finish on shutdown')
  }),
  preview: Section({
    enabled: Type.Boolean({ description: 'Let a request name its colour with the preview header (never counted as live traffic)', expected: 'must be true or false' }),
    header: Text('Request header that names the colour to preview'),
    requireToken: Type.Boolean({ description: 'A preview request must carry the admin token (Authorization: Bearer)', expected: 'must be true or false' })
  }),
  canary: Section({
    stickyHeader: OrNull(Text(''), 'Request header whose value keeps a client on one colour at a given canary weight (e.g. a user id)')
  }),
  shadow: Section({
    maxBodyBytes: Size('Largest request body mirrored to the standby (larger ones are not mirrored)'),
    timeout: Duration('Time the standby may take to answer a mirrored request', 'positiveDuration'),
    connections: AtLeast(1, 'Connections of the shadow\'s own pool to each colour'),
    maxInflight: AtLeast(1, 'Mirrored requests in flight at once; past it mirrors are dropped and counted'),
    tolerance: Type.Number({ minimum: 0, description: 'Relative tolerance when comparing numeric predictions', expected: 'must be a number of at least 0' }),
    keepDisagreements: Count(0, 1000, 'How many recent disagreements GET /admin/shadow shows'),
    captureBytes: Size('How much of each body a disagreement keeps (and compares)'),
    gate: Section({
      minShadowRequests: OffNumber('Promotion gate: compared shadow requests needed before a switch', 'must be an integer of at least 1', 'offCount'),
      minAgreement: OffNumber('Promotion gate: least share of agreeing answers', 'must be a number from 0 to 1'),
      maxStandbyErrorRate: OffNumber('Promotion gate: largest share of mirrored requests the standby failed', 'must be a number from 0 to 1')
    })
  }),
  notify: Section({
    webhooks: Type.Union([Type.Array(Type.Unknown()), Type.String()], {
      description: 'Webhooks to POST events to: a list of {url, format: json|slack, events: [...]} (JSON in env/flags)',
      expected: 'must be a list of {url, format, events}',
      refine: 'webhooks'
    }),
    timeout: Duration('Time a webhook receiver may take to answer', 'positiveDuration'),
    retries: Count(0, 10, 'Retries of a failed webhook delivery, with backoff')
  }),
  smoke: Type.Union([Type.Array(Type.Unknown()), Type.String()], {
    description: 'Smoke requests a colour must pass before a switch to it: a list of {name, path, contentType, body | bodyFile, expect: {status, predictions | predictionsLength}}, or a YAML file holding one (JSON in env/flags)',
    expected: 'must be a list of {name, path, body | bodyFile, expect}, or the path of a YAML file holding one',
    refine: 'smoke'
  }),
  registry: Section({
    mlflow: Section({
      trackingUri: Type.Union([Type.String(), Type.Null()], { description: 'MLflow tracking server whose alias follows the active colour; null: no registry sync', expected: `${URL_EXPECTED} or null`, refine: 'nullableHttpUrl' }),
      name: OrNull(Text(''), 'Registered model name in MLflow (required with trackingUri)'),
      alias: Text('Alias set to the active colour\'s upstreams.<colour>.modelVersion after every switch and rollback'),
      tokenEnv: OrNull(Text(''), 'Environment variable holding the MLflow token, sent as Authorization: Bearer; null: none'),
      retries: Count(0, 20, 'Retries of a failed alias update, with backoff'),
      backoff: Duration('First wait before a retry; doubles each time, at most 30s', 'positiveDuration'),
      timeout: Duration('Time the tracking server may take to answer', 'positiveDuration')
    })
  }),
  rollback: Section({
    enabled: Type.Boolean({ description: 'Let the guard roll back a new colour that misbehaves during the bake', expected: 'must be true or false' }),
    bake: Duration('Watch period after a switch, while the previous colour stays warm (0: no bake)'),
    window: Duration('Sliding window the guard judges each colour over', 'positiveDuration'),
    minRequests: AtLeast(1, 'Requests the new colour must have answered before rates and p99 count'),
    maxErrorRate: Ratio('Trip when 5xx + connection errors + timeouts reach this share of requests'),
    consecutiveFailures: OffNumber('Trip after this many failures in a row, whatever minRequests says', 'must be an integer of at least 1', 'offCount'),
    max4xxIncrease: OffNumber('Trip when the 4xx rate exceeds the previous colour\'s (before the switch) by more than this', 'must be a number from 0 to 1'),
    maxLatencyP99: OffDuration('Trip when p99 latency reaches this'),
    latencyFactor: OffNumber('Trip when p99 reaches this multiple of the previous colour\'s p99 before the switch', 'must be a number greater than 1'),
    shield: Section({
      enabled: Type.Boolean({ description: 'During the bake, retry a failed request once on the previous colour', expected: 'must be true or false' }),
      maxBodyBytes: Size('Largest request body kept in memory so it can be retried; larger bodies stream unshielded'),
      methods: MethodList('Requests that may be retried: a method, or a method and a path'),
      clientErrors: Type.Boolean({ description: 'Also shield 4xx answers of the new colour', expected: 'must be true or false' })
    })
  })
})

/** What an operator may write: every key optional, durations and sizes as numbers or strings. */
export type ConfigInput = Static<typeof ConfigSchema>

// Input -> resolved: every key present, durations in ms and sizes in bytes (number | string ->
// number), read-only because the loaded object is frozen.
type Resolved<T> =
  [T] extends [Record<string, unknown>] ? { readonly [K in keyof T]-?: Resolved<Exclude<T[K], undefined>> }
    : [number | string | null] extends [T] ? number | null
        : [number | string] extends [T] ? number
            : [unknown[]] extends [T] ? readonly WebhookConfig[]
                : [string[]] extends [T] ? readonly string[]
                    : T

export const NOTIFY_EVENTS = ['switch', 'rollback', 'guard_trip', 'bake_completed', 'health_changed'] as const
export type NotifyEvent = typeof NOTIFY_EVENTS[number]

export interface WebhookConfig {
  readonly url: string
  readonly format: 'json' | 'slack'
  /** Events to send; every event when the list is empty. */
  readonly events: readonly NotifyEvent[]
}

/** One admin bearer token and the label the audit trail names it by. */
export interface AdminToken {
  readonly label: string
  readonly token: string
}

type ResolvedInput = Resolved<ConfigInput>

/**
 * The loaded configuration: every key present, durations in milliseconds, sizes in bytes. The
 * smoke list is checked into SmokeRequest objects (bodies read from their files).
 */
export type Config = Omit<ResolvedInput, 'smoke' | 'admin'> & {
  readonly smoke: readonly SmokeRequest[]
  readonly admin: Omit<ResolvedInput['admin'], 'tokens'> & { readonly tokens: readonly AdminToken[] }
}
export type UpstreamConfig = Config['upstreams'][Colour]

/** Every default; upstream URLs have none, so they must be given. */
export type Defaults = Omit<Config, 'upstreams'> & {
  readonly upstreams: { readonly [C in Colour]: Omit<UpstreamConfig, 'url'> }
}

export const DEFAULTS: Defaults = deepFreeze({
  listen: {
    host: '0.0.0.0',
    port: 8080,
    headersTimeout: 10_000,
    requestTimeout: 120_000,
    keepAliveTimeout: 72_000,
    maxConnections: 4096,
    maxRequestsPerSocket: null,
    tls: { cert: null, key: null }
  },
  admin: {
    host: '127.0.0.1',
    port: 8081,
    token: null,
    tokens: [],
    tokensFile: null,
    authFailures: { limit: 10, window: 60_000 },
    maxConnections: 256,
    tls: { cert: null, key: null }
  },
  upstreams: {
    blue: { healthPath: null, kind: 'mlflow', model: null, readyStatus: 200, modelVersion: null },
    green: { healthPath: null, kind: 'mlflow', model: null, readyStatus: 200, modelVersion: null }
  },
  active: 'blue',
  health: { path: '/ping', interval: 2000, timeout: 1000, healthyThreshold: 1, unhealthyThreshold: 2 },
  state: { store: 'file', path: 'data/state.json', historyLimit: 100, redis: { url: 'redis://127.0.0.1:6379', key: 'switchyard', pollInterval: 5000, startOffline: true } },
  proxy: { timeout: 60_000, bodyLimit: 10 * 1024 * 1024, connections: 128, keepAliveTimeout: 60_000, connectTimeout: 5000 },
  log: { level: 'info', requests: false },
  shutdown: { timeout: 30_000 },
  preview: { enabled: false, header: 'x-switchyard-target', requireToken: false },
  canary: { stickyHeader: null },
  shadow: {
    maxBodyBytes: 1024 * 1024,
    timeout: 5000,
    connections: 8,
    maxInflight: 64,
    tolerance: 1e-6,
    keepDisagreements: 20,
    captureBytes: 4096,
    gate: { minShadowRequests: null, minAgreement: null, maxStandbyErrorRate: null }
  },
  notify: { webhooks: [], timeout: 5000, retries: 3 },
  smoke: [],
  registry: { mlflow: { trackingUri: null, name: null, alias: 'champion', tokenEnv: null, retries: 5, backoff: 1000, timeout: 5000 } },
  rollback: {
    enabled: true,
    bake: 600_000,
    window: 30_000,
    minRequests: 20,
    maxErrorRate: 0.05,
    consecutiveFailures: 5,
    max4xxIncrease: 0.2,
    maxLatencyP99: null,
    latencyFactor: null,
    shield: { enabled: true, maxBodyBytes: 1024 * 1024, methods: ['GET', 'HEAD', 'POST /invocations'], clientErrors: false }
  }
})
