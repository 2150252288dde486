// State survives a restart; a bad state file stops start-up; the admin is never exposed by accident.
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

t.test('a restarted proxy comes back on the colour it had (file store)', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const cwd = t.testdir()
  // An absolute path: a relative state.path resolves against the process's working directory.
  const args = ['--state.store', 'file', '--state.path', join(cwd, 'data/state.json')]
  const first = await startSwitchyard(t, { blue: blue.url, green: green.url, cwd, args })
  t.equal((await first.admin('POST', '/admin/switch', { to: 'green', reason: 'v2' })).status, 200)
  await first.stop()

  const second = await startSwitchyard(t, { blue: blue.url, green: green.url, cwd, args })
  const status = await second.admin('GET', '/admin/status')
  t.match(status.body, { active: 'green', previous: 'blue', version: 2, reason: 'v2', store: 'file' })
  const history = await second.admin('GET', '/admin/history')
  t.equal(history.body.total, 2)
})

t.test('a corrupt state file stops start-up with a clear message', async (t) => {
  const cwd = t.testdir({ 'state.json': '{"active": "green", "version": ' })
  const config = loadConfig({ cwd, env: {}, args: ['--upstreams.blue.url', 'http://127.0.0.1:9', '--upstreams.green.url', 'http://127.0.0.1:10', '--state.path', join(cwd, 'state.json')] })
  await t.rejects(build({ config, logger: pino({ level: 'silent' }) }), { code: 'SW_ERR_STATE_CORRUPT', message: /state\.json.*not valid JSON.*never resets it/ })
})

t.test('the admin listener on a public address with no token refuses to start', async (t) => {
  const cwd = t.testdir()
  const base = ['--upstreams.blue.url', 'http://127.0.0.1:9', '--upstreams.green.url', 'http://127.0.0.1:10', '--state.store', 'memory']
  const exposed = loadConfig({ cwd, env: {}, args: [...base, '--admin.host', '0.0.0.0'] })
  await t.rejects(build({ config: exposed, logger: pino({ level: 'silent' }) }), { code: 'SW_ERR_ADMIN_EXPOSED', message: /admin\.host is 0\.0\.0\.0.*SWITCHYARD_ADMIN_TOKEN/ })
})
