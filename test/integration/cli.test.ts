// The CLI against a running proxy: readable output, --json, and a non-zero exit on every failure.
import t from 'tap'
import { main, type Io } from '../../src/cli/main.js'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

function capture (env: Record<string, string | undefined> = {}): Io & { stdout: string[], stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env }
}

t.test('status, switch, rollback against a running proxy', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
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
