// Registry sync over real sockets, against a local server implementing MLflow's three alias
// endpoints (test/helpers/mlflow-registry.ts): the alias follows a switch and a guard rollback;
// with the registry down the switch still happens, status says not synced, and it syncs when the
// registry is back, by itself or by `switchyard registry sync`.
import t, { type Test } from 'tap'
import { request } from 'undici'
import { main, type Io } from '../../src/cli/main.js'
import { startBlueGreen } from '../helpers/model-server.js'
import { ALIAS_PATH, startFakeMlflow, type FakeMlflow } from '../helpers/mlflow-registry.js'
import { startSwitchyard, type TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

const TOKEN_ENV = 'SWITCHYARD_TEST_MLFLOW_TOKEN'
process.env[TOKEN_ENV] = 'mlflow-token'


async function setup (t: Test, options: { args?: string[], mlflow?: FakeMlflow } = {}) {
  const { blue, green } = await startBlueGreen(t)
  const mlflow = options.mlflow ?? await startFakeMlflow(t, { token: 'mlflow-token' })
  const sy = await startSwitchyard(t, {
    blue: blue.url,
    green: green.url,
    args: [
      '--registry.mlflow.trackingUri', mlflow.url,
      '--registry.mlflow.name', 'iris',
      '--registry.mlflow.tokenEnv', TOKEN_ENV,
      '--registry.mlflow.backoff', '50ms',
      '--upstreams.blue.modelVersion', '1',
      '--upstreams.green.modelVersion', '2',
      ...(options.args ?? [])
    ]
  })
  return { blue, green, mlflow, sy }
}

async function registryStatus (sy: TestSwitchyard): Promise<Record<string, unknown>> {
  return (await sy.admin('GET', '/admin/status')).body.registry as Record<string, unknown>
}

function posts (mlflow: FakeMlflow): unknown[] {
  return mlflow.seen.filter((r) => r.method === 'POST').map((r) => r.body)
}

t.test('the alias follows a switch, field by field as MLflow defines the request', async (t) => {
  const { mlflow, sy } = await setup(t)
  t.ok(await until(async () => (await registryStatus(sy)).lastError !== null), 'start-up reads the alias')
  t.match(await registryStatus(sy), { alias: 'champion', colour: 'blue', version: '1', synced: false, lastError: 'champion points at no version, not 1 (blue is active): run switchyard registry sync' })
  t.same(posts(mlflow), [], 'start-up reads, never writes')

  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.ok(await until(async () => (await registryStatus(sy)).synced === true))
  t.equal(mlflow.aliases.get('iris@champion'), '2')
  t.same(posts(mlflow), [{ name: 'iris', alias: 'champion', version: '2' }])
  const post = mlflow.seen.find((r) => r.method === 'POST')
  t.match(post, { path: ALIAS_PATH, contentType: 'application/json', authorization: 'Bearer mlflow-token', query: {} })
  t.match(mlflow.seen.at(-1), { method: 'GET', path: ALIAS_PATH, query: { name: 'iris', alias: 'champion' } }, 'then read back')
  t.match(await registryStatus(sy), { kind: 'mlflow', name: 'iris', alias: 'champion', colour: 'green', version: '2', synced: true, lastError: null })

  t.equal((await sy.admin('POST', '/admin/rollback', {})).status, 200)
  t.ok(await until(async () => mlflow.aliases.get('iris@champion') === '1'), 'and a rollback')
  t.same(posts(mlflow).at(-1), { name: 'iris', alias: 'champion', version: '1' })
})

t.test('after a guard rollback the alias goes back to the previous version', async (t) => {
  const { green, mlflow, sy } = await setup(t, { args: ['--rollback.bake', '30s', '--rollback.shield.enabled', 'false'] })
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.ok(await until(async () => mlflow.aliases.get('iris@champion') === '2'))
  green.setFault({ status: 500 })
  for (let i = 0; i < 10; i++) {
    const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}' })
    await res.body.dump()
  }
  t.ok(await until(async () => (await sy.admin('GET', '/admin/status')).body.by === 'guard'), 'the guard rolled back')
  t.ok(await until(async () => mlflow.aliases.get('iris@champion') === '1'), 'alias back on blue\'s version')
  t.match(await registryStatus(sy), { colour: 'blue', version: '1', synced: true })
  t.same(posts(mlflow), [{ name: 'iris', alias: 'champion', version: '2' }, { name: 'iris', alias: 'champion', version: '1' }])
})

t.test('registry down: traffic switches anyway, status says not synced, it syncs when the registry returns', async (t) => {
  const { mlflow, sy } = await setup(t, { args: ['--registry.mlflow.retries', '20'] })
  mlflow.unavailable = true
  const switched = await sy.admin('POST', '/admin/switch', { to: 'green' })
  t.equal(switched.status, 200)
  t.match(switched.body, { active: 'green', changed: true })
  const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}' })
  await res.body.dump()
  t.equal(res.headers['x-switchyard-colour'], 'green', 'traffic first')
  t.ok(await until(async () => Number((await registryStatus(sy)).attempts) >= 2))
  t.match(await registryStatus(sy), { colour: 'green', version: '2', synced: false, lastError: /answered 503 TEMPORARILY_UNAVAILABLE/ })
  const metrics = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  t.match(metrics, /switchyard_registry_sync_failures_total [1-9]/)

  mlflow.unavailable = false
  t.ok(await until(async () => (await registryStatus(sy)).synced === true), 'synced once the registry answers again')
  t.equal(mlflow.aliases.get('iris@champion'), '2')
})

t.test('switchyard registry sync retries by hand after the automatic retries gave up', async (t) => {
  const mlflow = await startFakeMlflow(t, { token: 'mlflow-token' })
  const { sy } = await setup(t, { mlflow, args: ['--registry.mlflow.retries', '0'] })
  await mlflow.stop()
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.ok(await until(async () => (await registryStatus(sy)).attempts === 1))
  const env = { SWITCHYARD_ADMIN_URL: sy.adminUrl }
  const io = (): Io & { stdout: string[], stderr: string[] } => {
    const stdout: string[] = []
    const stderr: string[] = []
    return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env }
  }
  let out = io()
  t.equal(await main(['registry', 'sync'], out), 1, 'still down: a failure, said plainly')
  t.match(out.stderr[0], /^switchyard: the registry alias could not be set: POST \/api\/2\.0\/mlflow\/registered-models\/alias failed: .*\(SW_ERR_REGISTRY_SYNC_FAILED, HTTP 502\)$/)

  await mlflow.start()
  out = io()
  t.equal(await main(['registry', 'sync'], out), 0)
  t.match(out.stdout[0], /^registry {2}iris@champion -> version 2 \(green\): synced at \d{4}-/)
  t.equal(mlflow.aliases.get('iris@champion'), '2')
  out = io()
  t.equal(await main(['status'], out), 0)
  t.match(out.stdout.join('\n'), /registry {2}iris@champion -> version 2 \(green\): synced/)
})

t.test('without a registry: status says null, the routes say so', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  t.equal((await sy.admin('GET', '/admin/status')).body.registry, null)
  t.match((await sy.admin('POST', '/admin/registry/sync', {})), { status: 409, body: { error: 'SW_ERR_REGISTRY_NOT_CONFIGURED' } })
  const metrics = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  t.match(metrics, /switchyard_registry_sync_failures_total 0/, 'the counter exists all the same')
})
