/**
 * A real llama.cpp `llama-server` for tests and benchmarks, from the Debian packages kept in
 * ../shared/llama-server/debs (see its README): unpacked once into .test-artifacts/llama-server/
 * (checked against SHA256SUMS), run with its own dynamic loader on a free loopback port, and
 * stopped by its process id.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot, sharedDir } from './paths';

export const debsDir = join(sharedDir, 'llama-server', 'debs');
export const storiesGguf = join(repoRoot, 'test', 'fixtures', 'gguf', 'stories260K-f32.gguf');
export const inklingGguf = join(repoRoot, 'models', 'inkling-verse', 'inkling-verse-q8_0.gguf');

export interface LlamaServer {
  url: string;
  port: number;
  pid: number;
  /** What the server has printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Whether the packages are there to run a server (they are beside every checkout CI makes). */
export function llamaServerAvailable(): boolean {
  return existsSync(join(debsDir, '..', 'SHA256SUMS')) && process.platform === 'linux' && process.arch === 'x64';
}

/** The unpacked packages' root; unpacks them on first use (~9 s). */
export function llamaRoot(): string {
  const root = join(repoRoot, '.test-artifacts', 'llama-server', 'root');
  const sums = readFileSync(join(debsDir, '..', 'SHA256SUMS'), 'utf8');
  const stamp = join(root, '.unpacked');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === sums) return root;
  mkdirSync(root, { recursive: true });
  for (const line of sums.split('\n').filter((l) => l.trim())) {
    const [sum, name] = line.trim().split(/\s+/);
    const file = join(debsDir, name!.replace(/^\*/, ''));
    const actual = createHash('sha256').update(readFileSync(file)).digest('hex');
    if (actual !== sum) throw new Error(`${file}: checksum ${actual} is not the recorded ${sum}`);
  }
  for (const deb of readdirSync(debsDir).filter((f) => f.endsWith('.deb'))) execFileSync('dpkg-deb', ['-x', join(debsDir, deb), root]);
  writeFileSync(stamp, sums);
  return root;
}

/** The ggml CPU backend for this processor (the packages carry one per instruction set). */
function cpuBackend(lib: string): string {
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
  const variant = has('avx2') && has('fma') && has('f16c') ? 'haswell' : has('sse4_2') ? 'sse42' : 'x64';
  return join(lib, 'ggml', 'backends0', `libggml-cpu-${variant}.so`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startLlamaServer(gguf: string, options: { ctx?: number; threads?: number; port?: number; args?: string[] } = {}): Promise<LlamaServer> {
  const root = llamaRoot();
  const lib = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
  const port = options.port ?? (await freePort());
  const args = ['--library-path', `${join(lib, 'llama')}:${lib}`, join(root, 'usr', 'bin', 'llama-server'), '-m', gguf, '--host', '127.0.0.1', '--port', String(port), '-t', String(options.threads ?? 1), '-c', String(options.ctx ?? 512), '-np', '1', '--no-webui', ...(options.args ?? [])];
  const child: ChildProcess = spawn(join(lib, 'ld-linux-x86-64.so.2'), args, { env: { ...process.env, GGML_BACKEND_PATH: cpuBackend(lib) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited (${child.exitCode}):\n${out.slice(-2000)}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`llama-server did not become ready in 30 s:\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    pid: child.pid!,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
