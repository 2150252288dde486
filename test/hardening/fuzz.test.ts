// Property-based tests with a fixed seed: every malformed admin body gets a 4xx naming the
// problem and changes nothing; every malformed config value stops start-up naming the key.
import fc from 'fast-check'
import t from 'tap'
import { parseHistoryQuery, parseRollbackBody, parseSwitchBody } from '../../src/admin/validate.js'
import { loadConfig } from '../../src/config/load.js'
import { leafForEnv } from '../../src/config/keys.js'
import { SwitchyardError } from '../../src/errors.js'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

const SEED = 20261126
const URLS = { SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://127.0.0.1:9001', SWITCHYARD_UPSTREAMS_GREEN_URL: 'http://127.0.0.1:9002' }

/** Anything JSON can carry, biased towards the fields the API knows. */
const body = fc.oneof(
  fc.jsonValue(),
  fc.record({
    to: fc.oneof(fc.constantFrom('blue', 'green', 'purple', '', 'BLUE'), fc.jsonValue()),
    reason: fc.oneof(fc.string(), fc.jsonValue()),
    expectedVersion: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
    force: fc.oneof(fc.boolean(), fc.jsonValue()),
    steps: fc.oneof(fc.array(fc.integer({ min: -10, max: 200 })), fc.jsonValue()),
    stepInterval: fc.oneof(fc.string(), fc.integer()),
    gate: fc.jsonValue()
  }, { requiredKeys: [] })
)

function isClientError (err: unknown): boolean {
  return err instanceof SwitchyardError && err.statusCode >= 400 && err.statusCode < 500 && err.message.length > 0
}

t.test('the admin validators either accept a well-formed body or throw a 4xx', async (t) => {
  fc.assert(fc.property(body, (value) => {
    for (const parse of [parseSwitchBody, parseRollbackBody]) {
      try {
        const parsed = parse(value)
        if (parsed === null || typeof parsed !== 'object') return false
      } catch (err) {
        if (!isClientError(err)) return false
      }
    }
    return true
  }), { seed: SEED, numRuns: 5000 })
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (query) => {
    try {
      const q = parseHistoryQuery(query)
      return q.limit >= 1 && q.limit <= 1000 && q.offset >= 0
    } catch (err) {
      return isClientError(err)
    }
  }), { seed: SEED, numRuns: 2000 })
  t.pass('5,000 bodies and 2,000 queries')
})

t.test('over HTTP: malformed bodies never answer 5xx and never change the state', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--health.interval', '1h'] })
  const paths = ['/admin/switch', '/admin/rollback', '/admin/canary', '/admin/shadow', '/admin/abort']
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(body, fc.string()), async (path, value) => {
    // A string is sent as it is (often not JSON at all); anything else as JSON.
    const res = await sy.admin('POST', path, typeof value === 'string' ? value : JSON.stringify(value))
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    if (res.status >= 500) return false
    if (res.status >= 400) return typeof res.body.error === 'string' && typeof res.body.message === 'string'
    return true
  }), { seed: SEED, numRuns: 400 })
  t.notOk([...statuses.keys()].some((s) => s >= 500), `statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`)
  // Valid switches may have happened (a random {to: "green"}), but only through the front door:
  const history = await sy.admin('GET', '/admin/history?limit=1000')
  const versions = (history.body.entries as Array<{ version: number }>).map((e) => e.version)
  t.same(versions, [...versions].sort((a, b) => b - a), 'versions only grow')
  t.equal(versions[0], (await sy.admin('GET', '/admin/status')).body.version)
})

t.test('config: any value for any setting loads or names the key, never anything else', async (t) => {
  const keys = ['SWITCHYARD_LISTEN_PORT', 'SWITCHYARD_HEALTH_INTERVAL', 'SWITCHYARD_PROXY_BODY_LIMIT', 'SWITCHYARD_ACTIVE',
    'SWITCHYARD_ROLLBACK_MAX_ERROR_RATE', 'SWITCHYARD_ROLLBACK_CONSECUTIVE_FAILURES', 'SWITCHYARD_ROLLBACK_SHIELD_METHODS',
    'SWITCHYARD_UPSTREAMS_GREEN_URL', 'SWITCHYARD_STATE_STORE', 'SWITCHYARD_NOTIFY_WEBHOOKS', 'SWITCHYARD_LOG_REQUESTS']
  const cwd = t.testdir()
  fc.assert(fc.property(fc.constantFrom(...keys), fc.oneof(fc.string(), fc.integer().map(String), fc.jsonValue().map((v) => JSON.stringify(v))), (key, value) => {
    try {
      loadConfig({ cwd, env: { ...URLS, [key]: value } })
      return true
    } catch (err) {
      // Named by its variable, or by its key when a rule ties two settings together.
      const dotted = leafForEnv(key)?.key ?? key
      return err instanceof SwitchyardError && err.code === 'SW_ERR_CONFIG_INVALID' && (err.message.includes(key) || err.message.includes(dotted))
    }
  }), { seed: SEED, numRuns: 3000 })
  fc.assert(fc.property(fc.jsonValue(), (yamlish) => {
    const dir = t.testdir({ 'c.yaml': JSON.stringify({ rollback: yamlish, listen: { port: yamlish } }) })
    try {
      loadConfig({ cwd: dir, file: 'c.yaml', env: URLS })
      return true
    } catch (err) {
      return err instanceof SwitchyardError && err.code === 'SW_ERR_CONFIG_INVALID' && /listen\.port|rollback/.test(err.message)
    }
  }), { seed: SEED, numRuns: 300 })
  t.pass('3,000 environment values and 300 files')
})
