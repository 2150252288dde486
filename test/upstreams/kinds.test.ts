// Each upstream kind's readiness check, judged from plain answers and then against local servers
// that answer as those model servers do (test/helpers/kind-servers.ts says where each comes from).
import t, { type Test } from 'tap'
import { HealthChecker, probeUpstream, readVersion } from '../../src/upstreams/health.js'
import { kindProblems, pathPlan, probePlan, type KindSettings } from '../../src/upstreams/kinds.js'
import { Upstream } from '../../src/upstreams/upstream.js'
import { startHttpServer, startKserveV1Server, startMlflowServer, startOipServer, startTorchServe } from '../helpers/kind-servers.js'
import { startModelServer } from '../helpers/model-server.js'

const base: KindSettings = { kind: 'mlflow', model: null, path: '/ping', readyStatus: 200 }

function upstream (t: Test, url: string, colour: 'blue' | 'green' = 'green'): Upstream {
  const u = new Upstream({ colour, url, connections: 2, keepAliveTimeout: 1000, connectTimeout: 500 })
  t.teardown(() => u.close())
  return u
}

t.test('the plan of each kind: its paths in order, and where it reports a version', async (t) => {
  const paths = (s: Partial<KindSettings>): [string[], string | null] => {
    const plan = probePlan({ ...base, ...s })
    return [plan.steps.map((step) => step.path), plan.version?.path ?? null]
  }
  t.same(paths({}), [['/ping'], '/version'])
  t.same(paths({ path: '/health' }), [['/health'], '/version'], 'mlflow honours healthPath')
  t.same(paths({ kind: 'oip' }), [['/v2/health/ready'], '/v2'])
  t.same(paths({ kind: 'oip', model: 'iris' }), [['/v2/health/ready', '/v2/models/iris/ready'], '/v2/models/iris'])
  t.same(paths({ kind: 'oip', model: 'a b/c' }), [['/v2/health/ready', '/v2/models/a%20b%2Fc/ready'], '/v2/models/a%20b%2Fc'], 'model names are escaped')
  t.same(paths({ kind: 'kserve-v1', model: 'iris' }), [['/v1/models/iris'], null])
  t.same(paths({ kind: 'torchserve', path: '/ignored' }), [['/ping'], null])
  t.same(paths({ kind: 'http', path: '/healthz', readyStatus: 204 }), [['/healthz'], null])
})

t.test('judging answers: status, and the body where the protocol puts readiness there', async (t) => {
  const judge = (s: Partial<KindSettings>, status: number, body: string, step = 0): unknown => probePlan({ ...base, ...s }).steps[step]?.judge(status, body)
  t.same(judge({}, 200, '\n'), { ok: true })
  t.same(judge({}, 404, '\n'), { ok: false, problem: 'GET /ping answered 404' }, 'MLflow before the model is loaded')
  t.same(judge({ kind: 'kserve-v1', model: 'iris' }, 200, '{"name": "iris", "ready": true}'), { ok: true })
  t.same(judge({ kind: 'kserve-v1', model: 'iris' }, 200, '{"name": "iris", "ready": false}'), { ok: false, problem: 'GET /v1/models/iris: the model is not ready ("ready": false)' })
  t.same(judge({ kind: 'kserve-v1', model: 'iris' }, 200, 'OK'), { ok: false, problem: 'GET /v1/models/iris answered 200 without "ready": true' })
  t.same(judge({ kind: 'kserve-v1', model: 'iris' }, 404, '{}'), { ok: false, problem: 'GET /v1/models/iris answered 404' })
  t.same(judge({ kind: 'torchserve' }, 200, '{"status": "Healthy"}'), { ok: true })
  t.same(judge({ kind: 'torchserve' }, 200, '{"status": "Partial Healthy"}'), { ok: true })
  t.same(judge({ kind: 'torchserve' }, 500, '{"status": "Unhealthy"}'), { ok: false, problem: 'GET /ping answered 500 ("status": "Unhealthy")' })
  t.same(judge({ kind: 'oip', model: 'iris' }, 503, '', 1), { ok: false, problem: 'GET /v2/models/iris/ready answered 503' })
  t.same(judge({ kind: 'http', path: '/healthz', readyStatus: 204 }, 200, ''), { ok: false, problem: 'GET /healthz answered 200' }, 'http: only the configured status means ready')
  t.same(pathPlan('/ping').steps[0]?.judge(204, ''), { ok: true }, 'a bare path: any 2xx, as before kinds')
})

t.test('reading versions', async (t) => {
  const read = (s: Partial<KindSettings>, status: number, body: string): unknown => probePlan({ ...base, ...s }).version?.read(status, body)
  t.equal(read({}, 200, '2.14.1'), '2.14.1')
  t.equal(read({}, 200, '"2.14.1"\n'), '2.14.1')
  t.equal(read({}, 404, 'nope'), null)
  t.equal(read({}, 200, '<html>no</html>'), null)
  t.equal(read({ kind: 'oip', model: 'iris' }, 200, '{"name": "iris", "versions": ["3"], "platform": "sklearn"}'), '3')
  t.equal(read({ kind: 'oip', model: 'iris' }, 200, '{"name": "iris", "platform": "sklearn"}'), null, 'versions is optional in OIP')
  t.equal(read({ kind: 'oip' }, 200, '{"name": "triton", "version": "2.41.0", "extensions": []}'), '2.41.0')
})

t.test('kserve-v1 needs a model name', async (t) => {
  t.same(kindProblems('green', { kind: 'kserve-v1', model: null }), ['upstreams.green.model: is required when upstreams.green.kind is "kserve-v1" (its readiness is GET /v1/models/{model})'])
  t.same(kindProblems('green', { kind: 'kserve-v1', model: 'iris' }), [])
  t.same(kindProblems('blue', { kind: 'oip', model: null }), [])
})

t.test('mlflow against the demo scoring server: ready, up but not ready, version', async (t) => {
  const server = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const u = upstream(t, server.url)
  const plan = probePlan(base)
  t.match(await probeUpstream(u, plan, 500), { ok: true, error: null })
  t.equal(await readVersion(u, plan, 500), 'v1')
  server.setFault({ ping: 404 })
  t.match(await probeUpstream(u, plan, 500), { ok: false, error: 'GET /ping answered 404' })
})

t.test('mlflow against a server still loading its model', async (t) => {
  const server = await startMlflowServer(t, { ready: false, version: '2.14.1' })
  const u = upstream(t, server.url)
  t.match(await probeUpstream(u, probePlan(base), 500), { ok: false, error: 'GET /ping answered 404' })
  server.ready = true
  t.match(await probeUpstream(u, probePlan(base), 500), { ok: true })
  t.equal(await readVersion(u, probePlan(base), 500), '2.14.1')
})

t.test('oip: server ready and model ready are both asked', async (t) => {
  const server = await startOipServer(t, { model: 'iris', versions: ['3'] })
  const u = upstream(t, server.url)
  const plan = probePlan({ ...base, kind: 'oip', model: 'iris' })
  t.match(await probeUpstream(u, plan, 500), { ok: true })
  t.same(server.seen, ['GET /v2/health/ready', 'GET /v2/models/iris/ready'])
  t.equal(await readVersion(u, plan, 500), '3')
  server.ready = false
  t.match(await probeUpstream(u, plan, 500), { ok: false, error: 'GET /v2/models/iris/ready answered 503' }, 'up (server ready) but the model is not')
  const wrongModel = probePlan({ ...base, kind: 'oip', model: 'roses' })
  t.match(await probeUpstream(u, wrongModel, 500), { ok: false, error: 'GET /v2/models/roses/ready answered 404' })
  const serverOnly = probePlan({ ...base, kind: 'oip' })
  t.match(await probeUpstream(u, serverOnly, 500), { ok: true }, 'without a model only the server counts')
  t.equal(await readVersion(u, serverOnly, 500), '0.13.0')
})

t.test('oip: a server that is not ready stops the check at the first step', async (t) => {
  const server = await startOipServer(t, { serverReady: false })
  const u = upstream(t, server.url)
  t.match(await probeUpstream(u, probePlan({ ...base, kind: 'oip', model: 'iris' }), 500), { ok: false, error: 'GET /v2/health/ready answered 503' })
  t.same(server.seen, ['GET /v2/health/ready'])
})

t.test('kserve-v1: 200 with "ready": false is not ready', async (t) => {
  const server = await startKserveV1Server(t, { model: 'iris', ready: false })
  const u = upstream(t, server.url)
  const plan = probePlan({ ...base, kind: 'kserve-v1', model: 'iris' })
  t.match(await probeUpstream(u, plan, 500), { ok: false, error: 'GET /v1/models/iris: the model is not ready ("ready": false)' })
  server.ready = true
  t.match(await probeUpstream(u, plan, 500), { ok: true })
  t.equal(await readVersion(u, plan, 500), null, 'the V1 protocol reports no version')
})

t.test('torchserve: 500 Unhealthy, then Healthy', async (t) => {
  const server = await startTorchServe(t, { ready: false })
  const u = upstream(t, server.url)
  const plan = probePlan({ ...base, kind: 'torchserve' })
  t.match(await probeUpstream(u, plan, 500), { ok: false, error: 'GET /ping answered 500 ("status": "Unhealthy")' })
  server.ready = true
  t.match(await probeUpstream(u, plan, 500), { ok: true })
})

t.test('http: a path and the status that means ready', async (t) => {
  const server = await startHttpServer(t, { path: '/healthz', readyStatus: 204, ready: true })
  const u = upstream(t, server.url)
  t.match(await probeUpstream(u, probePlan({ ...base, kind: 'http', path: '/healthz', readyStatus: 204 }), 500), { ok: true })
  server.ready = false
  t.match(await probeUpstream(u, probePlan({ ...base, kind: 'http', path: '/healthz', readyStatus: 204 }), 500), { ok: false, error: 'GET /healthz answered 503' })
})

t.test('nothing listening, or no answer in time', async (t) => {
  const server = await startTorchServe(t)
  const u = upstream(t, server.url)
  await server.close()
  t.match(await probeUpstream(u, probePlan({ ...base, kind: 'torchserve' }), 300), { ok: false, error: /^GET \/ping failed: ECONNREFUSED/ })
  const slow = await startOipServer(t, { model: 'iris' })
  slow.delayMs = 2000
  const started = performance.now()
  t.match(await probeUpstream(upstream(t, slow.url), probePlan({ ...base, kind: 'oip', model: 'iris' }), 200), { ok: false, error: 'GET /v2/health/ready failed: no answer in 200 ms' })
  t.ok(performance.now() - started < 1000, 'one deadline for the whole check')
})

t.test('the health checker reports kind, readiness and version per colour', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startKserveV1Server(t, { model: 'iris', ready: false })
  const upstreams = { blue: upstream(t, blue.url, 'blue'), green: upstream(t, green.url, 'green') }
  const health = new HealthChecker(upstreams, {
    blue: probePlan(base),
    green: probePlan({ ...base, kind: 'kserve-v1', model: 'iris' })
  }, { path: '/ping', interval: 1000, timeout: 500, healthyThreshold: 1, unhealthyThreshold: 1 })
  t.teardown(() => health.close())
  await health.probeAll()
  t.match(health.reports.blue, { kind: 'mlflow', ready: true, version: 'v1' })
  t.match(health.reports.green, { kind: 'kserve-v1', ready: false, version: null })
  t.match(health.statuses.green, { healthy: false, lastError: 'GET /v1/models/iris: the model is not ready ("ready": false)' })
  green.ready = true
  t.match(await health.probe('green'), { ok: true })
  t.match(health.reports.green, { ready: true })
  t.equal(health.statuses.green.healthy, true)
})

t.test('the version is read again when an upstream turns ready', async (t) => {
  const server = await startMlflowServer(t, { version: '2.14.1' })
  const health = new HealthChecker({ blue: upstream(t, server.url, 'blue'), green: upstream(t, server.url, 'green') }, { blue: probePlan(base), green: '/ping' }, { path: '/ping', interval: 1000, timeout: 500, healthyThreshold: 1, unhealthyThreshold: 1 })
  t.teardown(() => health.close())
  await health.probe('blue')
  await health.probe('blue')
  t.equal(server.seen.filter((r) => r === 'GET /version').length, 1, 'not on every probe')
  server.ready = false
  await health.probe('blue')
  server.ready = true
  await health.probe('blue')
  t.equal(server.seen.filter((r) => r === 'GET /version').length, 2, 'again after it came back')
  await health.probe('green')
  t.match(health.reports.green, { kind: 'http', ready: true, version: null }, 'a bare path is the old any-2xx check')
})
