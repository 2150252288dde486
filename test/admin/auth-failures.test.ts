import t from 'tap'
import { AuthFailures, clientKey } from '../../src/admin/auth-failures.js'

function clock (): { now: () => number, advance: (ms: number) => void } {
  let at = 5_000_000
  return { now: () => at, advance: (ms) => { at += ms } }
}

t.test('after `limit` failures within the window an address waits out a whole window', async (t) => {
  const time = clock()
  const failures = new AuthFailures({ limit: 3, windowMs: 60_000, now: time.now })
  t.equal(failures.retryAfter('10.0.0.1'), 0)
  t.equal(failures.fail('10.0.0.1'), false)
  time.advance(10_000)
  t.equal(failures.fail('10.0.0.1'), false)
  t.equal(failures.retryAfter('10.0.0.1'), 0, 'under the limit it may still try')
  t.equal(failures.fail('10.0.0.1'), true, 'the third failure reaches the limit')
  t.equal(failures.retryAfter('10.0.0.1'), 60)
  time.advance(59_500)
  t.equal(failures.retryAfter('10.0.0.1'), 1, 'rounded up to whole seconds')
  t.equal(failures.retryAfter('10.0.0.2'), 0, 'other addresses are not affected')
  time.advance(500)
  t.equal(failures.retryAfter('10.0.0.1'), 0, 'free again once the window has passed')
  t.equal(failures.fail('10.0.0.1'), false, 'and counting starts afresh')
})

t.test('failures spread wider than the window never add up', async (t) => {
  const time = clock()
  const failures = new AuthFailures({ limit: 2, windowMs: 1000, now: time.now })
  for (let i = 0; i < 5; i++) {
    t.equal(failures.fail('10.0.0.1'), false)
    time.advance(1000)
  }
})

t.test('limit off: nothing is counted', async (t) => {
  const failures = new AuthFailures({ limit: null, windowMs: 1000 })
  for (let i = 0; i < 20; i++) failures.fail('10.0.0.1')
  t.equal(failures.retryAfter('10.0.0.1'), 0)
  t.equal(failures.size, 0)
})

t.test('memory is bounded: expired addresses go first, then the oldest', async (t) => {
  const time = clock()
  const failures = new AuthFailures({ limit: 2, windowMs: 1000, maxClients: 3, now: time.now })
  failures.fail('10.0.0.1')
  failures.fail('10.0.0.1')
  failures.fail('10.0.0.2')
  time.advance(1000)
  failures.fail('10.0.0.3')
  failures.fail('10.0.0.4')
  t.equal(failures.size, 2, 'both expired entries were dropped to make room')
  failures.fail('10.0.0.5')
  failures.fail('10.0.0.6')
  t.equal(failures.size, 3, 'never more than maxClients')
  t.equal(failures.fail('10.0.0.3'), false, 'the oldest (10.0.0.3) was dropped: it counts from 1 again')
  const many = new AuthFailures({ limit: 5, windowMs: 60_000 })
  for (let i = 0; i < 20_000; i++) many.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
  t.equal(many.size, 10_000, 'the default cap holds')
})

t.test('addresses: IPv4 as it is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', async (t) => {
  t.equal(clientKey('10.0.0.7'), '10.0.0.7')
  t.equal(clientKey('::ffff:10.0.0.7'), '10.0.0.7')
  t.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
  t.equal(clientKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64')
  t.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64')
  t.equal(clientKey('::1'), '0:0:0:0::/64')
  t.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64')
  t.equal(clientKey('unix-socket'), 'unix-socket')
  const time = clock()
  const failures = new AuthFailures({ limit: 2, windowMs: 1000, now: time.now })
  failures.fail('2001:db8:1:2::a')
  failures.fail('2001:db8:1:2::b')
  t.ok(failures.retryAfter('2001:db8:1:2::c') > 0, 'one host cannot step around the limit inside its /64')
})
