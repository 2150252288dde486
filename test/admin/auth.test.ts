import { pino } from 'pino'
import t from 'tap'
import { actorOf, checkAuth, requireTokenHook, type AdminAuth } from '../../src/admin/auth.js'
import { AuthFailures } from '../../src/admin/auth-failures.js'
import { AdminTokens } from '../../src/admin/tokens.js'

const silent = pino({ level: 'silent' })

function auth (token: string | null, tokens: Array<{ label: string, token: string }> = [], limit: number | null = 3): AdminAuth {
  let now = 1_000_000
  return {
    tokens: new AdminTokens({ token, tokens, tokensFile: null, logger: silent }),
    failures: new AuthFailures({ limit, windowMs: 60_000, now: () => now++ })
  }
}

t.test('no token configured: everything passes, and the actor is the client address', async (t) => {
  const a = auth(null)
  t.same(checkAuth(a, '10.0.0.1', undefined), { ok: true, label: null })
  const request = { ip: '10.0.0.1', headers: {} }
  await requireTokenHook(a)(request, { header: () => undefined })
  t.equal(actorOf(request), '10.0.0.1')
})

t.test('a token must be presented as a bearer token, exactly', async (t) => {
  const a = auth('s3cret-token', [], null)
  const label = (authorization: string | undefined): string | null => a.tokens.match(authorization)
  t.equal(label('Bearer s3cret-token'), 'admin')
  t.equal(label('bearer s3cret-token'), 'admin')
  t.equal(label(undefined), null)
  t.equal(label('s3cret-token'), null)
  t.equal(label('Bearer s3cret-toke'), null)
  t.equal(label('Bearer s3cret-token-longer'), null)
  t.equal(label('Basic czNjcmV0'), null)
})

t.test('each token answers with its own label, and the label becomes the actor', async (t) => {
  const a = auth('single', [{ label: 'ci', token: 'tok-ci' }, { label: 'alice@ops', token: 'tok-alice' }])
  t.equal(a.tokens.match('Bearer tok-ci'), 'ci')
  t.equal(a.tokens.match('Bearer tok-alice'), 'alice@ops')
  t.equal(a.tokens.match('Bearer single'), 'admin')
  t.same(a.tokens.labels, ['admin', 'ci', 'alice@ops'])
  const request = { ip: '10.0.0.9', headers: { authorization: 'Bearer tok-alice' } }
  await requireTokenHook(a)(request, { header: () => undefined })
  t.equal(actorOf(request), 'alice@ops')
})

t.test('failed checks are bounded per address; past the limit even the right token gets 429 with Retry-After', async (t) => {
  const a = auth(null, [{ label: 'ci', token: 'tok-ci' }], 3)
  const hook = requireTokenHook(a)
  const headers: Record<string, string> = {}
  const reply = { header: (name: string, value: string) => { headers[name] = value } }
  const call = (ip: string, authorization?: string): Promise<void> => hook({ ip, headers: { authorization } }, reply)
  await t.resolves(call('10.0.0.2', 'Bearer tok-ci'), 'successes do not count')
  await t.rejects(call('10.0.0.2', 'Bearer nope'), { code: 'SW_ERR_UNAUTHORIZED', statusCode: 401 })
  await t.rejects(call('10.0.0.2'), { code: 'SW_ERR_UNAUTHORIZED' })
  await t.rejects(call('10.0.0.2', 'Bearer nope'), { code: 'SW_ERR_UNAUTHORIZED' }, 'the third failure is still a 401')
  await t.rejects(call('10.0.0.2', 'Bearer tok-ci'), { code: 'SW_ERR_AUTH_RATE_LIMITED', statusCode: 429, details: { retryAfter: 60 } })
  t.equal(headers['retry-after'], '60')
  await t.resolves(call('10.0.0.3', 'Bearer tok-ci'), 'another address is not affected')
})
