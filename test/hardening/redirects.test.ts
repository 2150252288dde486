// An upstream's redirect is the client's business: switchyard passes it through as it is and
// never follows it, so a model server cannot point switchyard at another host (no SSRF by
// Location header), and the target is never called on the client's behalf.
import t, { type Test } from 'tap'
import { request } from 'undici'
import { httpUpstream } from '../helpers/http-upstream.js'
import { startSwitchyard } from '../helpers/switchyard.js'

interface Counting {
  url: string
  hits: string[]
}

async function listen (t: Test, handle: (path: string, res: import('node:http').ServerResponse) => void): Promise<Counting> {
  const hits: string[] = []
  const url = await httpUpstream(t, (req, res) => {
    hits.push(`${String(req.method)} ${String(req.url)}`)
    req.resume()
    req.on('end', () => handle(String(req.url), res))
  })
  return { url, hits }
}

t.test('an upstream redirect reaches the client unchanged and is never followed', async (t) => {
  // Where the upstream points: a host switchyard must never call.
  const elsewhere = await listen(t, (_path, res) => res.end('followed'))
  const upstream = await listen(t, (path, res) => {
    const redirects: Record<string, [number, string]> = {
      '/moved': [302, `${elsewhere.url}/steal?x=1`],
      '/relative': [301, '/invocations-v2'],
      '/post': [307, `${elsewhere.url}/post-target`],
      '/perm': [308, `${elsewhere.url}/perm-target`]
    }
    const redirect = redirects[path]
    if (redirect !== undefined) {
      res.writeHead(redirect[0], { location: redirect[1], 'content-type': 'text/plain' })
      res.end(`see ${redirect[1]}`)
    } else {
      res.end('ok')
    }
  })
  const green = await listen(t, (_path, res) => res.end('green'))
  const sy = await startSwitchyard(t, { blue: upstream.url, green: green.url, args: ['--health.interval', '1h'] })

  const cases: Array<[string, 'GET' | 'POST', number, string]> = [
    ['/moved', 'GET', 302, `${elsewhere.url}/steal?x=1`],
    ['/relative', 'GET', 301, '/invocations-v2'],
    ['/post', 'POST', 307, `${elsewhere.url}/post-target`],
    ['/perm', 'POST', 308, `${elsewhere.url}/perm-target`]
  ]
  for (const [path, method, status, location] of cases) {
    const res = await request(`${sy.proxyUrl}${path}`, { method, body: method === 'POST' ? '{"inputs": [[1, 2, 3, 4]]}' : null, headers: method === 'POST' ? { 'content-type': 'application/json' } : {} })
    t.equal(res.statusCode, status, `${method} ${path}: the status passes through`)
    t.equal(res.headers.location, location, `${method} ${path}: Location is unchanged`)
    t.equal(res.headers['x-switchyard-colour'], 'blue')
    t.equal(await res.body.text(), `see ${location}`, `${method} ${path}: the body too`)
  }
  t.same(elsewhere.hits, [], 'the redirect target was never called')
  t.notOk(upstream.hits.some((hit) => hit.includes('/invocations-v2')), 'nor a relative target on the upstream')
  t.equal(upstream.hits.filter((hit) => hit.startsWith('GET /moved')).length, 1, 'each request went upstream once')
})
