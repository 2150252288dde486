// nginx as the reverse-proxy reference, when it is installed: one process (master_process off,
// so /proc shows all of its CPU time), keep-alive connections to the upstream, no access log,
// everything under a temporary prefix (no root paths), in the foreground.
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pinned, stopChild, track, type Started } from '../lib/spawn.js'

export function nginxPath (): string | null {
  for (const path of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(path, ['-v'], { stdio: 'ignore' })
      return path
    } catch {}
  }
  return null
}

export function nginxConfig (dir: string, port: number, upstream: URL): string {
  return `
worker_processes 1;
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  client_max_body_size 64m;
  keepalive_requests 1000000;
  upstream model {
    server ${upstream.host};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`
}

export async function startNginx (binary: string, upstream: string, core: number | null): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-nginx-'))
  const port = await freePort()
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, new URL(upstream)))
  const [command, args] = pinned(core, binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')])
  const child = track(spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] }))
  await waitForPort(port, child.pid as number)
  return {
    pid: child.pid as number,
    url: `http://127.0.0.1:${port}`,
    urls: [`http://127.0.0.1:${port}`],
    child,
    memory: () => Promise.reject(new Error('nginx is not a Node process')),
    stop: async () => {
      await stopChild(child, () => child.kill('SIGQUIT')) // graceful shutdown
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort (port: number, pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nginx (pid ${pid}) did not listen on ${port} within 5 s`)
}
