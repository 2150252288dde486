// The hardening settings: client limits, labelled tokens and their file, the failure bound, TLS.
// Every bad value stops start-up with a line naming the key; no token is ever quoted.
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { problemsOf, URLS } from '../helpers/config.js'
import { makeCertificate } from '../helpers/tls.js'


const flags = (...args: string[]): string[] => problemsOf({ env: URLS, args })

t.test('limits and timeouts: durations, counts, "off"', async (t) => {
  const config = loadConfig({
    env: { ...URLS, SWITCHYARD_LISTEN_MAX_CONNECTIONS: 'off', SWITCHYARD_ADMIN_AUTH_FAILURES_LIMIT: 'off' },
    args: ['--listen.headersTimeout', '5s', '--listen.requestTimeout', '30s', '--listen.keepAliveTimeout', '500ms', '--listen.maxRequestsPerSocket', '100', '--admin.maxConnections', '8', '--admin.authFailures.window', '10m']
  })
  t.same(config.listen, { host: '0.0.0.0', port: 8080, headersTimeout: 5000, requestTimeout: 30_000, keepAliveTimeout: 500, maxConnections: null, maxRequestsPerSocket: 100, tls: { cert: null, key: null } })
  t.same(config.admin.authFailures, { limit: null, window: 600_000 })
  t.equal(config.admin.maxConnections, 8)
  t.same(flags('--listen.headersTimeout', '0', '--listen.maxConnections', '0', '--admin.authFailures.window', 'soon'), [
    '--admin.authFailures.window: must be a duration like "2s" or "500ms" (got "soon")',
    '--listen.headersTimeout: must be more than 0 ms (got "0")',
    '--listen.maxConnections: must be an integer of at least 1, or "off" (got "0")'
  ])
  t.same(flags('--listen.headersTimeout', '1m', '--listen.requestTimeout', '30s'), [
    'listen.requestTimeout: must be at least listen.headersTimeout (got 30000 ms, headersTimeout 60000 ms)'
  ])
})

t.test('admin.tokens: from YAML, or JSON in a variable; problems never quote a token', async (t) => {
  const cwd = t.testdir({ 'c.yaml': 'admin:\n  tokens:\n    - { label: ci, token: tok-yaml }\n' })
  t.same(loadConfig({ cwd, env: URLS, file: 'c.yaml' }).admin.tokens, [{ label: 'ci', token: 'tok-yaml' }])
  t.same(loadConfig({ env: { ...URLS, SWITCHYARD_ADMIN_TOKENS: '[{"label": "bot", "token": "tok-env"}]' } }).admin.tokens, [{ label: 'bot', token: 'tok-env' }])
  const problems = [
    ...problemsOf({ env: { ...URLS, SWITCHYARD_ADMIN_TOKENS: '[{"label": "bot", "token": "tok secret"}]' } }),
    ...problemsOf({ env: { ...URLS, SWITCHYARD_ADMIN_TOKENS: 'tok-not-json' } }),
    ...problemsOf({ env: URLS, args: ['--admin.tokens', '[{"label": "admin", "token": "tok-a"}]', '--admin.token', 'tok-b'] }),
    ...problemsOf({ env: URLS, args: ['--admin.tokens', '[{"label": "x", "token": "tok-same"}, {"label": "y", "token": "tok-same"}]'] })
  ]
  t.same(problems, [
    'SWITCHYARD_ADMIN_TOKENS (admin.tokens)[0].token: must be 1 to 4096 characters with no spaces (not shown)',
    'SWITCHYARD_ADMIN_TOKENS (admin.tokens): must be a JSON list of {label, token} (got a string that is not JSON, not shown)',
    'admin.tokens[0]: the label "admin" is already used by admin.token',
    'admin.tokens[1]: the same token as admin.tokens[0] (each label needs its own token)'
  ])
  t.notMatch(problems.join('\n'), /tok-|secret/)
})

t.test('admin.tokensFile: must exist and parse at start-up; the line is named, its text never', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'tokens')
  await writeFile(file, 'ci tok-ci\n')
  t.equal(loadConfig({ env: URLS, args: ['--admin.tokensFile', file] }).admin.tokensFile, file)
  t.same(flags('--admin.tokensFile', join(dir, 'missing')), [`--admin.tokensFile: ${JSON.stringify(join(dir, 'missing'))} does not exist`])
  t.same(flags('--admin.tokensFile', dir), [`--admin.tokensFile: ${JSON.stringify(dir)} is not a file`])
  await writeFile(file, 'ci tok-ci\nops tok-ops extra-secret\n')
  t.same(flags('--admin.tokensFile', file), [`admin.tokensFile: ${file}, line 2: expected "label token" (2 fields, got 3)`])
  await writeFile(file, 'admin tok-file\n')
  t.same(flags('--admin.tokensFile', file, '--admin.token', 'tok-single'), [`admin.tokensFile: ${file}, line 1: the label "admin" is already used by admin.token`])
  t.equal(loadConfig({ env: { ...URLS, SWITCHYARD_ADMIN_TOKENS_FILE: '' } }).admin.tokensFile, null, 'an empty variable is null')
})

t.test('TLS: a certificate and its key, both or neither, readable and belonging together', async (t) => {
  const dir = t.testdir()
  const one = makeCertificate(dir, 'one')
  const two = makeCertificate(dir, 'two')
  const config = loadConfig({ env: URLS, args: ['--listen.tls.cert', one.cert, '--listen.tls.key', one.key, '--admin.tls.cert', two.cert, '--admin.tls.key', two.key] })
  t.same(config.listen.tls, { cert: one.cert, key: one.key })
  t.same(config.admin.tls, { cert: two.cert, key: two.key })

  t.same(flags('--listen.tls.cert', one.cert), ['listen.tls.key: must be set when listen.tls.cert is'])
  t.same(flags('--admin.tls.key', one.key), ['admin.tls.cert: must be set when admin.tls.key is'])
  t.same(flags('--listen.tls.cert', join(dir, 'nope.crt'), '--listen.tls.key', one.key), [`--listen.tls.cert: ${JSON.stringify(join(dir, 'nope.crt'))} does not exist`])
  const [mismatch] = flags('--admin.tls.cert', one.cert, '--admin.tls.key', two.key)
  t.match(mismatch, /^admin\.tls\.cert and admin\.tls\.key: not a PEM certificate and its private key \(.*key values mismatch.*\)$/)
  const junk = join(dir, 'junk.pem')
  await writeFile(junk, 'not a certificate\n')
  t.match(flags('--listen.tls.cert', junk, '--listen.tls.key', one.key), [/^listen\.tls\.cert and listen\.tls\.key: not a PEM certificate and its private key \(/])
  t.notMatch(flags('--listen.tls.cert', one.cert, '--listen.tls.key', junk).join('\n'), /PRIVATE KEY-----\n[A-Za-z0-9+/]/, 'never the key itself')
})

t.test('a certificate or tokens file gone between loading and start-up stops start-up naming the key', async (t) => {
  const dir = t.testdir()
  const certificate = makeCertificate(dir)
  const logger = pino({ level: 'silent' })
  const base = ['--state.store', 'memory', '--health.interval', '1h']
  const tls = loadConfig({ env: URLS, args: [...base, '--listen.tls.cert', certificate.cert, '--listen.tls.key', certificate.key] })
  await rm(certificate.cert)
  await t.rejects(build({ config: tls, logger }), { code: 'SW_ERR_CONFIG_INVALID', message: /listen\.tls\.cert: ".*switchyard-test\.crt" cannot be read \(ENOENT\)/ })

  const tokens = join(dir, 'tokens')
  await writeFile(tokens, 'ci tok-ci\n')
  const withFile = loadConfig({ env: URLS, args: [...base, '--admin.tokensFile', tokens] })
  await writeFile(tokens, '\n')
  await t.rejects(build({ config: withFile, logger }), { code: 'SW_ERR_CONFIG_INVALID', message: /admin\.tokensFile: .*holds no token/ })
})
