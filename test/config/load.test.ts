import { join } from 'node:path'
import t from 'tap'
import { CONFIG_INVALID } from '../../src/errors.js'
import { DEFAULTS, DEFAULT_FILE, loadConfig, loadConfigWithWarnings, type Config } from '../../src/config/load.js'

// The upstream URLs have no default, so every load needs them from somewhere.
const URLS = {
  SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://127.0.0.1:9001',
  SWITCHYARD_UPSTREAMS_GREEN_URL: 'http://127.0.0.1:9002'
}

const EXPECTED_DEFAULTS: Config = {
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
  admin: { host: '127.0.0.1', port: 8081, token: null, tokens: [], tokensFile: null, authFailures: { limit: 10, window: 60_000 }, maxConnections: 256, tls: { cert: null, key: null } },
  upstreams: {
    blue: { url: 'http://127.0.0.1:9001', healthPath: null, kind: 'mlflow', model: null, readyStatus: 200, modelVersion: null },
    green: { url: 'http://127.0.0.1:9002', healthPath: null, kind: 'mlflow', model: null, readyStatus: 200, modelVersion: null }
  },
  active: 'blue',
  health: { path: '/ping', interval: 2000, timeout: 1000, healthyThreshold: 1, unhealthyThreshold: 2 },
  state: { store: 'file', path: 'data/state.json', historyLimit: 100, redis: { url: 'redis://127.0.0.1:6379', key: 'switchyard', pollInterval: 5000, startOffline: true } },
  proxy: { timeout: 60_000, bodyLimit: 10_485_760, connections: 128, keepAliveTimeout: 60_000, connectTimeout: 5000 },
  log: { level: 'info', requests: false },
  shutdown: { timeout: 30_000 },
  preview: { enabled: false, header: 'x-switchyard-target', requireToken: false },
  canary: { stickyHeader: null },
  shadow: {
    maxBodyBytes: 1_048_576,
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
    shield: { enabled: true, maxBodyBytes: 1_048_576, methods: ['GET', 'HEAD', 'POST /invocations'], clientErrors: false }
  }
}

function problemsOf (load: () => unknown): string[] {
  try {
    load()
  } catch (err) {
    if (CONFIG_INVALID.is(err)) return err.message.split('\n').slice(1)
    throw err
  }
  throw new Error('expected CONFIG_INVALID')
}

t.test('defaults fill everything but the upstream URLs', async t => {
  const cwd = t.testdir({})
  t.same(loadConfig({ cwd, env: URLS }), EXPECTED_DEFAULTS)
  const upstream = { healthPath: null, kind: 'mlflow', model: null, readyStatus: 200, modelVersion: null }
  t.same(DEFAULTS, { ...EXPECTED_DEFAULTS, upstreams: { blue: upstream, green: upstream } })
})

t.test('without a file, env or flags only the upstream URLs are missing', async t => {
  const cwd = t.testdir({})
  t.same(problemsOf(() => loadConfig({ cwd, env: {} })), [
    'upstreams.blue.url: is required (in the config file, SWITCHYARD_UPSTREAMS_BLUE_URL or --upstreams.blue.url)',
    'upstreams.green.url: is required (in the config file, SWITCHYARD_UPSTREAMS_GREEN_URL or --upstreams.green.url)'
  ])
})

t.test('reads config/default.yaml under cwd when no file is named', async t => {
  const cwd = t.testdir({
    config: {
      'default.yaml': [
        'listen: { port: 9000 }',
        'upstreams:',
        '  blue: { url: "http://blue.local:8000/" }',
        '  green: { url: "https://green.local/v1/", healthPath: /healthz }',
        'active: green',
        'health: { interval: 5s, timeout: 1500 }',
        'proxy: { bodyLimit: 1MiB }',
        'log: { requests: true }'
      ].join('\n')
    }
  })
  const { config, warnings, file } = loadConfigWithWarnings({ cwd, env: {} })
  t.equal(file, join(cwd, DEFAULT_FILE))
  t.same(warnings, [])
  t.equal(config.listen.port, 9000)
  t.equal(config.listen.host, '0.0.0.0', 'keys not in the file keep their default')
  t.same(config.upstreams, {
    blue: { url: 'http://blue.local:8000', healthPath: null, kind: 'mlflow', model: null, readyStatus: 200, modelVersion: null },
    green: { url: 'https://green.local/v1', healthPath: '/healthz', kind: 'mlflow', model: null, readyStatus: 200, modelVersion: null }
  }, 'URLs lose their trailing slash')
  t.equal(config.active, 'green')
  t.same(config.health, { ...EXPECTED_DEFAULTS.health, interval: 5000, timeout: 1500 })
  t.equal(config.proxy.bodyLimit, 1_048_576)
  t.equal(config.log.requests, true)
})

t.test('an explicit file is read relative to cwd, and --config beats it', async t => {
  const cwd = t.testdir({
    'a.yaml': 'listen: { port: 1111 }\n',
    'b.yaml': 'listen: { port: 2222 }\n',
    config: { 'default.yaml': 'listen: { port: 3333 }\n' }
  })
  t.equal(loadConfig({ cwd, env: URLS, file: 'a.yaml' }).listen.port, 1111)
  t.equal(loadConfig({ cwd, env: URLS, file: 'a.yaml', args: ['--config', 'b.yaml'] }).listen.port, 2222)
  t.equal(loadConfig({ cwd, env: URLS, args: ['--config=b.yaml'] }).listen.port, 2222)
  t.equal(loadConfig({ cwd, env: URLS, file: join(cwd, 'a.yaml') }).listen.port, 1111, 'absolute paths work too')
})

t.test('an empty file, or one with only comments, sets nothing', async t => {
  const cwd = t.testdir({ 'empty.yaml': '', 'comments.yaml': '# nothing here\n' })
  t.same(loadConfig({ cwd, env: URLS, file: 'empty.yaml' }), EXPECTED_DEFAULTS)
  t.same(loadConfig({ cwd, env: URLS, file: 'comments.yaml' }), EXPECTED_DEFAULTS)
})

t.test('environment beats the file, flags beat the environment', async t => {
  const cwd = t.testdir({ 'c.yaml': 'listen: { port: 1111, host: file.local }\nadmin: { token: from-file }\n' })
  const env = { ...URLS, SWITCHYARD_LISTEN_PORT: '2222', SWITCHYARD_ADMIN_TOKEN: 'from-env' }
  const fromEnv = loadConfig({ cwd, env, file: 'c.yaml' })
  t.equal(fromEnv.listen.port, 2222)
  t.equal(fromEnv.listen.host, 'file.local')
  t.equal(fromEnv.admin.token, 'from-env')

  const fromFlags = loadConfig({ cwd, env, file: 'c.yaml', args: ['--listen.port', '3333', '--set', 'admin.token=from-flag'] })
  t.equal(fromFlags.listen.port, 3333)
  t.equal(fromFlags.admin.token, 'from-flag')
})

t.test('env and options default to process.env and process.cwd()', async t => {
  const cwd = t.testdir({ config: { 'default.yaml': 'listen: { port: 4444 }\n' } })
  const saved = { ...process.env }
  const savedCwd = process.cwd()
  t.teardown(() => {
    process.env = saved
    process.chdir(savedCwd)
  })
  Object.assign(process.env, URLS)
  process.chdir(cwd)
  t.equal(loadConfig().listen.port, 4444)
})

t.test('unknown SWITCHYARD_* variables are returned as warnings, not problems', async t => {
  const cwd = t.testdir({})
  const { warnings } = loadConfigWithWarnings({
    cwd,
    env: { ...URLS, SWITCHYARD_LISTEN_PROT: '1', SWITCHYARD_COLOUR: 'x', HOME: '/root', SWITCHYARD_LOG_LEVEL: undefined }
  })
  t.same(warnings, [
    'SWITCHYARD_COLOUR is not a switchyard setting and was ignored',
    'SWITCHYARD_LISTEN_PROT is not a switchyard setting and was ignored'
  ])
})

t.test('the result is frozen all the way down', async t => {
  const config = loadConfig({ cwd: t.testdir({}), env: URLS })
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.upstreams.green))
  t.throws(() => { (config.listen as { port: number }).port = 1 }, TypeError)
  t.throws(() => { (config.upstreams as Record<string, unknown>)['purple'] = {} }, TypeError)
  t.ok(Object.isFrozen(DEFAULTS.health), 'so are the defaults')
})

t.test('file problems name the file', async t => {
  const cwd = t.testdir({
    'dupe.yaml': 'listen:\n  port: 1\n  port: 2\n',
    'list.yaml': '- listen\n',
    'scalar.yaml': 'just text\n',
    dir: {}
  })
  const lines = (file: string): string[] => problemsOf(() => loadConfig({ cwd, env: URLS, file }))
  t.same(lines('missing.yaml'), [`config file ${join(cwd, 'missing.yaml')}: not found`])
  t.same(lines('dupe.yaml'), [`config file ${join(cwd, 'dupe.yaml')}: invalid YAML: Map keys must be unique at line 3, column 3`])
  t.same(lines('list.yaml'), [`config file ${join(cwd, 'list.yaml')}: must be a mapping of settings (got a list)`])
  t.same(lines('scalar.yaml'), [`config file ${join(cwd, 'scalar.yaml')}: must be a mapping of settings (got "just text")`])
  t.same(lines('dir'), [`config file ${join(cwd, 'dir')}: cannot be read (EISDIR)`])
})

t.test('a bad config/default.yaml is reported too, with the other layers\' problems', async t => {
  const cwd = t.testdir({ config: { 'default.yaml': 'listen: [1\n' } })
  t.same(problemsOf(() => loadConfig({ cwd, env: { ...URLS, SWITCHYARD_LISTEN_PORT: 'x' } })), [
    `config file ${join(cwd, DEFAULT_FILE)}: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1`,
    'SWITCHYARD_LISTEN_PORT (listen.port): must be an integer from 0 to 65535 (got "x")'
  ])
})

t.test('the error carries the problem lines as details', async t => {
  const err = t.throws(() => loadConfig({ cwd: t.testdir({}), env: {} }))
  t.ok(CONFIG_INVALID.is(err))
  t.match(err, { code: 'SW_ERR_CONFIG_INVALID', details: { problems: [/^upstreams\.blue\.url/, /^upstreams\.green\.url/] } })
})

t.test('rollback settings: "off", numbers and method lists from every layer', async t => {
  const cwd = t.testdir({ 'c.yaml': 'rollback:\n  maxLatencyP99: 250ms\n  consecutiveFailures: off\n  shield: { methods: [GET, "POST /predict"] }\n' })
  const config = loadConfig({
    cwd,
    file: 'c.yaml',
    env: { ...URLS, SWITCHYARD_ROLLBACK_LATENCY_FACTOR: '2.5', SWITCHYARD_ROLLBACK_MAX4XX_INCREASE: 'off' },
    args: ['--rollback.shield.methods', 'GET, HEAD']
  })
  t.equal(config.rollback.maxLatencyP99, 250)
  t.equal(config.rollback.consecutiveFailures, null)
  t.equal(config.rollback.latencyFactor, 2.5)
  t.equal(config.rollback.max4xxIncrease, null)
  t.same(config.rollback.shield.methods, ['GET', 'HEAD'])
  t.same(loadConfig({ cwd, file: 'c.yaml', env: URLS }).rollback.shield.methods, ['GET', 'POST /predict'])
})

t.test('rollback settings: every bad value is named', async t => {
  const cwd = t.testdir({})
  t.same(problemsOf(() => loadConfig({
    cwd,
    env: URLS,
    args: [
      '--rollback.latencyFactor', '1', '--rollback.consecutiveFailures', '2.5', '--rollback.max4xxIncrease', '3',
      '--rollback.maxLatencyP99', 'slow', '--rollback.shield.methods', 'get', '--rollback.maxErrorRate', '2'
    ]
  })), [
    '--rollback.consecutiveFailures: must be an integer of at least 1, or "off" (got "2.5")',
    '--rollback.latencyFactor: must be a number greater than 1, or "off" (got "1")',
    '--rollback.max4xxIncrease: must be a number from 0 to 1, or "off" (got "3")',
    '--rollback.maxErrorRate: must be a number from 0 to 1 (got "2")',
    '--rollback.maxLatencyP99: must be a duration like "2s" or "500ms" (got "slow")',
    '--rollback.shield.methods: each entry must be a method in capitals, optionally with a path ("GET", "POST /invocations") (got "get")'
  ])
})

t.test('webhooks: a YAML list, or JSON in a variable; each entry checked', async t => {
  const cwd = t.testdir({ 'c.yaml': 'notify:\n  webhooks:\n    - { url: "http://127.0.0.1:9/hook", format: slack, events: [rollback, guard_trip] }\n    - { url: "http://127.0.0.1:9/all" }\n' })
  t.same(loadConfig({ cwd, file: 'c.yaml', env: URLS }).notify.webhooks, [
    { url: 'http://127.0.0.1:9/hook', format: 'slack', events: ['rollback', 'guard_trip'] },
    { url: 'http://127.0.0.1:9/all', format: 'json', events: [] }
  ])
  t.same(loadConfig({ cwd, env: { ...URLS, SWITCHYARD_NOTIFY_WEBHOOKS: '[{"url": "http://127.0.0.1:9/x", "events": ["switch"]}]' } }).notify.webhooks,
    [{ url: 'http://127.0.0.1:9/x', format: 'json', events: ['switch'] }])
  const bad: Array<[string, RegExp]> = [
    ['not json', /must be a JSON list/],
    ['{"url": "http://x"}', /must be a list of/],
    ['[3]', /\[0\]: must be an object/],
    ['[{"url": "ftp://x"}]', /\[0\]\.url: must be an http\(s\) URL/],
    ['[{"url": "http://x", "format": "xml"}]', /\[0\]\.format: must be "json" or "slack"/],
    ['[{"url": "http://x", "events": ["deploy"]}]', /\[0\]\.events: must be a list of switch, rollback/],
    ['[{"url": "http://x", "secret": 1}]', /\[0\]\.secret: unknown key/]
  ]
  for (const [value, problem] of bad) {
    t.match(problemsOf(() => loadConfig({ cwd, env: { ...URLS, SWITCHYARD_NOTIFY_WEBHOOKS: value } })).join('\n'), problem, value)
  }
  t.same(loadConfig({ cwd, env: { ...URLS, SWITCHYARD_NOTIFY_WEBHOOKS: '' } }).notify.webhooks, [])
})

t.test('upstream kinds: one of the five, with model, readyStatus and modelVersion beside them', async t => {
  const cwd = t.testdir({ 'k.yaml': 'upstreams:\n  blue: { kind: oip, model: iris, modelVersion: "3" }\n  green: { kind: http, healthPath: /ready, readyStatus: 204 }\n' })
  const config = loadConfig({ cwd, file: 'k.yaml', env: URLS })
  t.match(config.upstreams.blue, { kind: 'oip', model: 'iris', modelVersion: '3', readyStatus: 200 })
  t.match(config.upstreams.green, { kind: 'http', healthPath: '/ready', readyStatus: 204, model: null })
  t.same(problemsOf(() => loadConfig({ cwd, env: { ...URLS, SWITCHYARD_UPSTREAMS_GREEN_KIND: 'triton', SWITCHYARD_UPSTREAMS_BLUE_READY_STATUS: '700' } })), [
    'SWITCHYARD_UPSTREAMS_BLUE_READY_STATUS (upstreams.blue.readyStatus): must be an integer from 100 to 599 (got 700)',
    'SWITCHYARD_UPSTREAMS_GREEN_KIND (upstreams.green.kind): must be one of "mlflow", "oip", "kserve-v1", "torchserve", "http" (got "triton")'
  ])
})
