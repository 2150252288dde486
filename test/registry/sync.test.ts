// The sync loop on its own: retries with backoff, gives up (and counts), never lets an older
// write land after a newer one, syncs by hand, and reads without writing at start-up.
import { pino } from 'pino'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { MlflowRegistryClient } from '../../src/registry/mlflow.js'
import { createSyncFailures, RegistrySync, type RegistrySyncOptions } from '../../src/registry/sync.js'
import { startFakeMlflow, type FakeMlflow } from '../helpers/mlflow-registry.js'
import { until } from '../helpers/until.js'


function setup (t: Test, mlflow: FakeMlflow, options: Partial<RegistrySyncOptions> = {}): { sync: RegistrySync, failures: () => Promise<number> } {
  const registry = new Registry()
  const counter = createSyncFailures(registry)
  const sync = new RegistrySync({
    client: new MlflowRegistryClient({ trackingUri: mlflow.url, token: null, timeout: 500 }),
    name: 'iris',
    alias: 'champion',
    versions: { blue: '1', green: '2' },
    retries: 3,
    backoffMs: 20,
    logger: pino({ level: 'silent' }),
    failures: counter,
    ...options
  })
  t.teardown(() => sync.close())
  return { sync, failures: async () => (await counter.get()).values[0]?.value ?? 0 }
}

t.test('follow sets the alias and confirms it', async (t) => {
  const mlflow = await startFakeMlflow(t)
  const { sync } = setup(t, mlflow)
  sync.follow('green')
  t.ok(await until(() => sync.status().synced === true))
  t.equal(mlflow.aliases.get('iris@champion'), '2')
  t.match(sync.status(), { kind: 'mlflow', name: 'iris', alias: 'champion', colour: 'green', version: '2', synced: true, lastError: null, attempts: 0, retrying: false, lastSyncedAt: /^\d{4}-/ })
})

t.test('a registry that is down is retried with backoff, and synced when it is back', async (t) => {
  const mlflow = await startFakeMlflow(t)
  mlflow.unavailable = true
  const { sync, failures } = setup(t, mlflow, { retries: 10, backoffMs: 30 })
  sync.follow('green')
  t.ok(await until(() => sync.status().attempts >= 2))
  t.match(sync.status(), { synced: false, lastError: /answered 503 TEMPORARILY_UNAVAILABLE/ })
  mlflow.unavailable = false
  t.ok(await until(() => sync.status().synced === true), 'synced once the registry answers')
  t.equal(mlflow.aliases.get('iris@champion'), '2')
  t.ok(await failures() >= 2, 'each failed attempt counted')
})

t.test('gives up after the retries, until a sync by hand', async (t) => {
  const mlflow = await startFakeMlflow(t)
  await mlflow.stop()
  const { sync, failures } = setup(t, mlflow, { retries: 2, backoffMs: 10 })
  sync.follow('blue')
  t.ok(await until(() => sync.status().attempts === 3))
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.match(sync.status(), { synced: false, attempts: 3, retrying: false, lastError: /failed: (ECONNREFUSED|UND_ERR_SOCKET)/ }, 'first try and 2 retries, then it stops')
  t.equal(await failures(), 3)
  await mlflow.start()
  t.match(await sync.syncNow('blue'), { synced: true, version: '1', lastError: null })
  t.equal(mlflow.aliases.get('iris@champion'), '1')
})

t.test('a refusal that will not change is not retried', async (t) => {
  const mlflow = await startFakeMlflow(t, { models: { iris: ['1'] } })
  const { sync, failures } = setup(t, mlflow)
  sync.follow('green')
  t.ok(await until(() => sync.status().lastError !== null))
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.match(sync.status(), { synced: false, attempts: 1, lastError: /404 RESOURCE_DOES_NOT_EXIST: Model Version \(name=iris, version=2\) not found/ })
  t.equal(mlflow.seen.filter((r) => r.method === 'POST').length, 1)
  t.equal(await failures(), 1)
})

t.test('the newest change wins: switch then rollback in quick succession', async (t) => {
  const mlflow = await startFakeMlflow(t)
  const { sync } = setup(t, mlflow)
  sync.follow('green')
  sync.follow('blue')
  t.ok(await until(() => sync.status().synced === true))
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(mlflow.aliases.get('iris@champion'), '1', 'the alias ends on the active colour\'s version')
  t.same(mlflow.seen.filter((r) => r.method === 'POST').map((r) => (r.body as { version: string }).version).at(-1), '1')
})

t.test('a colour without modelVersion is reported, not sent', async (t) => {
  const mlflow = await startFakeMlflow(t)
  const { sync } = setup(t, mlflow, { versions: { blue: '1', green: null } })
  sync.follow('green')
  t.ok(await until(() => sync.status().lastError !== null))
  t.match(sync.status(), { synced: false, version: null, lastError: 'upstreams.green.modelVersion is not set, so there is no version to point the alias at' })
  t.equal(mlflow.seen.length, 0)
})

t.test('check reads the alias without changing it', async (t) => {
  const mlflow = await startFakeMlflow(t)
  const { sync } = setup(t, mlflow)
  t.match(await sync.check('blue'), { synced: false, lastError: 'champion points at no version, not 1 (blue is active): run switchyard registry sync' })
  mlflow.aliases.set('iris@champion', '1')
  t.match(await sync.check('blue'), { synced: true, lastError: null })
  await mlflow.stop()
  t.match(await sync.check('blue'), { synced: null, lastError: /^cannot read the alias: GET .* failed: (ECONNREFUSED|UND_ERR_SOCKET)/ })
  t.ok(mlflow.seen.every((r) => r.method === 'GET'))
})
