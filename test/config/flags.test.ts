import t, { type Test } from 'tap'
import { CONFIG_INVALID } from '../../src/errors.js'
import { loadConfig, type Config } from '../../src/config/load.js'

const URLS = ['--upstreams.blue.url', 'http://127.0.0.1:9001', '--upstreams.green.url=http://127.0.0.1:9002']

function load (t: Test, args: string[]): Config {
  return loadConfig({ cwd: t.testdir({}), env: {}, args: [...URLS, ...args] })
}

function problemsOf (t: Test, args: string[]): string[] {
  try {
    load(t, args)
  } catch (err) {
    if (CONFIG_INVALID.is(err)) return err.message.split('\n').slice(1)
    throw err
  }
  throw new Error('expected CONFIG_INVALID')
}

t.test('every leaf can be set as --key value, --key=value or --set key=value', async t => {
  t.equal(load(t, ['--listen.port', '9000']).listen.port, 9000)
  t.equal(load(t, ['--listen.port=9000']).listen.port, 9000)
  t.equal(load(t, ['--set', 'listen.port=9000']).listen.port, 9000)
  t.equal(load(t, ['--set=listen.port=9000']).listen.port, 9000)
  t.equal(load(t, ['--set', 'admin.token=a=b']).admin.token, 'a=b', 'only the first = splits')
  t.equal(load(t, ['--upstreams.blue.healthPath', '/healthz']).upstreams.blue.healthPath, '/healthz')
  t.equal(load(t, ['--proxy.bodyLimit', '512KiB', '--proxy.timeout', '1.5s']).proxy.bodyLimit, 524_288)
  t.equal(load(t, ['--proxy.timeout', '1500']).proxy.timeout, 1500, 'a bare number is milliseconds')
  t.equal(load(t, ['--active', 'green', '--state.store', 'memory']).active, 'green')
  t.equal(load(t, ['--listen.port', '1', '--listen.port', '2']).listen.port, 2, 'the last one wins')
})

t.test('a boolean flag may stand alone', async t => {
  t.equal(load(t, ['--log.requests']).log.requests, true)
  t.equal(load(t, ['--log.requests', '--listen.port', '1']).log.requests, true)
  t.equal(load(t, ['--log.requests', 'false']).log.requests, false)
  t.equal(load(t, ['--log.requests', '0']).log.requests, false)
  t.equal(load(t, ['--log.requests=1']).log.requests, true)
  t.equal(load(t, ['--log.requests', 'TRUE']).log.requests, true)
  t.same(problemsOf(t, ['--log.requests', 'yes']), ['"yes": unexpected argument'],
    'only true/false/1/0 are taken as its value')
})

t.test('an empty value means null where null is allowed', async t => {
  const config = load(t, ['--admin.token=', '--set', 'upstreams.green.healthPath='])
  t.equal(config.admin.token, null)
  t.equal(config.upstreams.green.healthPath, null)
})

t.test('flag problems', async t => {
  t.same(problemsOf(t, [
    'serve',
    '--foo',
    '--bar=1',
    '--listen',
    '8080',
    '--set', 'upstreams.purple.url=http://p',
    '--set', 'noequals',
    '--set=',
    '--listen.port',
    '--listen.host',
    '--config'
  ]), [
    '--set: needs key.path=value (got "noequals")',
    '--set: needs key.path=value (got "")',
    '--config: needs a file name',
    '--bar: unknown option',
    '--foo: unknown option',
    '--listen: unknown option',
    '--listen.host: needs a value',
    '--listen.port: needs a value',
    '"serve": unexpected argument',
    '--set upstreams.purple.url: unknown option'
  ])
  t.same(problemsOf(t, ['--set']), ['--set: needs key.path=value (got "")'])
  t.same(problemsOf(t, ['--config=']), ['--config: needs a file name'])
  t.same(problemsOf(t, ['--set', '=1']), ['--set: needs key.path=value (got "=1")'])
})

t.test('flag values are checked like any other, naming the flag', async t => {
  t.same(problemsOf(t, ['--listen.port', 'abc', '--set', 'state.historyLimit=0', '--health.timeout', '3s']), [
    'health.timeout: must be less than health.interval (got 3000 ms, interval 2000 ms)',
    '--listen.port: must be an integer from 0 to 65535 (got "abc")',
    '--set state.historyLimit: must be an integer from 1 to 10000 (got 0)'
  ])
})
