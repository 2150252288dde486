// The CLI against a running proxy: readable output, --json, and a non-zero exit on every failure.
import t from 'tap'
import { main, type Io } from '../../src/cli/main.js'
import { startBlueGreen } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

function capture (env: Record<string, string | undefined> = {}): Io & { stdout: string[], stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env }
}

t.test('status, switch, rollback against a running proxy', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, env: { SWITCHYARD_ADMIN_TOKEN: 'cli-token' } })
  const env = { SWITCHYARD_ADMIN_URL: sy.adminUrl, SWITCHYARD_ADMIN_TOKEN: 'cli-token' }

  let io = capture(env)
  t.equal(await main(['status'], io), 0)
  t.match(io.stdout.join('\n'), /active\s+blue\s+\(version 1, phase stable\)/)
  t.match(io.stdout.join('\n'), /\* blue\s+http:\/\/127\.0\.0\.1:\d+\s+healthy/)

  io = capture(env)
  t.equal(await main(['switch', 'green', '--reason', 'ship v2'], io), 0)
  t.equal(io.stdout[0], 'switched: blue -> green (version 2)')

  io = capture(env)
  t.equal(await main(['switch', 'green'], io), 0)
  t.match(io.stdout[0], /green is already active/)

  io = capture(env)
  t.equal(await main(['status', '--json', '--admin-url', sy.adminUrl], io), 0)
  t.match(JSON.parse(io.stdout.join('\n')), { active: 'green', previous: 'blue', version: 2 })

  io = capture(env)
  t.equal(await main(['switch', 'blue', '--expected-version', '1'], io), 1)
  t.match(io.stderr[0], /expected state version 1 but it is 2 \(SW_ERR_VERSION_CONFLICT, HTTP 409\)/)

  io = capture(env)
  t.equal(await main(['rollback', '--reason', 'bad', '--json'], io), 0)
  t.match(JSON.parse(io.stdout.join('\n')), { active: 'blue', version: 3, changed: true })

  io = capture({ SWITCHYARD_ADMIN_URL: sy.adminUrl })
  t.equal(await main(['switch', 'green'], io), 1, 'no token')
  t.match(io.stderr[0], /SW_ERR_UNAUTHORIZED, HTTP 401/)

  io = capture(env)
  t.equal(await main(['switch', 'purple'], io), 1)
  t.match(io.stderr[0], /unknown colour "purple"/)

  green.setFault({ ping: 503 })
  io = capture(env)
  t.equal(await main(['switch', 'green'], io), 1)
  t.match(io.stderr[0], /not healthy.*HTTP 503/)
  io = capture(env)
  t.equal(await main(['switch', 'green', '--force'], io), 0)
})

t.test('usage errors and an unreachable admin API exit non-zero with one clear line', async (t) => {
  const cases: Array<[string[], number, RegExp]> = [
    [['switch'], 1, /exactly one colour/],
    [['switch', 'green', 'blue'], 1, /exactly one colour/],
    [['switch', 'green', '--expected-version', 'x'], 1, /whole number/],
    [['switch', 'green', '--reason'], 1, /--reason needs a value/],
    [['status', '--bogus'], 1, /unknown option --bogus/],
    [['rollback', 'now'], 1, /takes no arguments/],
    [['frobnicate'], 2, /unknown command "frobnicate"/]
  ]
  for (const [argv, code, message] of cases) {
    const io = capture({ SWITCHYARD_ADMIN_URL: 'http://127.0.0.1:9' })
    t.equal(await main(argv, io), code, argv.join(' '))
    t.match(io.stderr.join('\n'), message)
  }
  const io = capture({ SWITCHYARD_ADMIN_URL: 'http://127.0.0.1:9' })
  t.equal(await main(['status'], io), 1)
  t.match(io.stderr[0], /cannot reach the admin API at http:\/\/127\.0\.0\.1:9: ECONNREFUSED/)

  const help = capture()
  t.equal(await main(['help'], help), 0)
  t.match(help.stdout[0], /Usage: switchyard <command>/)
  t.equal(await main([], capture()), 2)
  const version = capture()
  t.equal(await main(['--version'], version), 0)
  t.match(version.stdout[0], /^\d+\.\d+\.\d+$/)
})

t.test('shadow, canary, a switch in steps and abort from the CLI', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const env = { SWITCHYARD_ADMIN_URL: sy.adminUrl }

  let io = capture(env)
  t.equal(await main(['shadow', '100'], io), 0)
  t.match(io.stdout[0], /^shadow\s+100% mirrored to the standby: 0 compared/)
  const res = await fetch(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[5.1, 3.5, 1.4, 0.2]]}' })
  await res.text()
  t.ok(await until(() => sy.app.shadow.compared === 1))
  io = capture(env)
  t.equal(await main(['shadow'], io), 0)
  t.match(io.stdout.join('\n'), /1 compared, agreement 100\.00% \(1 agreed, 0 disagreed\)[^]*latency\s+active p50 [\d.]+ ms/)

  io = capture(env)
  t.equal(await main(['canary', '10'], io), 0)
  t.equal(io.stdout[0], 'canary    10% of live traffic to green')
  io = capture(env)
  t.equal(await main(['status'], io), 0)
  t.match(io.stdout.join('\n'), /canary\s+10% of live traffic to green/)
  t.match(io.stdout.join('\n'), /shadow\s+100% mirrored/)
  io = capture(env)
  t.equal(await main(['canary', '101'], io), 1)
  t.match(io.stderr.join('\n'), /canary takes one weight|0 to 100/)

  io = capture(env)
  t.equal(await main(['canary', '0'], io), 0)
  io = capture(env)
  t.equal(await main(['switch', 'green', '--steps', '5,25,100', '--interval', '1m'], io), 0)
  t.match(io.stdout[0], /^progressive switch to green: step 1 of 3, weight 5%, next step at \S+ \(walked by \S+\)$/)
  io = capture(env)
  t.equal(await main(['status'], io), 0)
  t.match(io.stdout.join('\n'), /canary\s+progressive switch to green: step 1 of 3, weight 5%/)
  io = capture(env)
  t.equal(await main(['abort', '--reason', 'not today'], io), 0)
  t.equal(io.stdout[0], 'aborted: not today')
  io = capture(env)
  t.equal(await main(['abort'], io), 0)
  t.equal(io.stdout[0], 'nothing to abort; canary weight is 0')
  t.equal(sy.app.deployment.active, 'blue')
})
