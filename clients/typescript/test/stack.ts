import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The real router for tests and the benchmark: a Java process running org.agentrouter.runtime.EmbeddedStack
 * (Kafka broker, topics, memory store, the Flink job). Classpath: ROUTER_STACK_CLASSPATH, else the
 * cli module's packaged jar and its lib/ directory (built by `mvn package`).
 */
export interface Stack {
  bootstrap: string;
  /** With `authenticated`: the Kafka client properties file of principal `agent` (SASL/SCRAM). */
  agentProperties?: string;
  /** Cancels the routing job (broker stays up). */
  cancelJob(): Promise<void>;
  /** Starts the job again on the same consumer group. */
  startJob(): Promise<void>;
  /** With `traces`: the job's spans of a trace received so far (the stack's OTLP receiver). */
  spans(traceId: string): Promise<JobSpan[]>;
  stop(): Promise<void>;
}

/** A span the job exported, as the stack's receiver read it (kind: 1 internal, 4 producer, 5 consumer). */
export interface JobSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  statusCode: number;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

function classpath(): string {
  if (process.env.ROUTER_STACK_CLASSPATH) return process.env.ROUTER_STACK_CLASSPATH;
  const jar = path.join(repoRoot, 'cli', 'target', 'router-cli.jar');
  if (!fs.existsSync(jar)) throw new Error(`${jar} is missing: run mvn package first, or set ROUTER_STACK_CLASSPATH`);
  return [jar, path.join(repoRoot, 'cli', 'target', 'lib', '*')].join(path.delimiter);
}

/**
 * `authenticated`: the broker wants SASL/SCRAM and enforces ACLs; the job runs as principal `router`, and
 * `agentProperties` holds the login of principal `agent`, which has an agent's ACLs.
 */
export async function startStack(timeoutMs = 120_000, authenticated = false, traces = false): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'router-stack-'));
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const args = ['-cp', classpath(), 'org.agentrouter.runtime.EmbeddedStack', dir,
    ...(authenticated ? ['--authenticated'] : []), ...(traces ? ['--traces'] : [])];
  const child: ChildProcess = spawn(java, args,
    { stdio: ['pipe', 'pipe', 'pipe'], cwd: repoRoot });
  let errorTail = '';
  child.stderr!.on('data', (d: Buffer) => { errorTail = (errorTail + d.toString()).slice(-4000); });
  let agentProperties: string | undefined;
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`EmbeddedStack did not start in ${timeoutMs} ms: ${errorTail}`)), timeoutMs);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      agentProperties = /^AGENT_PROPERTIES=(\S+)$/m.exec(out)?.[1] ?? agentProperties;
      const m = /^BOOTSTRAP=(\S+)$/m.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`EmbeddedStack exited with ${code}: ${errorTail}`)); });
  });
  let lines = '';
  let spans: JobSpan[] = [];
  const waiters: ((line: string) => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    lines += d.toString();
    let nl: number;
    while ((nl = lines.indexOf('\n')) >= 0) {
      const line = lines.slice(0, nl).trim();
      lines = lines.slice(nl + 1);
      if (line.startsWith('SPAN ')) spans.push(JSON.parse(line.slice(5)) as JobSpan);
      else if (/^(OK|ERROR) /.test(line)) waiters.shift()?.(line);
    }
  });
  const command = (cmd: string) => new Promise<void>((resolve, reject) => {
    waiters.push((line) => (line === `OK ${cmd}` ? resolve() : reject(new Error(`${cmd}: ${line}`))));
    child.stdin!.write(cmd + '\n');
  });
  return {
    bootstrap,
    agentProperties,
    cancelJob: () => command('cancel-job'),
    startJob: () => command('start-job'),
    spans: async (traceId: string) => {
      spans = [];
      await command(`spans ${traceId}`);
      return spans;
    },
    stop: () => new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => { clearTimeout(kill); fs.rmSync(dir, { recursive: true, force: true }); resolve(); });
      child.stdin!.end(); // EmbeddedStack stops when its stdin closes
    }),
  };
}
