// The Fastify reference: @fastify/http-proxy with its defaults (undici via @fastify/reply-from),
// per-request logging off as in switchyard.
//   node --import tsx bench/proxies/fastify-http-proxy.ts --upstream http://127.0.0.1:PORT
import proxy from '@fastify/http-proxy'
import Fastify from 'fastify'
import { arg, serveChild } from '../lib/child.js'

const app = Fastify({ logger: false })
await app.register(proxy, { upstream: arg('upstream') })
const url = await app.listen({ host: '127.0.0.1', port: 0 })
serveChild(url, async () => {
  app.server.closeAllConnections()
  await app.close()
})
