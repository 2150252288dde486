import t, { type Test } from 'tap'
import { CONFIG_INVALID } from '../../src/errors.js'
import { loadConfig, type Config } from '../../src/config/load.js'

const URLS = {
  SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://127.0.0.1:9001',
  SWITCHYARD_UPSTREAMS_GREEN_URL: 'http://127.0.0.1:9002'
}

function load (t: Test, env: Record<string, string>): Config {
  return loadConfig({ cwd: t.testdir({}), env: { ...URLS, ...env } })
}

t.test('variable strings are coerced to the setting\'s type', async t => {
  const config = load(t, {
    SWITCHYARD_LISTEN_PORT: ' 9000 ',
    SWITCHYARD_LISTEN_HOST: '::',
    SWITCHYARD_ADMIN_TOKEN: 's3cret',
    SWITCHYARD_UPSTREAMS_BLUE_HEALTH_PATH: '/healthz',
    SWITCHYARD_ACTIVE: 'green',
    SWITCHYARD_HEALTH_HEALTHY_THRESHOLD: '3',
    SWITCHYARD_HEALTH_INTERVAL: '10s',
    SWITCHYARD_HEALTH_TIMEOUT: '500',
    SWITCHYARD_STATE_STORE: 'memory',
    SWITCHYARD_PROXY_BODY_LIMIT: '1GiB',
    SWITCHYARD_PROXY_KEEP_ALIVE_TIMEOUT: '1m',
    SWITCHYARD_LOG_REQUESTS: 'true',
    SWITCHYARD_SHUTDOWN_TIMEOUT: '1h'
  })
  t.equal(config.listen.port, 9000)
  t.equal(config.listen.host, '::')
  t.equal(config.admin.token, 's3cret')
  t.equal(config.upstreams.blue.healthPath, '/healthz')
  t.equal(config.active, 'green')
  t.equal(config.health.healthyThreshold, 3)
  t.equal(config.health.interval, 10_000)
  t.equal(config.health.timeout, 500)
  t.equal(config.state.store, 'memory')
  t.equal(config.proxy.bodyLimit, 1_073_741_824)
  t.equal(config.proxy.keepAliveTimeout, 60_000)
  t.equal(config.log.requests, true)
  t.equal(config.shutdown.timeout, 3_600_000)
})

t.test('booleans take true/false/1/0 in any case', async t => {
  for (const [raw, value] of [['true', true], ['TRUE', true], ['1', true], ['false', false], ['False', false], ['0', false]] as const) {
    t.equal(load(t, { SWITCHYARD_LOG_REQUESTS: raw }).log.requests, value, raw)
  }
})

t.test('an empty variable is null where null is allowed, and a problem elsewhere', async t => {
  t.equal(load(t, { SWITCHYARD_ADMIN_TOKEN: '' }).admin.token, null)
  t.throws(() => load(t, { SWITCHYARD_LISTEN_HOST: '', SWITCHYARD_LISTEN_PORT: '' }), {
    code: 'SW_ERR_CONFIG_INVALID',
    message: [
      'invalid configuration:',
      'SWITCHYARD_LISTEN_HOST (listen.host): must be a non-empty string (got "")',
      'SWITCHYARD_LISTEN_PORT (listen.port): must be an integer from 0 to 65535 (got "")'
    ].join('\n')
  })
})

t.test('numbers that are not integers are shown as numbers', async t => {
  const err = t.throws(() => load(t, { SWITCHYARD_PROXY_CONNECTIONS: '2.5', SWITCHYARD_ADMIN_PORT: '1e3x' }))
  t.ok(CONFIG_INVALID.is(err))
  t.match(err, {
    message: /SWITCHYARD_ADMIN_PORT \(admin\.port\): must be an integer from 0 to 65535 \(got "1e3x"\)\nSWITCHYARD_PROXY_CONNECTIONS \(proxy\.connections\): must be an integer of at least 1 \(got 2\.5\)$/
  })
  t.equal(load(t, { SWITCHYARD_ADMIN_PORT: '1e3' }).admin.port, 1000, 'exponent notation is a number')
})
