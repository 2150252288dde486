// Self-signed certificates made at test time with the system's openssl, in a test's directory.
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestCertificate {
  cert: string
  key: string
  /** The PEM text, to trust it as a CA in a client. */
  pem: string
  /** SHA-256 fingerprint, to tell two certificates apart on the wire. */
  fingerprint: string
}

/** A certificate for 127.0.0.1 and localhost, valid two days; `name` is its CN and file prefix. */
export function makeCertificate (dir: string, name = 'switchyard-test'): TestCertificate {
  const cert = join(dir, `${name}.crt`)
  const key = join(dir, `${name}.key`)
  execFileSync('/usr/bin/openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'
  ], { stdio: 'ignore' })
  const pem = readFileSync(cert, 'utf8')
  return { cert, key, pem, fingerprint: new X509Certificate(pem).fingerprint256 }
}
