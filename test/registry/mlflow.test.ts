// The MLflow alias client against a local server that checks each request as MLflow's REST
// reference defines it (test/helpers/mlflow-registry.ts).
import t from 'tap'
import { MlflowRegistryClient, RegistryRequestError } from '../../src/registry/mlflow.js'
import { ALIAS_PATH, startFakeMlflow } from '../helpers/mlflow-registry.js'

t.test('set, get and delete an alias, each body exactly as MLflow expects', async (t) => {
  const mlflow = await startFakeMlflow(t)
  const client = new MlflowRegistryClient({ trackingUri: mlflow.url, token: null, timeout: 1000 })
  t.teardown(() => client.close())

  t.equal(await client.getAlias('iris', 'champion'), null, 'no alias yet: null, not an error')
  await client.setAlias('iris', 'champion', '2')
  t.match(await client.getAlias('iris', 'champion'), { name: 'iris', version: '2', aliases: ['champion'], status: 'READY' })
  await client.deleteAlias('iris', 'champion')
  t.equal(await client.getAlias('iris', 'champion'), null)

  t.same(mlflow.seen.map((r) => [r.method, r.path, r.query, r.body]), [
    ['GET', ALIAS_PATH, { name: 'iris', alias: 'champion' }, undefined],
    ['POST', ALIAS_PATH, {}, { name: 'iris', alias: 'champion', version: '2' }],
    ['GET', ALIAS_PATH, { name: 'iris', alias: 'champion' }, undefined],
    ['DELETE', ALIAS_PATH, {}, { name: 'iris', alias: 'champion' }],
    ['GET', ALIAS_PATH, { name: 'iris', alias: 'champion' }, undefined]
  ])
  t.equal(typeof (mlflow.seen[1]?.body as { version: unknown }).version, 'string', 'version is a STRING in MLflow')
  t.equal(mlflow.seen[1]?.contentType, 'application/json')
  t.equal(mlflow.seen[0]?.authorization, undefined, 'no token, no header')
})

t.test('a token goes as Authorization: Bearer; a path prefix on the tracking URI is kept', async (t) => {
  const mlflow = await startFakeMlflow(t, { token: 's3cret' })
  const client = new MlflowRegistryClient({ trackingUri: mlflow.url, token: 's3cret', timeout: 1000 })
  t.teardown(() => client.close())
  await client.setAlias('iris', 'champion', '1')
  t.equal(mlflow.seen[0]?.authorization, 'Bearer s3cret')
  const anonymous = new MlflowRegistryClient({ trackingUri: mlflow.url, token: null, timeout: 1000 })
  t.teardown(() => anonymous.close())
  t.match(await anonymous.setAlias('iris', 'champion', '1').catch((e: unknown) => e), { status: 401, errorCode: 'UNAUTHENTICATED', retryable: false })
  const prefixed = new MlflowRegistryClient({ trackingUri: `${mlflow.url}/mlflow`, token: 's3cret', timeout: 1000 })
  t.teardown(() => prefixed.close())
  t.match(await prefixed.getAlias('iris', 'champion').catch((e: unknown) => e), { status: 404, errorCode: 'ENDPOINT_NOT_FOUND' }, 'a 404 that is not MLflow\'s RESOURCE_DOES_NOT_EXIST is an error')
  t.equal(mlflow.seen.at(-1)?.path, `/mlflow${ALIAS_PATH}`)
})

t.test('errors say what MLflow said, and whether another try could help', async (t) => {
  const mlflow = await startFakeMlflow(t)
  const client = new MlflowRegistryClient({ trackingUri: mlflow.url, token: null, timeout: 500 })
  t.teardown(() => client.close())
  await t.rejects(client.setAlias('iris', 'champion', '9'), {
    message: `POST ${ALIAS_PATH} answered 404 RESOURCE_DOES_NOT_EXIST: Model Version (name=iris, version=9) not found`,
    status: 404,
    retryable: false
  })
  t.match(await client.setAlias('roses', 'champion', '1').catch((e: unknown) => e), { errorCode: 'RESOURCE_DOES_NOT_EXIST', retryable: false })
  mlflow.unavailable = true
  t.match(await client.setAlias('iris', 'champion', '1').catch((e: unknown) => e), { status: 503, errorCode: 'TEMPORARILY_UNAVAILABLE', retryable: true })
  mlflow.unavailable = false
  await mlflow.stop()
  const err = await client.setAlias('iris', 'champion', '1').catch((e: unknown) => e)
  t.ok(err instanceof RegistryRequestError)
  t.match(err, { status: null, retryable: true, message: new RegExp(`^POST ${ALIAS_PATH} failed: (ECONNREFUSED|UND_ERR_SOCKET)`) })
})
