import t from 'tap'
import { createTokenCheck } from '../../src/admin/auth.js'

t.test('no token configured: everything passes', async (t) => {
  t.equal(createTokenCheck(null)(undefined), true)
})

t.test('a token must be presented as a bearer token, exactly', async (t) => {
  const check = createTokenCheck('s3cret-token')
  t.equal(check('Bearer s3cret-token'), true)
  t.equal(check('bearer s3cret-token'), true)
  t.equal(check(undefined), false)
  t.equal(check('s3cret-token'), false)
  t.equal(check('Bearer s3cret-toke'), false)
  t.equal(check('Bearer s3cret-token-longer'), false)
  t.equal(check('Basic czNjcmV0'), false)
})
