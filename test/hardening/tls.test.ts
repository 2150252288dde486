// TLS on both listeners, with a self-signed certificate made at test time: clients that trust it
// are served over HTTPS, the upstream hears x-forwarded-proto: https, and a certificate renewed
// on disk is put in force by SIGHUP without a restart.
import { once } from 'node:events'
import { copyFile, writeFile } from 'node:fs/promises'
import { serveChild } from '../helpers/serve-child.js'
import { join } from 'node:path'
import { connect } from 'node:tls'
import t, { type Test } from 'tap'
import { Agent, request } from 'undici'
import { portOf, RawConnection } from '../helpers/raw-http.js'
import { startSwitchyard } from '../helpers/switchyard.js'
import { httpUpstream } from '../helpers/http-upstream.js'
import { makeCertificate } from '../helpers/tls.js'
import { until } from '../helpers/until.js'


/** An upstream that answers every request with the headers it received, as JSON. */
async function headerEcho (t: Test): Promise<string> {
  return await httpUpstream(t, (req, res) => {
    req.resume()
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(req.headers))
  })
}

/** The SHA-256 fingerprint of the certificate a TLS listener presents to a new connection. */
function presented (port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256)
      socket.destroy()
    })
    socket.on('error', reject)
  })
}

t.test('both listeners speak HTTPS; the upstream hears x-forwarded-proto: https', async (t) => {
  const dir = t.testdir()
  const certificate = makeCertificate(dir)
  const blue = await headerEcho(t)
  const green = await headerEcho(t)
  const sy = await startSwitchyard(t, {
    blue,
    green,
    cwd: dir,
    args: ['--health.interval', '1h', '--listen.tls.cert', certificate.cert, '--listen.tls.key', certificate.key, '--admin.tls.cert', certificate.cert, '--admin.tls.key', certificate.key]
  })
  t.match(sy.proxyUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
  t.match(sy.adminUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
  const trusting = new Agent({ connect: { ca: certificate.pem } })
  t.teardown(() => trusting.close())

  const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, dispatcher: trusting })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-switchyard-colour'], 'blue')
  t.match(await res.body.json(), { 'x-forwarded-proto': 'https', 'x-forwarded-for': '127.0.0.1' })

  const status = await request(`${sy.adminUrl}/admin/status`, { dispatcher: trusting })
  t.equal(status.statusCode, 200)
  t.match(await status.body.json(), { active: 'blue' })

  await t.rejects(request(`${sy.proxyUrl}/version`), { code: /SELF_SIGNED|UNABLE_TO_VERIFY/ }, 'a client that does not trust the certificate is refused')
  const plain = await RawConnection.open(portOf(sy.proxyUrl))
  t.teardown(() => plain.close())
  plain.send('GET /version HTTP/1.1\r\nHost: x\r\n\r\n')
  t.ok(await plain.waitClosed(), 'plain HTTP to the TLS port is not served')
  t.notMatch(plain.received, /^HTTP\/1\.1 200/)
})

t.test('without TLS x-forwarded-proto stays http', async (t) => {
  const blue = await headerEcho(t)
  const green = await headerEcho(t)
  const sy = await startSwitchyard(t, { blue, green, args: ['--health.interval', '1h'] })
  t.match(sy.proxyUrl, /^http:\/\//)
  const res = await request(`${sy.proxyUrl}/x`)
  t.match(await res.body.json(), { 'x-forwarded-proto': 'http' })
})

t.test('switchyard serve: SIGHUP puts a renewed certificate in force without a restart; a broken one changes nothing', async (t) => {
  const dir = t.testdir()
  const first = makeCertificate(dir, 'first')
  const second = makeCertificate(dir, 'second')
  const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') }
  await copyFile(first.cert, live.cert)
  await copyFile(first.key, live.key)
  const tokens = join(dir, 'tokens')
  await writeFile(tokens, 'ops tok-ops-1\n')
  const blue = await headerEcho(t)
  const green = await headerEcho(t)
  const file = join(dir, 'switchyard.yaml')
  await writeFile(file, [
    `listen: { host: 127.0.0.1, port: 0, tls: { cert: "${live.cert}", key: "${live.key}" } }`,
    `admin: { host: 127.0.0.1, port: 0, tokensFile: "${tokens}" }`,
    `upstreams: { blue: { url: "${blue}" }, green: { url: "${green}" } }`,
    'health: { interval: 1h, timeout: 800ms }',
    'state: { store: memory }'
  ].join('\n'))

  const { child, lines, started } = await serveChild(t, file, dir)
  t.match(started.proxy, /^https:\/\//)
  const port = portOf(started.proxy as string)
  t.equal(await presented(port), first.fingerprint)

  await copyFile(second.cert, live.cert)
  await copyFile(second.key, live.key)
  child.kill('SIGHUP')
  t.ok(await until(() => lines.some((line) => line.msg === 'listen.tls: certificate reloaded')))
  t.ok(lines.some((line) => line.msg === 'signal received: reloading the admin tokens file and TLS certificates'))
  t.equal(await presented(port), second.fingerprint, 'new connections get the renewed certificate')

  await writeFile(live.key, 'not a key\n')
  child.kill('SIGHUP')
  t.ok(await until(() => lines.some((line) => line.level === 50 && line.msg === 'listen.tls: certificate not reloaded, the previous one stays in force')))
  t.equal(await presented(port), second.fingerprint, 'the certificate in force stays')
  t.notMatch(JSON.stringify(lines), /tok-ops/, 'no token in any log line')

  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0)
})
