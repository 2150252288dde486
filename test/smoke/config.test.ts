// The smoke setting: inline lists, JSON in a variable, a YAML file with body files beside it, and
// a problem line that names the exact item and key for every mistake.
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { CONFIG_INVALID } from '../../src/errors.js'
import { parseSmoke } from '../../src/smoke/config.js'

const URLS = {
  SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://127.0.0.1:9001',
  SWITCHYARD_UPSTREAMS_GREEN_URL: 'http://127.0.0.1:9002'
}

function problem (value: unknown, cwd?: string): string {
  const parsed = parseSmoke(value, 'smoke', cwd)
  if (parsed.ok) throw new Error('expected a problem')
  return parsed.problem
}

t.test('an inline list from the config file, with defaults filled in', async (t) => {
  const cwd = t.testdir({
    'c.yaml': [
      'smoke:',
      '  - name: setosa',
      '    path: /invocations',
      '    body: \'{"inputs": [[5.1, 3.5, 1.4, 0.2]]}\'',
      '    expect: { status: 200, predictions: [0] }',
      '  - name: as a mapping',
      '    path: /invocations',
      '    body: { inputs: [[7.7, 3.0, 6.1, 2.3]] }',
      '    timeout: 750ms',
      '    expect: { predictionsLength: 1 }',
      '  - name: ping',
      '    method: GET',
      '    path: /ping',
      ''
    ].join('\n')
  })
  t.same(loadConfig({ cwd, file: 'c.yaml', env: URLS }).smoke, [
    { name: 'setosa', method: 'POST', path: '/invocations', contentType: 'application/json', body: '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}', timeout: 5000, expect: { status: 200, predictions: [0] } },
    { name: 'as a mapping', method: 'POST', path: '/invocations', contentType: 'application/json', body: '{"inputs":[[7.7,3,6.1,2.3]]}', timeout: 750, expect: { status: 200, predictionsLength: 1 } },
    { name: 'ping', method: 'GET', path: '/ping', contentType: 'application/json', body: '', timeout: 5000, expect: { status: 200 } }
  ])
  t.same(loadConfig({ cwd, env: URLS }).smoke, [], 'none by default')
})

t.test('JSON in SWITCHYARD_SMOKE, or a file named by it', async (t) => {
  const cwd = t.testdir({
    smoke: {
      'iris.yaml': 'smoke:\n  - { name: s, path: /invocations, contentType: text/csv, bodyFile: rows.csv, expect: { predictions: [0] } }\n',
      'rows.csv': 'a,b,c,d\n5.1,3.5,1.4,0.2\n',
      'bare.yaml': '- { name: s, path: /invocations, body: "{}" }\n'
    }
  })
  const json = '[{"name": "s", "path": "/invocations", "body": "{}", "expect": {"status": 200}}]'
  t.same(loadConfig({ cwd, env: { ...URLS, SWITCHYARD_SMOKE: json } }).smoke.map((r) => r.name), ['s'])
  t.same(parseSmoke('smoke/iris.yaml', 'smoke', cwd), {
    ok: true,
    value: [{ name: 's', method: 'POST', path: '/invocations', contentType: 'text/csv', body: 'a,b,c,d\n5.1,3.5,1.4,0.2\n', timeout: 5000, expect: { status: 200, predictions: [0] } }]
  }, 'bodyFile is read relative to the smoke file')
  t.match(parseSmoke(join(cwd, 'smoke/bare.yaml'), 'smoke'), { ok: true, value: [{ name: 's' }] }, 'a bare list works too')
  t.same(parseSmoke('', 'smoke'), { ok: true, value: [] }, 'an empty variable means none')
})

t.test('the shipped Iris smoke file loads', async (t) => {
  const parsed = parseSmoke('config/smoke/iris.yaml', '--smoke', new URL('../../', import.meta.url).pathname)
  t.ok(parsed.ok)
  if (parsed.ok) t.same(parsed.value.map((r) => [r.name, r.contentType, r.expect]), [
    ['setosa', 'application/json', { status: 200, predictions: [0] }],
    ['virginica', 'application/json', { status: 200, predictions: [2] }],
    ['one of each (CSV)', 'text/csv', { status: 200, predictionsLength: 3 }]
  ])
})

t.test('every mistake is named by item and key', async (t) => {
  const ok = { name: 'a', path: '/invocations', body: '{}' }
  t.equal(problem([{ ...ok, expect: { status: 'ok' } }]), 'smoke[0].expect.status: must be an integer from 100 to 599 (got "ok")')
  t.equal(problem([ok, { ...ok, name: 'a' }]), 'smoke[1].name: "a" is used twice; each smoke request needs its own name')
  t.equal(problem([{ ...ok, path: 'invocations' }]), 'smoke[0].path: must be a path starting with "/" (got "invocations")')
  t.equal(problem([{ name: 'a', path: '/invocations' }]), 'smoke[0]: a POST needs body or bodyFile')
  t.equal(problem([{ ...ok, bodyFile: 'x.json' }]), 'smoke[0]: give body or bodyFile, not both')
  t.equal(problem([{ ...ok, body: undefined, bodyFile: 'missing.json' }], t.testdir({})), 'smoke[0].bodyFile: missing.json cannot be read (ENOENT)')
  t.equal(problem([{ ...ok, expect: { predictionsLength: -1 } }]), 'smoke[0].expect.predictionsLength: must be an integer of at least 0 (got -1)')
  t.equal(problem([{ ...ok, expect: { predictions: [0], predictionsLength: 2 } }]), 'smoke[0].expect: predictions has 1 items but predictionsLength is 2')
  t.equal(problem([{ ...ok, expect: { prediction: [0] } }]), 'smoke[0].expect.prediction: unknown key (allowed: status, predictions, predictionsLength)')
  t.equal(problem([{ ...ok, timeout: 'soon' }]), 'smoke[0].timeout: must be a duration like "2s" or "500ms" (got "soon")')
  t.equal(problem([{ ...ok, method: 'DELETE' }]), 'smoke[0].method: must be one of POST, PUT, GET (got "DELETE")')
  t.equal(problem([{ ...ok, url: '/x' }]), 'smoke[0].url: unknown key (allowed: name, method, path, contentType, body, bodyFile, timeout, expect)')
  t.equal(problem(['/invocations']), 'smoke[0]: must be a mapping {name, path, body | bodyFile, expect} (got "/invocations")')
  t.equal(problem('[{"name": '), 'smoke: must be a JSON list of smoke requests or the path of a YAML file (got "[{\\"name\\":")')
  const cwd = t.testdir({ 'bad.yaml': 'smoke: { name: x }\n', 'broken.yaml': 'smoke: [\n' })
  t.equal(problem('nope.yaml', cwd), 'smoke: smoke file nope.yaml: cannot be read (ENOENT)')
  t.equal(problem('bad.yaml', cwd), 'smoke: smoke file bad.yaml: must hold a list of smoke requests, or a mapping with one key, smoke: [...]')
  t.match(problem('broken.yaml', cwd), /^smoke: smoke file broken\.yaml: invalid YAML: /)
})

t.test('the loader lists a smoke problem with the others, by its origin', async (t) => {
  const cwd = t.testdir({})
  try {
    loadConfig({ cwd, env: { ...URLS, SWITCHYARD_SMOKE: '[{"name": "a", "path": "x", "body": "{}"}]' }, args: ['--listen.port', 'x'] })
    t.fail('expected CONFIG_INVALID')
  } catch (err) {
    t.ok(CONFIG_INVALID.is(err))
    t.same((err as Error).message.split('\n').slice(1), [
      '--listen.port: must be an integer from 0 to 65535 (got "x")',
      'SWITCHYARD_SMOKE (smoke)[0].path: must be a path starting with "/" (got "x")'
    ])
  }
})
