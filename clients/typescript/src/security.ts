import * as fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';

/** kafkajs's two security options, as RouterClient.connect takes them. */
export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

const MECHANISMS: Record<string, 'plain' | 'scram-sha-256' | 'scram-sha-512'> = {
  PLAIN: 'plain',
  'SCRAM-SHA-256': 'scram-sha-256',
  'SCRAM-SHA-512': 'scram-sha-512',
};

/**
 * Reads the Kafka client properties file the Java side takes (`--kafka-properties`, the Java client's
 * `kafkaProperties`) and returns what kafkajs needs for the same login, so one file serves every client:
 *
 * - `security.protocol`: PLAINTEXT (default) -> nothing; SSL -> `ssl`; SASL_PLAINTEXT -> `sasl`; SASL_SSL -> both.
 * - `sasl.mechanism` PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, with `username` and `password` from `sasl.jaas.config`.
 * - TLS: `ssl.truststore.location` of type PEM -> `ca`; `ssl.keystore.location` of type PKCS12 -> `pfx`
 *   (+ `ssl.keystore.password`), of type PEM -> `key` and `cert` (+ `ssl.key.password`); the inline PEM
 *   settings `ssl.truststore.certificates`, `ssl.keystore.key`, `ssl.keystore.certificate.chain`;
 *   `ssl.endpoint.identification.algorithm=` (empty) turns host name checks off, as in Java.
 *
 * Anything it cannot express for Node is an error naming the setting (a JKS store, GSSAPI, OAUTHBEARER), never
 * a silent downgrade. Other settings (timeouts, tuning) are Java-only and ignored.
 */
export function kafkaSecurityFromProperties(file: string): KafkaSecurity {
  return kafkaSecurity(parseProperties(fs.readFileSync(file, 'utf8')), file);
}

/** The same from settings already read; `source` names them in errors. */
export function kafkaSecurity(settings: Map<string, string>, source = 'Kafka client settings'): KafkaSecurity {
  const protocol = (settings.get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  const fail = (why: string) => new Error(`${source}: ${why}`);
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw fail(`unknown security.protocol ${protocol}`);
  }
  const security: KafkaSecurity = {};
  if (protocol.startsWith('SASL_')) security.sasl = sasl(settings, fail);
  if (protocol.endsWith('SSL')) security.ssl = tls(settings, fail);
  return security;
}

function sasl(settings: Map<string, string>, fail: (why: string) => Error): SASLOptions {
  // Kafka's default mechanism is GSSAPI (Kerberos), which kafkajs does not implement.
  const name = (settings.get('sasl.mechanism') ?? 'GSSAPI').toUpperCase();
  const mechanism = MECHANISMS[name];
  if (!mechanism) throw fail(`sasl.mechanism ${name} is not supported here (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); pass kafkajs's sasl option yourself`);
  const jaas = settings.get('sasl.jaas.config');
  if (!jaas) throw fail('sasl.jaas.config is missing (it holds username and password)');
  const username = jaasOption(jaas, 'username');
  const password = jaasOption(jaas, 'password');
  if (username === undefined || password === undefined) throw fail('sasl.jaas.config needs username="..." and password="..."');
  return { mechanism, username, password };
}

/** A quoted option of a JAAS login module line; backslash escapes a quote or a backslash. */
function jaasOption(jaas: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(jaas);
  return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
}

function tls(settings: Map<string, string>, fail: (why: string) => Error): ConnectionOptions | boolean {
  const options: ConnectionOptions = {};
  const read = (key: string) => {
    const path = settings.get(key)!;
    try {
      return fs.readFileSync(path);
    } catch (e) {
      throw fail(`${key} ${path} cannot be read: ${(e as Error).message}`);
    }
  };
  // Kafka's default store type is JKS, which Node cannot read.
  const truststoreType = (settings.get('ssl.truststore.type') ?? 'JKS').toUpperCase();
  if (settings.has('ssl.truststore.certificates')) {
    options.ca = settings.get('ssl.truststore.certificates');
  } else if (settings.has('ssl.truststore.location')) {
    if (truststoreType !== 'PEM') {
      throw fail(`ssl.truststore.type ${truststoreType}: Node reads trusted certificates as PEM only `
        + '(keytool -exportcert -rfc, then ssl.truststore.type=PEM)');
    }
    options.ca = read('ssl.truststore.location');
  }
  const keystoreType = (settings.get('ssl.keystore.type') ?? 'JKS').toUpperCase();
  if (settings.has('ssl.keystore.key')) {
    options.key = settings.get('ssl.keystore.key');
    options.cert = settings.get('ssl.keystore.certificate.chain');
    options.passphrase = settings.get('ssl.key.password');
  } else if (settings.has('ssl.keystore.location')) {
    if (keystoreType === 'PKCS12') {
      options.pfx = read('ssl.keystore.location');
      options.passphrase = settings.get('ssl.keystore.password');
    } else if (keystoreType === 'PEM') {
      // A Kafka PEM key store file holds the private key and the certificate chain.
      const pem = read('ssl.keystore.location');
      options.key = pem;
      options.cert = pem;
      options.passphrase = settings.get('ssl.key.password');
    } else {
      throw fail(`ssl.keystore.type ${keystoreType}: Node reads PKCS12 or PEM key stores only (keytool -importkeystore -deststoretype PKCS12)`);
    }
  }
  if (settings.get('ssl.endpoint.identification.algorithm') === '') {
    options.checkServerIdentity = () => undefined;
  }
  return Object.keys(options).length === 0 ? true : options;
}

/**
 * java.util.Properties text: `key=value`, `key: value` or `key value` lines, `#` and `!` comments, a trailing
 * backslash continues a line, and backslash escapes (`\=`, `\:`, `\\`, `\n`, `\t`, `\uXXXX`).
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithContinuation(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i].replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    while (k < line.length && !/[=: \t\f]/.test(line[k])) k += line[k] === '\\' ? 2 : 1;
    const key = unescape(line.slice(0, k));
    let rest = line.slice(k).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out.set(key, unescape(rest));
  }
  return out;
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', f: '\f' } as Record<string, string>)[c] ?? c;
  });
}
