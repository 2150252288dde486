// From config to a registry sync: what must go together, and the token from the environment.
import { pino } from 'pino'
import { Registry } from 'prom-client'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { openRegistrySync, registryProblems } from '../../src/registry/open.js'
import { startFakeMlflow } from '../helpers/mlflow-registry.js'

const URLS = { SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://127.0.0.1:9001', SWITCHYARD_UPSTREAMS_GREEN_URL: 'http://127.0.0.1:9002' }

function config (env: Record<string, string>) {
  return loadConfig({ cwd: t.testdirName, env: { ...URLS, ...env } })
}

t.test('a tracking URI needs a model name and both colours\' versions', async (t) => {
  t.same(registryProblems(config({})), [], 'no registry, nothing to check')
  t.same(registryProblems(config({ SWITCHYARD_REGISTRY_MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' })), [
    'registry.mlflow.name: is required with registry.mlflow.trackingUri (the registered model whose alias follows the active colour)',
    'upstreams.blue.modelVersion: is required with registry.mlflow.trackingUri (the version the alias moves to when blue is active)',
    'upstreams.green.modelVersion: is required with registry.mlflow.trackingUri (the version the alias moves to when green is active)'
  ])
  t.throws(() => config({ SWITCHYARD_REGISTRY_MLFLOW_TRACKING_URI: 'ftp://x' }), { message: /SWITCHYARD_REGISTRY_MLFLOW_TRACKING_URI \(registry\.mlflow\.trackingUri\): must be an http\(s\) URL with no query or fragment \(got "ftp:\/\/x"\)/ })
})

t.test('the token comes from the variable tokenEnv names; a missing one is a warning', async (t) => {
  const mlflow = await startFakeMlflow(t, { token: 'from-env' })
  const c = config({
    SWITCHYARD_REGISTRY_MLFLOW_TRACKING_URI: mlflow.url,
    SWITCHYARD_REGISTRY_MLFLOW_NAME: 'iris',
    SWITCHYARD_REGISTRY_MLFLOW_TOKEN_ENV: 'MY_MLFLOW_TOKEN',
    SWITCHYARD_UPSTREAMS_BLUE_MODEL_VERSION: '1',
    SWITCHYARD_UPSTREAMS_GREEN_MODEL_VERSION: '2'
  })
  const sync = openRegistrySync(c, { registry: new Registry(), logger: pino({ level: 'silent' }), env: { MY_MLFLOW_TOKEN: 'from-env' } })
  t.ok(sync)
  t.teardown(() => sync?.close())
  t.match(await sync?.syncNow('green'), { synced: true, version: '2' })
  t.equal(mlflow.seen[0]?.authorization, 'Bearer from-env')

  const warnings: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(String((JSON.parse(line) as { msg: string }).msg)) } })
  const anonymous = openRegistrySync(c, { registry: new Registry(), logger, env: {} })
  t.teardown(() => anonymous?.close())
  t.match(warnings, [/tokenEnv names a variable that is not set/])
  t.match(await anonymous?.syncNow('green'), { synced: false, lastError: /401 UNAUTHENTICATED/ })
  t.equal(openRegistrySync(config({}), { registry: new Registry(), logger, env: {} }), null, 'no tracking URI, no sync')
})
