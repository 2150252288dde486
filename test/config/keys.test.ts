import t from 'tap'
import { describeConfig, envNameFor } from '../../src/config/load.js'

t.test('envNameFor splits camelCase and upper-cases the path', async t => {
  const cases: Array<[string, string]> = [
    ['listen.port', 'SWITCHYARD_LISTEN_PORT'],
    ['admin.token', 'SWITCHYARD_ADMIN_TOKEN'],
    ['active', 'SWITCHYARD_ACTIVE'],
    ['upstreams.green.url', 'SWITCHYARD_UPSTREAMS_GREEN_URL'],
    ['upstreams.blue.healthPath', 'SWITCHYARD_UPSTREAMS_BLUE_HEALTH_PATH'],
    ['upstreams.green.modelVersion', 'SWITCHYARD_UPSTREAMS_GREEN_MODEL_VERSION'],
    ['registry.mlflow.trackingUri', 'SWITCHYARD_REGISTRY_MLFLOW_TRACKING_URI'],
    ['health.healthyThreshold', 'SWITCHYARD_HEALTH_HEALTHY_THRESHOLD'],
    ['proxy.keepAliveTimeout', 'SWITCHYARD_PROXY_KEEP_ALIVE_TIMEOUT'],
    ['state.store', 'SWITCHYARD_STATE_STORE'],
    ['log.requests', 'SWITCHYARD_LOG_REQUESTS']
  ]
  for (const [path, env] of cases) t.equal(envNameFor(path), env, path)
})

t.test('describeConfig lists every leaf with its env name, default and description', async t => {
  const rows = describeConfig()
  t.same(rows.map(row => row.key), [
    'listen.host', 'listen.port', 'listen.headersTimeout', 'listen.requestTimeout', 'listen.keepAliveTimeout', 'listen.maxConnections', 'listen.maxRequestsPerSocket', 'listen.tls.cert', 'listen.tls.key',
    'admin.host', 'admin.port', 'admin.token', 'admin.tokens', 'admin.tokensFile', 'admin.authFailures.limit', 'admin.authFailures.window', 'admin.maxConnections', 'admin.tls.cert', 'admin.tls.key',
    'upstreams.blue.url', 'upstreams.blue.healthPath', 'upstreams.blue.kind', 'upstreams.blue.model', 'upstreams.blue.readyStatus', 'upstreams.blue.modelVersion',
    'upstreams.green.url', 'upstreams.green.healthPath', 'upstreams.green.kind', 'upstreams.green.model', 'upstreams.green.readyStatus', 'upstreams.green.modelVersion',
    'active',
    'health.path', 'health.interval', 'health.timeout', 'health.healthyThreshold', 'health.unhealthyThreshold',
    'state.store', 'state.path', 'state.historyLimit',
    'state.redis.url', 'state.redis.key', 'state.redis.pollInterval', 'state.redis.startOffline',
    'proxy.timeout', 'proxy.bodyLimit', 'proxy.connections', 'proxy.keepAliveTimeout', 'proxy.connectTimeout',
    'log.level', 'log.requests',
    'shutdown.timeout',
    'preview.enabled', 'preview.header', 'preview.requireToken',
    'canary.stickyHeader',
    'shadow.maxBodyBytes', 'shadow.timeout', 'shadow.connections', 'shadow.maxInflight', 'shadow.tolerance',
    'shadow.keepDisagreements', 'shadow.captureBytes',
    'shadow.gate.minShadowRequests', 'shadow.gate.minAgreement', 'shadow.gate.maxStandbyErrorRate',
    'notify.webhooks', 'notify.timeout', 'notify.retries',
    'smoke',
    'registry.mlflow.trackingUri', 'registry.mlflow.name', 'registry.mlflow.alias', 'registry.mlflow.tokenEnv',
    'registry.mlflow.retries', 'registry.mlflow.backoff', 'registry.mlflow.timeout',
    'rollback.enabled', 'rollback.bake', 'rollback.window', 'rollback.minRequests', 'rollback.maxErrorRate',
    'rollback.consecutiveFailures', 'rollback.max4xxIncrease', 'rollback.maxLatencyP99', 'rollback.latencyFactor',
    'rollback.shield.enabled', 'rollback.shield.maxBodyBytes', 'rollback.shield.methods', 'rollback.shield.clientErrors'
  ])
  for (const row of rows) {
    t.equal(row.env, envNameFor(row.key), `${row.key} env`)
    t.match(row.description, /\S/, `${row.key} has a description`)
    t.notMatch(row.description, /\n/, `${row.key} description is one line`)
  }
  const byKey = new Map(rows.map(row => [row.key, row]))
  t.same(byKey.get('proxy.bodyLimit'), {
    key: 'proxy.bodyLimit',
    env: 'SWITCHYARD_PROXY_BODY_LIMIT',
    default: 10 * 1024 * 1024,
    description: 'Largest request body accepted (bytes, or a size like "10MiB")'
  })
  t.equal(byKey.get('upstreams.green.url')?.default, undefined, 'required settings have no default')
  t.equal(byKey.get('admin.token')?.default, null)
})
