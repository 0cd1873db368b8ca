// Load drivers for the bench scripts that wrk cannot stand in for: a fixed number of requests
// (for instruction counts) and a constant rate (for latency at a given load, wrk2-style).
// Raw sockets with the request bytes built once, so the driver's own cost stays small and is
// the same for every target.
import { connect } from "node:net";

/**
 * One keep-alive connection that sends a prebuilt request and reads back whole responses. A
 * connection the server closed or reset (an idle timeout on a slowed-down server) is opened
 * again and the request sent again.
 */
function connection(port, request) {
  let socket;
  let buffered = "";
  let onResponse = null;
  let onFailure = null;
  const open = () =>
    new Promise((resolve, reject) => {
      buffered = "";
      socket = connect({ port, host: "127.0.0.1", noDelay: true });
      socket.setEncoding("latin1");
      socket.on("data", (chunk) => {
        buffered += chunk;
        for (;;) {
          const headEnd = buffered.indexOf("\r\n\r\n");
          if (headEnd < 0) {
            return;
          }
          const m = /\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, headEnd));
          const total = headEnd + 4 + (m ? Number(m[1]) : 0);
          if (buffered.length < total) {
            return;
          }
          const status = Number(buffered.slice(9, 12));
          buffered = buffered.slice(total);
          const done = onResponse;
          onResponse = null;
          onFailure = null;
          done?.(status);
        }
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        const failed = onFailure;
        onResponse = null;
        onFailure = null;
        failed?.();
      });
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
  const attempt = (retries) =>
    new Promise((resolve, reject) => {
      const again = () => {
        if (retries === 0) {
          reject(new Error("connection lost"));
          return;
        }
        open().then(() => attempt(retries - 1).then(resolve, reject), reject);
      };
      if (socket.destroyed) {
        again();
        return;
      }
      onResponse = resolve;
      onFailure = again;
      socket.write(request);
    });
  return {
    ready: open(),
    /** resolves with the status once the whole response is in */
    send: () => attempt(3),
    close: () => socket.destroy(),
  };
}

function requestBytes(path, headers) {
  const lines = [`GET ${path} HTTP/1.1`, "host: 127.0.0.1"];
  for (const [k, v] of Object.entries(headers)) {
    lines.push(`${k}: ${v}`);
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
}

/** `count` requests over `connections` keep-alive connections, each as fast as answers come. */
export async function driveCount(url, headers, count, connections = 8) {
  const { port, pathname, search } = new URL(url);
  const request = requestBytes(pathname + search, headers);
  const conns = Array.from({ length: connections }, () => connection(Number(port), request));
  await Promise.all(conns.map((c) => c.ready));
  let issued = 0;
  let non2xx = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (issued < count) {
        issued++;
        const status = await c.send();
        if (status < 200 || status >= 300) {
          non2xx++;
        }
      }
    }),
  );
  for (const c of conns) {
    c.close();
  }
  return { requests: count, non2xx };
}

/**
 * `rate` requests per second for `seconds`, paced on a fixed schedule over `connections`
 * connections (a request due while every connection is busy waits for the next free one).
 * Latency runs from the request's write to the last byte of its response.
 */
export async function driveRate(url, headers, rate, seconds, connections = 32) {
  const { port, pathname, search } = new URL(url);
  const request = requestBytes(pathname + search, headers);
  const conns = Array.from({ length: connections }, () => connection(Number(port), request));
  await Promise.all(conns.map((c) => c.ready));
  const idle = [...conns];
  const latencies = [];
  let due = 0;
  let sent = 0;
  let non2xx = 0;
  let late = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const fire = (c) => {
    sent++;
    const t0 = performance.now();
    c.send().then((status) => {
      latencies.push(performance.now() - t0);
      if (status < 200 || status >= 300) {
        non2xx++;
      }
      idle.push(c);
      pump();
    });
  };
  const pump = () => {
    due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (sent < due && idle.length > 0) {
      fire(idle.pop());
    }
    if (sent < due) {
      late++;
    }
  };
  // Polled on every turn of the event loop rather than on a 1 ms timer, which would send a
  // burst of rate/1000 requests at once and measure their queueing.
  await new Promise((resolve) => {
    const loop = () => {
      pump();
      if (latencies.length >= total) {
        resolve();
      } else {
        setImmediate(loop);
      }
    };
    loop();
  });
  const elapsedS = (performance.now() - start) / 1000;
  for (const c of conns) {
    c.close();
  }
  latencies.sort((a, b) => a - b);
  const at = (p) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 1000) / 1000;
  return {
    requests: latencies.length,
    achievedRps: Math.round(latencies.length / elapsedS),
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    non2xx,
    /** event-loop turns where a due request found every connection busy */
    busyTurns: late,
  };
}

// As a process of its own, so the bench can pin it to a core:
// node drive.mjs rate <url> <req/s> <seconds> [headers as JSON]  → one JSON line
if (process.argv[1] === new URL(import.meta.url).pathname && process.argv[2] === "rate") {
  const [, , , url, rate, seconds, headers] = process.argv;
  const r = await driveRate(url, JSON.parse(headers ?? "{}"), Number(rate), Number(seconds));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}
