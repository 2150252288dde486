// A change of the active colour that is not the progressive switch's own last step (an operator's
// switch, a guard rollback, another replica's change) ends the progressive switch: its canary
// share would otherwise go on to the colour that just stopped being the standby.
import { join } from 'node:path'
import t from 'tap'
import { applyChange, applyTraffic } from '../../src/state/transition.js'
import type { DeploymentState } from '../../src/state/types.js'
import { startBlueGreen } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'
import { replicaDir } from '../helpers/redis.js'
import { until } from '../helpers/until.js'

t.test('a switch by someone else ends a running progressive switch and its canary weight', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const { canary, deployment } = sy.app
  await canary.start('green', [25, 100], 60_000, 'progressive to green', 'test')
  t.equal(canary.weight, 25, 'the first step sends 25% to green')
  await deployment.switchTo('green', { reason: 'by hand', by: 'operator', actor: 'test' })
  t.equal(canary.progress, null, 'the progressive switch is over')
  t.equal(canary.weight, 0, 'no canary share is left on blue, now the standby')
  t.match(canary.lastOutcome, { to: 'green', completed: false, reason: /aborted: the active colour changed to green \(operator\)/ })
})

t.test('the progressive switch\'s own last step completes it', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const { canary } = sy.app
  await canary.start('green', [50, 100], 50, 'progressive to green', 'test')
  t.ok(await until(() => canary.progress === null))
  t.match(canary.lastOutcome, { to: 'green', completed: true })
  t.equal(sy.app.deployment.active, 'green')
  t.equal(canary.weight, 0)
})

t.test('with the file store, the canary weight and shadow percent survive a restart; a walk cut by one ends', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  // One directory for the three processes (each t.testdir() call empties it).
  const cwd = replicaDir(t)
  const args = ['--state.store', 'file', '--state.path', join(cwd, 'state.json')]
  const first = await startSwitchyard(t, { blue: blue.url, green: green.url, args, cwd })
  t.equal((await first.admin('POST', '/admin/canary', { weight: 15 })).status, 200)
  t.equal((await first.admin('POST', '/admin/shadow', { percent: 40 })).status, 200)
  await first.stop()
  const second = await startSwitchyard(t, { blue: blue.url, green: green.url, args, cwd })
  t.equal(second.app.canary.weight, 15, 'the canary weight is back')
  t.equal(second.app.shadow.percent, 40, 'so is the shadow percent')
  t.equal((await second.admin('POST', '/admin/canary', { weight: 0 })).status, 200)
  t.equal((await second.admin('POST', '/admin/switch', { to: 'green', steps: [30, 100], stepInterval: '200ms' })).status, 202)
  await second.stop()
  // The process that walked it is gone: the next one ends it once its step is overdue.
  const third = await startSwitchyard(t, { blue: blue.url, green: green.url, args, cwd })
  t.equal(third.app.canary.weight, 30, 'it starts where the walk was')
  t.ok(await until(() => third.app.canary.progress === null, 15_000))
  t.match(third.app.canary.lastOutcome, { to: 'green', completed: false, reason: /took no step/ })
  t.equal(third.app.canary.weight, 0)
  t.equal(third.app.deployment.active, 'blue')
})

t.test('a switch and a new weight that arrive together: the guard watches the new standby', async (t) => {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 20 })).status, 200)
  t.equal(sy.app.guard.status().canary, 'green')
  // As a replica gets them after missing both: a switch to green (weight 0), then weight 20 again.
  const switched = applyChange(sy.app.deployment.state, { kind: 'switch', to: 'green', reason: 'elsewhere', by: 'operator' }, new Date(), 100) as DeploymentState
  t.ok(sy.app.deployment.adopt(applyTraffic(switched, { ...switched.traffic, canaryWeight: 20 }) as DeploymentState))
  t.equal(sy.app.deployment.active, 'green')
  t.equal(sy.app.canary.weight, 20)
  t.equal(sy.app.guard.status().canary, 'blue', 'blue is the standby now')
})
