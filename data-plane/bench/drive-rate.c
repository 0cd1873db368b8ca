// Constant-rate load driver for the half-load latency rows (wrk2's model): requests leave on a
// fixed schedule over keep-alive connections, and each one's latency runs from its write to the
// last byte of its response. In C so that the driver sleeps between requests instead of taking
// the core it shares with the upstream: a Node driver has to poll its schedule on every turn of
// its event loop to keep the pace, and the time the upstream then waits for the core is counted
// against whichever proxy sits in front of it.
//
// cc -O2 -o drive-rate drive-rate.c
// drive-rate <port> <path> <req/s> <seconds> <connections> ["Name: value" ...]  → one JSON line,
// shaped like bench/drive.mjs's driveRate result. Responses must carry a Content-Length.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

typedef struct {
  int fd;
  int busy;
  double sent_at;
  size_t have;
  char buf[BUF];
} conn_t;

static struct sockaddr_in target;
static char request[16384];
static size_t request_len;
static int ep;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

/** Blocking connect, then non-blocking with Nagle off. */
static void open_conn(conn_t *c) {
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&target, sizeof target) != 0) {
    die("connect");
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
    die("epoll_ctl");
  }
  c->busy = 0;
  c->have = 0;
}

/** The request fits a socket buffer: one write, or the connection is lost. */
static int send_request(conn_t *c) {
  c->busy = 1;
  c->have = 0;
  c->sent_at = now_s();
  return write(c->fd, request, request_len) == (ssize_t)request_len ? 0 : -1;
}

/** Length of the first whole response in the buffer, or 0 while it is incomplete. */
static size_t whole_response(const conn_t *c) {
  const char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
  if (end == NULL) {
    return 0;
  }
  size_t head = (size_t)(end - c->buf) + 4;
  size_t body = 0;
  for (const char *p = c->buf; p < end; p++) {
    if (p[0] == '\n' && strncasecmp(p + 1, "content-length:", 15) == 0) {
      body = strtoul(p + 16, NULL, 10);
      break;
    }
  }
  return c->have >= head + body ? head + body : 0;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: drive-rate <port> <path> <req/s> <seconds> <connections> [header ...]\n");
    return 2;
  }
  // Sleeps end when due, not up to 50 µs later (the default slack): 1e4 req/s is 100 µs apart.
  prctl(PR_SET_TIMERSLACK, 1UL);
  target.sin_family = AF_INET;
  target.sin_port = htons((unsigned short)atoi(argv[1]));
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  double rate = atof(argv[3]);
  long total = (long)(rate * atof(argv[4]) + 0.5);
  int nconn = atoi(argv[5]);

  int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nhost: 127.0.0.1\r\n", argv[2]);
  for (int i = 6; i < argc; i++) {
    n += snprintf(request + n, sizeof request - (size_t)n, "%s\r\n", argv[i]);
  }
  n += snprintf(request + n, sizeof request - (size_t)n, "\r\n");
  request_len = (size_t)n;

  ep = epoll_create1(0);
  conn_t *conns = calloc((size_t)nconn, sizeof *conns);
  conn_t **idle = calloc((size_t)nconn, sizeof *idle);
  double *lat = calloc((size_t)total, sizeof *lat);
  if (ep < 0 || conns == NULL || idle == NULL || lat == NULL) {
    die("setup");
  }
  int nidle = 0;
  for (int i = 0; i < nconn; i++) {
    open_conn(&conns[i]);
    idle[nidle++] = &conns[i];
  }

  long sent = 0, done = 0, non2xx = 0, busy_turns = 0;
  struct epoll_event evs[64];
  double start = now_s();
  while (done < total) {
    double t = now_s();
    long due = (long)((t - start) * rate);
    if (due > total) {
      due = total;
    }
    while (sent < due && nidle > 0) {
      conn_t *c = idle[--nidle];
      if (send_request(c) != 0) {
        die("write");
      }
      sent++;
    }
    if (sent < due) {
      busy_turns++;
    }
    // Wake for the next due request or for answers, whichever comes first.
    struct timespec wait = {0, 0};
    if (sent >= due && sent < total) {
      double next = start + (double)(sent + 1) / rate - now_s();
      if (next > 0) {
        wait.tv_sec = (time_t)next;
        wait.tv_nsec = (long)((next - (double)wait.tv_sec) * 1e9);
      }
    } else if (sent >= total || nidle == 0) {
      wait.tv_sec = 1;
    }
    int k = epoll_pwait2(ep, evs, 64, &wait, NULL);
    for (int e = 0; e < k; e++) {
      conn_t *c = evs[e].data.ptr;
      ssize_t r = read(c->fd, c->buf + c->have, BUF - c->have);
      if (r <= 0) {
        // Closed by the server (nginx after keepalive_requests, an idle timeout): open it again
        // and, if an answer was due, ask again. An idle one stays where it is on the idle stack.
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        int was_busy = c->busy;
        open_conn(c);
        if (was_busy && send_request(c) != 0) {
          die("write");
        }
        continue;
      }
      c->have += (size_t)r;
      size_t len = whole_response(c);
      if (len == 0) {
        continue;
      }
      lat[done++] = now_s() - c->sent_at;
      int status = atoi(c->buf + 9);
      if (status < 200 || status >= 300) {
        non2xx++;
      }
      c->busy = 0;
      c->have = 0;
      idle[nidle++] = c;
    }
  }
  double elapsed = now_s() - start;
  qsort(lat, (size_t)total, sizeof *lat, by_value);
#define AT(p) (lat[(long)((p) * (double)total) < total ? (long)((p) * (double)total) : total - 1] * 1e3)
  printf("{\"requests\":%ld,\"achievedRps\":%ld,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"non2xx\":%ld,\"busyTurns\":%ld}\n",
         total, (long)((double)total / elapsed + 0.5), AT(0.5), AT(0.9), AT(0.99), non2xx, busy_turns);
  return 0;
}
