// tauri-driver for the end-to-end tests and the app benchmark: started on free ports in a
// process group of its own, and stopped with everything it started.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';

import { driverStatus, waitFor } from './webdriver.mjs';

/** Ports nobody listens on: all are held open until all are chosen, so they differ. */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    }),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts tauri-driver on free ports, its own and WebKitWebDriver's (rather than the default 4445,
 * so a WebKitWebDriver left over from an earlier, killed run cannot get in the way), and waits
 * until it answers. It runs in a process group of its own, which WebKitWebDriver and the app
 * join, so `stopDriver` can find whatever outlives it.
 */
export async function startDriver() {
  const [port, nativePort] = await freePorts(2);
  const program = process.env.TAURI_DRIVER || 'tauri-driver';
  const child = spawn(program, ['--port', String(port), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  await Promise.race([once(child, 'spawn'), once(child, 'error').then(([error]) => Promise.reject(error))]).catch((error) => {
    throw new Error(`could not start ${program}: ${error.message}; install it with \`cargo install tauri-driver --locked --version ^2\``);
  });
  // If `timeout` or Ctrl-C stops the run, the after hook never runs: stop the group here instead.
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      signalGroup(child.pid, 'SIGTERM');
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${program} exited (${child.exitCode ?? child.signalCode}) before it answered`);
      }
      await driverStatus(url);
      return true;
    },
    { timeoutMs: 20_000, describe: () => `${program} does not answer on ${url}/status` },
  );
  return { child, url, nativePort };
}

/**
 * Stops tauri-driver with SIGTERM, never SIGKILL first: it then stops WebKitWebDriver too, while
 * killed outright it leaves WebKitWebDriver holding its port. Then stops whatever is left in its
 * process group (an app whose session never started, say) and checks the port is free.
 */
export async function stopDriver({ child, nativePort }) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) console.error('tauri-driver ignored SIGTERM for 10 s');
  }
  // The app's helper processes (WebKitNetworkProcess, ...) take a moment to notice it is gone.
  await waitFor(() => groupMembers(child.pid).length === 0, { timeoutMs: 3_000, intervalMs: 100 }).catch(() => {});
  const leftovers = groupMembers(child.pid);
  if (leftovers.length > 0) {
    console.error(`stopping what tauri-driver left running: ${leftovers.map(({ pid, comm }) => `${comm} (${pid})`).join(', ')}`);
    signalGroup(child.pid, 'SIGTERM');
    const gone = await waitFor(() => groupMembers(child.pid).length === 0, { timeoutMs: 10_000 }).catch(() => false);
    if (!gone) {
      signalGroup(child.pid, 'SIGKILL');
      throw new Error('processes started by tauri-driver ignored SIGTERM for 10 s and were killed');
    }
  }
  await waitFor(async () => !(await listening(nativePort)), {
    timeoutMs: 5_000,
    describe: () => `WebKitWebDriver still listens on port ${nativePort} after tauri-driver stopped`,
  });
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/**
 * The live processes of a process group, from /proc. Not `kill(-pgid, 0)`: exited orphans stay
 * zombies until init reaps them, and in a container that can take minutes.
 */
function groupMembers(pgid) {
  const members = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') {
      members.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close) });
    }
  }
  return members;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
