// The dashboard in a real browser (Debian's chromium, driven by playwright-core): it loads with no
// console errors, shows the live colour, draws the traffic as it comes, and its buttons switch and
// roll back with the admin token.
//
// SWITCHYARD_DASHBOARD_SCREENSHOT=docs/dashboard.png runs a longer scenario (a burst of errors on
// blue, a slower green) and saves a screenshot of the page under load there.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { Pool } from 'undici'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const TOKEN = 'dashboard-token-42'
const SCREENSHOT = process.env.SWITCHYARD_DASHBOARD_SCREENSHOT
const BODY = '{"data": [[5.1, 3.5, 1.4, 0.2]]}'

interface Load {
  sent: () => number
  failures: string[]
  stop: () => Promise<void>
}

/** Keeps `workers` clients predicting through the proxy, each pausing `pauseMs` between calls. */
function startLoad (proxyUrl: string, workers = 4, pauseMs = 10): Load {
  const client = new Pool(proxyUrl, { connections: workers })
  let running = true
  let sent = 0
  const failures: string[] = []
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const res = await client.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: BODY })
        await res.body.dump()
        if (res.statusCode !== 200 && res.statusCode !== 500) failures.push(`answered ${res.statusCode}`)
      } catch (err) {
        failures.push((err as Error).message)
      }
      sent++
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
  const all = Promise.all(Array.from({ length: workers }, worker))
  let stopped: Promise<void> | null = null
  const stop = (): Promise<void> => (stopped ??= (async () => { running = false; await all; await client.close() })())
  return { sent: () => sent, failures, stop }
}

/** Chromium on a fresh profile of its own (not tap's per-test fixture directory: two runs at once would share it). */
async function launch (t: Test): Promise<BrowserContext> {
  const profile = await mkdtemp(join(tmpdir(), 'switchyard-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 }
  })
  t.teardown(async () => {
    await context.close()
    await rm(profile, { recursive: true, force: true })
  })
  return context
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// The little of the DOM the page-side functions below use: the tests compile without the DOM
// library. (Functions, not strings: the page's CSP forbids eval, which string predicates need.)
interface PageElement { dataset: Record<string, string | undefined>, textContent: string | null }
declare const document: { getElementById (id: string): PageElement | null, querySelector (selector: string): PageElement | null }
declare function getComputedStyle (element: PageElement): { backgroundColor: string }

/** What the chart shows now for a colour (its data-<colour> attribute). */
async function chartValue (page: Page, chart: string, colour: string): Promise<number> {
  return Number(await page.getAttribute(`#chart-${chart}`, `data-${colour}`))
}

async function background (page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.getElementById('banner') as PageElement).backgroundColor)
}

t.test('the dashboard shows the live colour, draws the traffic and switches with the token', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium): browser test skipped` }, async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, env: { SWITCHYARD_ADMIN_TOKEN: TOKEN }, args: ['--rollback.bake', '10m'] })
  const context = await launch(t)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`) })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  const foreign: string[] = []
  page.on('request', (request) => { if (!request.url().startsWith(sy.adminUrl)) foreign.push(request.url()) })

  await page.goto(`${sy.adminUrl}/`)
  await page.waitForFunction(() => document.getElementById('banner')?.dataset.connected === 'true')
  t.equal(await page.getAttribute('#banner', 'data-active'), 'blue')
  t.equal(await page.innerText('#active'), 'BLUE', 'the live colour, in capitals across the banner')
  t.equal(await background(page), 'rgb(31, 111, 235)', 'a blue banner')
  t.match(await page.innerText('#phase'), /Stable/)
  t.match(await page.innerText('#card-blue'), /live/i)
  await page.waitForFunction(() => document.querySelector('#card-green [data-field="health"]')?.textContent === 'healthy')
  t.equal(await page.textContent('#switch'), 'Switch to green')
  t.ok(await page.isDisabled('#rollback'), 'nothing to roll back to yet')

  const load = startLoad(sy.proxyUrl)
  t.teardown(load.stop)
  if (SCREENSHOT !== undefined) {
    // A richer picture: a minute of blue, with a two-second burst of errors in it.
    await sleep(25_000)
    blue.setFault({ status: 500 })
    await sleep(2000)
    blue.setFault(null)
    await sleep(25_000)
  }
  await page.waitForFunction(() => Number(document.getElementById('chart-rps')?.dataset.blue) > 0)
  const samples = Number(await page.getAttribute('#chart-rps', 'data-samples'))
  const line = await page.getAttribute('#chart-rps path.line.blue', 'd')
  await page.waitForFunction((n) => Number(document.getElementById('chart-rps')?.dataset.samples) >= n + 2, samples)
  t.not(await page.getAttribute('#chart-rps path.line.blue', 'd'), line, 'the requests chart moves with the traffic')
  t.ok(await chartValue(page, 'rps', 'blue') > 0, 'blue requests per second')
  t.equal(await chartValue(page, 'rps', 'green'), 0, 'and none on green')
  t.equal(await chartValue(page, 'errors', 'blue'), 0, 'blue answers without errors')
  t.ok(await chartValue(page, 'p99', 'blue') > 0, 'blue p99')
  t.match(await page.innerText('#chart-rps figcaption'), /blue \d+(\.\d)? \/s/)

  // Switch: the dialog asks for the token; a wrong one is refused and changes nothing.
  await page.click('#switch')
  await page.waitForSelector('#confirm[open]')
  t.ok(await page.isVisible('#confirm-token'), 'the dialog asks for the token')
  await page.fill('#confirm-token', 'not-the-token')
  await page.click('#confirm-go')
  await page.waitForSelector('#confirm-error:not([hidden])')
  t.equal(await page.textContent('#confirm-error'), 'The token was refused.')
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue')
  if (SCREENSHOT !== undefined) green.setFault({ delayMs: 12 })
  await page.fill('#confirm-token', TOKEN)
  await page.fill('#confirm-reason', 'ship forest v2')
  await page.click('#confirm-go')
  await page.waitForFunction(() => document.getElementById('banner')?.dataset.active === 'green')
  t.notOk(await page.isVisible('#confirm'), 'the dialog closes')
  t.equal(await page.innerText('#active'), 'GREEN')
  t.equal(await background(page), 'rgb(26, 127, 55)', 'a green banner')
  t.match(await page.innerText('#phase'), /^Baking · (10:00|9:5\d) left$/, 'the bake counts down')
  const status = await sy.admin('GET', '/admin/status')
  t.match(status.body, { active: 'green', previous: 'blue', version: 2, reason: 'ship forest v2', by: 'operator' })
  await page.waitForFunction(() => document.querySelector('#history tr td:nth-child(5)')?.textContent === 'ship forest v2')
  t.match(await page.innerText('#history tr:first-child'), /2\s.*switch blue → green\s+operator \(admin\)\s+ship forest v2/)

  await page.waitForFunction(() => Number(document.getElementById('chart-rps')?.dataset.green) > 0)
  t.ok(await chartValue(page, 'rps', 'green') > 0, 'green now takes the requests')
  if (SCREENSHOT !== undefined) {
    await sleep(30_000)
    await page.screenshot({ path: resolve(SCREENSHOT), fullPage: true })
  }

  // Roll back: the token given once is remembered for this tab.
  t.equal(await page.textContent('#rollback'), 'Roll back to blue')
  await page.click('#rollback')
  await page.waitForSelector('#confirm[open]')
  t.equal(await page.inputValue('#confirm-token'), TOKEN)
  await page.click('#confirm-go')
  await page.waitForFunction(() => document.getElementById('banner')?.dataset.active === 'blue')
  t.match((await sy.admin('GET', '/admin/history?limit=1')).body, { entries: [{ version: 3, kind: 'rollback', reason: 'rollback to blue from the dashboard' }] })

  await load.stop()
  t.same(load.failures, [], `${load.sent()} proxied requests, none failed`)
  t.same(foreign, [], 'everything the page loads comes from switchyard')
  // The one refused switch is the only error the page may log.
  t.same(problems.filter((p) => !/status of 401/.test(p)), [], 'no console errors')

  // When switchyard goes away the page says so, rather than go on showing a colour as live.
  await sy.stop()
  await page.waitForFunction(() => document.getElementById('banner')?.dataset.connected === 'false')
  t.match(await page.innerText('#phase'), /Disconnected/)
  t.equal(await page.innerText('#live-label'), 'LAST SEEN LIVE')
})
