// The Node side of benches/run.sh: `node bench.mjs VARIANT TASK [args]` runs one
// measurement and prints one JSON object. VARIANT is `pw` (the procwright Node package
// built at the repo root), `cp` (child_process.spawn), `execa`, `waiton` (npm wait-on)
// or `waitport` (npm wait-port). Latencies compare process.hrtime.bigint() (CLOCK_MONOTONIC
// on Linux) with the CLOCK_MONOTONIC time the child prints.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const children = path.join(here, '..', 'children');
const LOG_CHILD = path.join(children, 'log_child.py');
const PORT_CHILD = path.join(children, 'port_child.py');
const require = createRequire(import.meta.url);

const [variant, task, ...args] = process.argv.slice(2);
const num = (i, d) => (args[i] !== undefined ? Number(args[i]) : d);
const now = () => process.hrtime.bigint();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const maybe = async (v) => (v && typeof v.then === 'function' ? await v : v);

function statusKib(field) {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(field));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function loadProcwright() {
  // The root package is procwright itself; require its directory (its package.json main).
  return require(root);
}

function exited(child) {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
}

/** A child_process child whose first stdout line (its clock) we keep. */
function firstLine(child) {
  return new Promise((resolve) => {
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(BigInt(buf.slice(0, nl).trim()));
    });
  });
}

const tasks = {
  async throughput(bytes = num(0, 1073741824)) {
    const argv = ['-c', String(bytes), '/dev/zero'];
    let seen = 0;
    const t = now();
    if (variant === 'pw') {
      const { Sandbox } = loadProcwright();
      const sb = new Sandbox();
      const p = await sb.startProcess(['head', ...argv]);
      await p.waitForExit();
      const secs = Number(now() - t) / 1e9;
      await maybe(sb.destroy());
      return { secs };
    }
    if (variant === 'cp') {
      const c = spawn('head', argv);
      c.stdout.on('data', (b) => { seen += b.length; });
      await exited(c);
    } else if (variant === 'execa') {
      const { execa } = await import('execa');
      const sub = execa('head', argv, { buffer: false });
      sub.stdout.on('data', (b) => { seen += b.length; });
      await sub;
    } else throw new Error(`no throughput for ${variant}`);
    const secs = Number(now() - t) / 1e9;
    if (seen !== bytes) throw new Error(`saw ${seen} of ${bytes} bytes`);
    return { secs };
  },

  async spawn(n = num(0, 500)) {
    let t;
    if (variant === 'pw') {
      const { Sandbox } = loadProcwright();
      const sb = new Sandbox();
      t = now();
      for (let i = 0; i < n; i++) {
        const p = await sb.startProcess(['true'], { autoCleanup: true });
        await p.waitForExit();
      }
      const secs = Number(now() - t) / 1e9;
      await maybe(sb.destroy());
      return { secs };
    }
    if (variant === 'cp') {
      t = now();
      for (let i = 0; i < n; i++) await exited(spawn('true'));
    } else if (variant === 'execa') {
      const { execa } = await import('execa');
      t = now();
      for (let i = 0; i < n; i++) await execa('true');
    } else throw new Error(`no spawn for ${variant}`);
    return { secs: Number(now() - t) / 1e9 };
  },

  async logwait(n = num(0, 200)) {
    if (variant === 'cp') {
      // What a Node user writes without procwright: a data listener that looks for the line.
      const lat = [];
      for (let i = 0; i < n; i++) {
        const delay = (0.02 * Math.random()).toFixed(4);
        const c = spawn('python3', ['-S', LOG_CHILD, delay], { stdio: ['ignore', 'pipe', 'pipe'] });
        const done = exited(c);
        const printed = await new Promise((resolve) => {
          let buf = '';
          c.stdout.setEncoding('utf8');
          c.stdout.on('data', (d) => {
            buf += d;
            for (const line of buf.split('\n').slice(0, -1)) {
              if (/^\d{6,}$/.test(line)) resolve(BigInt(line));
            }
          });
        });
        lat.push(Number(now() - printed));
        await done;
      }
      return { lat_ns: lat };
    }
    const { Sandbox } = loadProcwright();
    const sb = new Sandbox();
    const lat = [];
    for (let i = 0; i < n; i++) {
      const delay = (0.02 * Math.random()).toFixed(4);
      const p = await sb.startProcess(['python3', '-S', LOG_CHILD, delay], { autoCleanup: true });
      const hit = await p.waitForLog(/^\d{6,}$/, 30000);
      const t = now();
      lat.push(Number(t - BigInt(hit.line.trim())));
      await p.waitForExit();
    }
    await maybe(sb.destroy());
    return { lat_ns: lat };
  },

  // Seed 003: re-read the logs every `interval` ms until the line is there.
  async logpoll(n = num(0, 200), interval = num(1, 500)) {
    const { Sandbox } = loadProcwright();
    const sb = new Sandbox();
    const lat = [];
    for (let i = 0; i < n; i++) {
      const delay = ((interval / 1000) * Math.random()).toFixed(4);
      const p = await sb.startProcess(['python3', '-S', LOG_CHILD, delay]);
      let line;
      for (;;) {
        const logs = await maybe(sb.getProcessLogs(p.id));
        line = logs.stdout.split('\n').find((l) => l.length >= 6);
        if (line) break;
        await sleep(interval);
      }
      const t = now();
      lat.push(Number(t - BigInt(line.trim())));
      await p.waitForExit();
    }
    await maybe(sb.destroy());
    return { lat_ns: lat };
  },

  async portwait(mode = args[0] || 'http', n = num(1, 20)) {
    const lat = [];
    let sb;
    if (variant === 'pw') sb = new (loadProcwright().Sandbox)();
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      const delay = (0.05 + 0.2 * Math.random()).toFixed(4);
      const argv = ['-S', PORT_CHILD, mode, String(port), delay];
      if (variant === 'pw') {
        const p = await sb.startProcess(['python3', ...argv], { autoCleanup: true });
        await p.waitForPort(port, { mode, timeout: 30000 });
        const t = now();
        const hit = await p.waitForLog(/^\d{6,}$/, 30000);
        lat.push(Number(t - BigInt(hit.line.trim())));
        await p.kill('SIGKILL');
        continue;
      }
      const c = spawn('python3', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
      const opened = firstLine(c);
      if (variant === 'waiton') {
        const waitOn = require('wait-on');
        const resource = mode === 'tcp' ? `tcp:127.0.0.1:${port}` : `http://127.0.0.1:${port}/`;
        await waitOn({ resources: [resource] });
      } else if (variant === 'waitport') {
        const waitPort = require('wait-port');
        const r = await waitPort({ port, output: 'silent', ...(mode === 'http' ? { protocol: 'http' } : {}) });
        if (!r.open) throw new Error('wait-port did not see the port');
      } else throw new Error(`no portwait for ${variant}`);
      const t = now();
      lat.push(Number(t - (await opened)));
      c.kill('SIGKILL');
      await exited(c);
    }
    if (sb) await maybe(sb.destroy());
    return { lat_ns: lat };
  },

  async scale(n = num(0, 1000)) {
    let before, after, listed, killed, startS, listS, killS;
    if (variant === 'pw') {
      const { Sandbox } = loadProcwright();
      const sb = new Sandbox();
      const w = await sb.startProcess(['true']);
      await w.waitForExit();
      await sleep(50);
      before = statusKib('VmRSS:');
      let t = now();
      const procs = await Promise.all(Array.from({ length: n }, () => sb.startProcess(['sleep', '300'])));
      startS = Number(now() - t) / 1e9;
      after = statusKib('VmRSS:');
      t = now();
      const list = await maybe(sb.listProcesses());
      listed = list.filter((p) => p.status === 'running').length;
      listS = Number(now() - t) / 1e9;
      t = now();
      killed = await maybe(sb.killAllProcesses());
      killS = Number(now() - t) / 1e9;
      procs.length = 0;
      await maybe(sb.destroy());
    } else if (variant === 'cp') {
      await exited(spawn('true'));
      await sleep(50);
      before = statusKib('VmRSS:');
      let t = now();
      const kids = [];
      const started = [];
      for (let i = 0; i < n; i++) {
        const c = spawn('sleep', ['300']);
        kids.push(c);
        started.push(new Promise((r, j) => { c.once('spawn', r); c.once('error', j); }));
      }
      await Promise.all(started);
      startS = Number(now() - t) / 1e9;
      after = statusKib('VmRSS:');
      t = now();
      listed = kids.filter((c) => c.exitCode === null && c.signalCode === null).length;
      listS = Number(now() - t) / 1e9;
      t = now();
      const done = kids.map((c) => exited(c));
      for (const c of kids) c.kill('SIGTERM');
      await Promise.all(done);
      killed = kids.length;
      killS = Number(now() - t) / 1e9;
    } else throw new Error(`no scale for ${variant}`);
    return { start_s: startS, list_s: listS, kill_s: killS, rss_before_kib: before, rss_after_kib: after, listed, killed };
  },

  async membound(bytes = num(0, 2000000000)) {
    const { Sandbox } = loadProcwright();
    const sb = new Sandbox();
    const before = statusKib('VmRSS:');
    const p = await sb.startProcess(['head', '-c', String(bytes), '/dev/zero']);
    await p.waitForExit();
    const hwm = statusKib('VmHWM:');
    await maybe(sb.destroy());
    return { hwm_kib: hwm, rss_before_kib: before };
  },

  async status(reads = num(0, 100000), calls = num(1, 10000)) {
    const { Sandbox } = loadProcwright();
    const sb = new Sandbox();
    const p = await sb.startProcess(['sleep', '30']);
    let running = 0;
    let t = now();
    for (let i = 0; i < reads; i++) if (p.status === 'running') running++;
    const statusNs = Number(now() - t) / reads;
    const sync = p.getStatus();
    const isPromise = sync && typeof sync.then === 'function';
    await sync;
    t = now();
    if (isPromise) {
      for (let i = 0; i < calls; i++) if ((await p.getStatus()) === 'running') running++;
    } else {
      for (let i = 0; i < calls; i++) if (p.getStatus() === 'running') running++;
    }
    const getStatusNs = Number(now() - t) / calls;
    // For scale: the same loop over a plain object's property.
    const plain = { status: 'running' };
    t = now();
    for (let i = 0; i < reads; i++) if (plain.status === 'running') running++;
    const plainNs = Number(now() - t) / reads;
    await p.kill('SIGKILL');
    await maybe(sb.destroy());
    return { status_ns: statusNs, get_status_ns: getStatusNs, plain_ns: plainNs, get_status_async: isPromise, running };
  },
};

const fn = tasks[task];
if (!fn) {
  console.error(`usage: node bench.mjs pw|cp|execa|waiton|waitport ${Object.keys(tasks).join('|')} [args]`);
  process.exit(2);
}
try {
  const out = await fn();
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
} catch (e) {
  console.error(`bench.mjs ${variant} ${task}: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
}
