import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { problemsOf, URLS } from '../helpers/config.js'
import { show } from '../../src/config/problems.js'


/** The problems a YAML file causes (the URLs come from the environment unless the file sets them). */
function fileProblems (t: Test, yaml: string, env: Record<string, string> = URLS): string[] {
  const cwd = t.testdir({ 'c.yaml': yaml })
  return problemsOf({ cwd, env, file: 'c.yaml' })
}

t.test('every problem in the file is listed, one per line, sorted by key', async t => {
  t.same(fileProblems(t, [
    'upstreams:',
    '  purple: { url: "http://p" }',
    '  green: { url: "ftp://files.local" }',
    'listen: { port: abc, host: "" }',
    'health: { interval: fast, path: ping, healthyThreshold: 0 }',
    'colour: blue',
    'active: orange',
    'log: { level: loud, requests: "yes" }',
    'state: { store: etcd, historyLimit: 10001 }',
    'admin: { token: "", port: 70000 }',
    'proxy: { timeout: 0, bodyLimit: huge, connections: 1.5 }',
    'shutdown: { timeout: -1 }'
  ].join('\n'), { SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://127.0.0.1:9001' }), [
    'active: must be one of "blue", "green" (got "orange")',
    'admin.port: must be an integer from 0 to 65535 (got 70000)',
    'admin.token: must be a non-empty string or null (got "")',
    'colour: unknown key',
    'health.healthyThreshold: must be an integer of at least 1 (got 0)',
    'health.interval: must be a duration like "2s" or "500ms" (got "fast")',
    'health.path: must be a path starting with "/" (got "ping")',
    'listen.host: must be a non-empty string (got "")',
    'listen.port: must be an integer from 0 to 65535 (got "abc")',
    'log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got "loud")',
    'log.requests: must be true or false (got "yes")',
    'proxy.bodyLimit: must be a size in bytes like "512KiB" or "10MiB" (got "huge")',
    'proxy.connections: must be an integer of at least 1 (got 1.5)',
    'proxy.timeout: must be more than 0 ms (got 0)',
    'shutdown.timeout: must be a duration like "2s" or "500ms" (got -1)',
    'state.historyLimit: must be an integer from 1 to 10000 (got 10001)',
    'state.store: must be one of "file", "memory", "redis" (got "etcd")',
    'upstreams.green.url: must be an http(s) URL with no query or fragment (got "ftp://files.local")',
    'upstreams.purple: unknown key'
  ])
})

t.test('sections must be mappings; an empty section is fine', async t => {
  t.same(fileProblems(t, 'listen: 8080\nhealth: [1, 2]\nadmin:\nupstreams: { blue: "http://b" }\n'), [
    'health: must be a mapping (got a list)',
    'listen: must be a mapping (got 8080)',
    'upstreams.blue: must be a mapping (got "http://b")'
  ])
})

t.test('a key that exists only on Object.prototype is still unknown', async t => {
  t.same(fileProblems(t, 'constructor: 1\nlisten: { toString: 2 }\n'), [
    'constructor: unknown key',
    'listen.toString: unknown key'
  ])
})

t.test('upstream URLs must be plain http(s) origins that differ', async t => {
  const urls = (blue: string, green: string): string[] =>
    problemsOf({ cwd: t.testdir({}), env: { SWITCHYARD_UPSTREAMS_BLUE_URL: blue, SWITCHYARD_UPSTREAMS_GREEN_URL: green } })
  const green = (got: string): string =>
    `SWITCHYARD_UPSTREAMS_GREEN_URL (upstreams.green.url): must be an http(s) URL with no query or fragment (got "${got}")`

  t.same(urls('http://a', 'not a url'), [green('not a url')])
  t.same(urls('http://a', 'http://b/?x=1'), [green('http://b/?x=1')])
  t.same(urls('http://a', 'http://b/?'), [green('http://b/?')], 'even an empty query')
  t.same(urls('http://a', 'http://b#top'), [green('http://b#top')])
  t.same(urls('http://a', 'http://'), [green('http://')])
  t.same(urls('http://a:80/', 'HTTP://A'), ['upstreams.green.url: must differ from upstreams.blue.url'],
    'compared after normalising')
  const config = loadConfig({
    cwd: t.testdir({}),
    env: { SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://a', SWITCHYARD_UPSTREAMS_GREEN_URL: 'http://a/v2' }
  })
  t.equal(config.upstreams.green.url, 'http://a/v2', 'a different path is a different upstream')
})

t.test('health.timeout must be less than health.interval', async t => {
  const env = (interval: string, timeout: string): string[] => problemsOf({
    cwd: t.testdir({}),
    env: { ...URLS, SWITCHYARD_HEALTH_INTERVAL: interval, SWITCHYARD_HEALTH_TIMEOUT: timeout }
  })
  t.same(env('1s', '1000'), ['health.timeout: must be less than health.interval (got 1000 ms, interval 1000 ms)'])
  t.same(env('1s', '2s'), ['health.timeout: must be less than health.interval (got 2000 ms, interval 1000 ms)'])
  t.same(env('soon', '2s'), ['SWITCHYARD_HEALTH_INTERVAL (health.interval): must be a duration like "2s" or "500ms" (got "soon")'],
    'no second problem when one side is already wrong')
  t.equal(loadConfig({ cwd: t.testdir({}), env: { ...URLS, SWITCHYARD_HEALTH_TIMEOUT: '1999ms' } }).health.timeout, 1999)
})

t.test('problems from the file, the environment and the flags come out in one list', async t => {
  const cwd = t.testdir({ 'c.yaml': 'listen: { port: 99999 }\nbogus: 1\n' })
  t.same(problemsOf({
    cwd,
    file: 'c.yaml',
    env: { ...URLS, SWITCHYARD_HEALTH_HEALTHY_THRESHOLD: 'many', SWITCHYARD_LOG_REQUESTS: 'maybe' },
    args: ['--proxy.bodyLimit', '1.5', '--nope', 'x', '--set', 'admin.port=-1']
  }), [
    '--set admin.port: must be an integer from 0 to 65535 (got -1)',
    'bogus: unknown key',
    'SWITCHYARD_HEALTH_HEALTHY_THRESHOLD (health.healthyThreshold): must be an integer of at least 1 (got "many")',
    'listen.port: must be an integer from 0 to 65535 (got 99999)',
    'SWITCHYARD_LOG_REQUESTS (log.requests): must be true or false (got "maybe")',
    '--nope: unknown option',
    '--proxy.bodyLimit: must be a size in bytes like "512KiB" or "10MiB" (got "1.5")'
  ])
})

t.test('a value overridden by a later layer is not checked', async t => {
  const cwd = t.testdir({ 'c.yaml': 'listen: { port: nope }\n' })
  t.equal(loadConfig({ cwd, file: 'c.yaml', env: { ...URLS, SWITCHYARD_LISTEN_PORT: '80' } }).listen.port, 80)
})

t.test('a secret is never quoted in a problem line', async t => {
  t.same(fileProblems(t, 'admin: { token: 123456 }\n'), ['admin.token: must be a non-empty string or null (got a number, not shown)'])
  t.equal(show('hunter2', true), 'a string, not shown')
  t.equal(show('', true), '""', 'an empty secret gives nothing away')
  t.equal(show(true, true), 'true')
  t.equal(show('hunter2'), '"hunter2"')
})
