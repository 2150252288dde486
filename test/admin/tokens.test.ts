import { rename, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import t from 'tap'
import { AdminTokens, duplicateProblems, parseTokenList, parseTokensText, readTokensFile } from '../../src/admin/tokens.js'
import { until } from '../helpers/until.js'

function capture (): { logger: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } })
  return { logger, lines }
}

t.test('admin.tokens: a list of {label, token}, or its JSON', async (t) => {
  t.same(parseTokenList([{ label: 'ci', token: 'abc' }], 'admin.tokens'), { ok: true, tokens: [{ label: 'ci', token: 'abc' }] })
  t.same(parseTokenList('[{"label": "ci", "token": "abc"}]', 'X'), { ok: true, tokens: [{ label: 'ci', token: 'abc' }] })
  t.same(parseTokenList('  ', 'X'), { ok: true, tokens: [] }, 'an empty variable sets none')
  const problems: Array<[unknown, RegExp]> = [
    ['[{"label": "ci", "token": "se', /^X: must be a JSON list of \{label, token\} \(got a string that is not JSON, not shown\)$/],
    [{ label: 'ci' }, /^X: must be a list of \{label, token\}$/],
    [['ci secret'], /^X\[0\]: must be a mapping \{label, token\}$/],
    [[{ label: 'ci', token: 'a', role: 'x' }], /^X\[0\]\.role: unknown key/],
    [[{ label: 'a b', token: 'tok' }], /^X\[0\]\.label: must be 1 to 64 letters.*\(got "a b"\)$/],
    [[{ label: 7, token: 'tok' }], /^X\[0\]\.label: .*\(got number\)$/],
    [[{ label: 'ok', token: 'has space' }], /^X\[0\]\.token: must be 1 to 4096 characters with no spaces \(not shown\)$/],
    [[{ label: 'ok', token: 12345 }], /^X\[0\]\.token: .*\(not shown\)$/]
  ]
  for (const [value, problem] of problems) {
    const parsed = parseTokenList(value, 'X')
    t.equal(parsed.ok, false)
    if (!parsed.ok) {
      t.match(parsed.problem, problem)
      t.notMatch(parsed.problem, /has space|secret|12345/, 'the token is never quoted')
    }
  }
})

t.test('a tokens file: "label token" lines; comments and blank lines skipped; problems name the line, never its text', async (t) => {
  t.same(parseTokensText('# rotated 2026-11-26\n\nci  tok-ci\r\n  alice tok-alice  \n', 'f'), { ok: true, tokens: [{ label: 'ci', token: 'tok-ci' }, { label: 'alice', token: 'tok-alice' }], lines: [3, 4] })
  const bad: Array<[string, string]> = [
    ['ci tok-ci\njust-a-secret-token\n', 'f, line 2: expected "label token" (2 fields, got 1)'],
    ['ci tok-ci extra-secret\n', 'f, line 1: expected "label token" (2 fields, got 3)'],
    ['#x\nbad/label tok-secret\n', 'f, line 2: the label must be 1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit'],
    [`ci ${'x'.repeat(5000)}\n`, 'f, line 1: the token must be 1 to 4096 characters with no spaces'],
    ['# nothing but comments\n\n', 'f: holds no token (a tokens file must hold at least one "label token" line)']
  ]
  for (const [text, problem] of bad) t.same(parseTokensText(text, 'f'), { ok: false, problem })
  t.same(readTokensFile(join(t.testdir(), 'missing')), { ok: false, problem: `${join(t.testdirName, 'missing')}: cannot be read (ENOENT)` })
})

t.test('no label and no token twice, across every source', async (t) => {
  t.same(duplicateProblems([
    { where: () => 'admin.token', tokens: [{ label: 'admin', token: 'one' }] },
    { where: (i) => `admin.tokens[${i}]`, tokens: [{ label: 'admin', token: 'two' }, { label: 'ci', token: 'one' }] }
  ]), [
    'admin.tokens[0]: the label "admin" is already used by admin.token',
    'admin.tokens[1]: the same token as admin.token (each label needs its own token)'
  ])
})

t.test('the tokens file rotates without a restart; a broken file keeps the tokens in force', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'tokens')
  await writeFile(file, 'ci tok-ci-1\n')
  const { logger, lines } = capture()
  const tokens = new AdminTokens({ token: 'single', tokens: [], tokensFile: file, logger })
  t.teardown(() => tokens.close())
  t.ok(tokens.required)
  t.equal(tokens.match('Bearer tok-ci-1'), 'ci')
  t.equal(tokens.match('Bearer single'), 'admin')
  t.equal(tokens.reload(), false, 'an unchanged file changes nothing')

  await writeFile(file, 'ci tok-ci-2\nalice tok-alice\n')
  t.equal(tokens.reload(), true)
  t.equal(tokens.match('Bearer tok-ci-1'), null, 'the old token no longer works')
  t.equal(tokens.match('Bearer tok-ci-2'), 'ci')
  t.equal(tokens.match('Bearer tok-alice'), 'alice')
  t.match(lines.at(-1), { level: 30, msg: 'admin tokens reloaded', file, labels: ['admin', 'ci', 'alice'] })

  const broken: Array<[string, RegExp]> = [
    ['ci tok-ci-3\nbob\n', /line 2: expected "label token"/],
    ['ci tok-ci-3\nci tok-other\n', /line 2: the label "ci" is already used by .*line 1/],
    ['ci single\n', /line 1: the same token as admin\.token/]
  ]
  for (const [text, problem] of broken) {
    await writeFile(file, text)
    t.equal(tokens.reload(), false)
    t.match(lines.at(-1), { level: 50, file, problem, msg: /^admin tokens file not reloaded, the previous tokens stay in force: / })
    t.equal(tokens.match('Bearer tok-ci-2'), 'ci', 'the tokens in force stay')
    t.equal(tokens.match('Bearer tok-ci-3'), null)
  }
  await rm(file)
  t.equal(tokens.reload(), false)
  t.match(lines.at(-1), { level: 50, problem: /cannot be read \(ENOENT\)/ })
  t.equal(tokens.match('Bearer tok-alice'), 'alice')
  t.notOk(JSON.stringify(lines).includes('tok-'), 'no token in any log line')
})

t.test('a change to the file is picked up by itself, a rename over it included', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'tokens')
  await writeFile(file, 'ci tok-a\n')
  const { logger } = capture()
  const tokens = new AdminTokens({ token: null, tokens: [], tokensFile: file, logger })
  t.teardown(() => tokens.close())
  tokens.watch()
  tokens.watch()
  await writeFile(join(dir, 'tokens.new'), 'ci tok-b\n')
  await rename(join(dir, 'tokens.new'), file)
  t.ok(await until(() => tokens.match('Bearer tok-b') === 'ci'), 'the renamed file is in force')
  t.equal(tokens.match('Bearer tok-a'), null)
  await writeFile(file, 'ci tok-c\n')
  t.ok(await until(() => tokens.match('Bearer tok-c') === 'ci'), 'so is one written in place')
  tokens.close()
  tokens.close()
})

t.test('a Kubernetes secret volume (a symlink swapped under the file) is picked up too', async (t) => {
  // What the kubelet does: tokens -> ..data/tokens, ..data -> a timestamped directory, replaced by a rename.
  const dir = t.testdir({ v1: { tokens: 'ci tok-v1\n' }, v2: { tokens: 'ci tok-v2\n' } })
  await symlink(join(dir, 'v1'), join(dir, '..data'))
  await symlink(join(dir, '..data', 'tokens'), join(dir, 'tokens'))
  const { logger } = capture()
  const tokens = new AdminTokens({ token: null, tokens: [], tokensFile: join(dir, 'tokens'), logger })
  t.teardown(() => tokens.close())
  tokens.watch()
  t.equal(tokens.match('Bearer tok-v1'), 'ci')
  await symlink(join(dir, 'v2'), join(dir, '..data_tmp'))
  await rename(join(dir, '..data_tmp'), join(dir, '..data'))
  t.ok(await until(() => tokens.match('Bearer tok-v2') === 'ci'))
})

t.test('without a file: reload and watch do nothing; a file broken at start-up stops start-up naming the key', async (t) => {
  const { logger } = capture()
  const none = new AdminTokens({ token: null, tokens: [], tokensFile: null, logger })
  t.equal(none.required, false)
  t.equal(none.match('Bearer x'), null)
  t.equal(none.reload(), false)
  none.watch()
  none.close()
  const file = join(t.testdir(), 'tokens')
  await writeFile(file, 'one-field-only\n')
  t.throws(() => new AdminTokens({ token: null, tokens: [], tokensFile: file, logger }), { code: 'SW_ERR_CONFIG_INVALID', message: /admin\.tokensFile: .*tokens, line 1: expected "label token"/ })
})

t.test('a directory that cannot be watched is logged, and SIGHUP still reloads', async (t) => {
  const { logger, lines } = capture()
  const file = join(t.testdir(), 'tokens')
  await writeFile(file, 'ci tok-a\n')
  const tokens = new AdminTokens({ token: null, tokens: [], tokensFile: file, logger })
  await rm(t.testdirName, { recursive: true })
  tokens.watch()
  t.match(lines.at(-1), { level: 50, msg: 'admin tokens file cannot be watched; send SIGHUP to reload it' })
  tokens.close()
})
