// A change of the active colour that is not the progressive switch's own last step (an operator's
// switch, a guard rollback, another replica's change) ends the progressive switch: its canary
// share would otherwise go on to the colour that just stopped being the standby.
import t from 'tap'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

t.test('a switch by someone else ends a running progressive switch and its canary weight', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const { canary, deployment } = sy.app
  canary.start('green', [25, 100], 60_000, 'progressive to green', 'test')
  t.equal(canary.weight, 25, 'the first step sends 25% to green')
  await deployment.switchTo('green', { reason: 'by hand', by: 'operator', actor: 'test' })
  t.equal(canary.progress, null, 'the progressive switch is over')
  t.equal(canary.weight, 0, 'no canary share is left on blue, now the standby')
  t.match(canary.lastOutcome, { to: 'green', completed: false, reason: /aborted: the active colour changed to green \(operator\)/ })
})

t.test('the progressive switch\'s own last step completes it', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const { canary } = sy.app
  canary.start('green', [50, 100], 50, 'progressive to green', 'test')
  const until = Date.now() + 10_000
  while (canary.progress !== null && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(canary.lastOutcome, { to: 'green', completed: true })
  t.equal(sy.app.deployment.active, 'green')
  t.equal(canary.weight, 0)
})
