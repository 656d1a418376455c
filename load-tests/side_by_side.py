#!/usr/bin/env python3
"""Side-by-side benchmark: Redis 7 and Kvs on free loopback ports, measured with redis-benchmark
in the same run, rounds alternated (redis, kvs, redis, kvs, ...) so that machine noise hits both.

Prints, per test and pipeline depth, the median throughput of each server, the ratio Kvs/Redis,
and the median p99 latency of each. Optionally loads N small keys into each and reports RSS per key.

usage: load-tests/side_by_side.py [--tests set,get] [--pipelines 1,16] [--clients 50]
                                  [--requests 200000] [--rounds 3] [--memory-keys 0]
                                  [--kvs-args "..."] [--redis-args "..."] [--markdown]
Needs redis-server and redis-benchmark on PATH and a Release build of Kvs
(dotnet build -c Release); the script builds it if the binary is missing.
"""
import argparse, csv, io, os, shlex, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KVS_DLL = os.path.join(ROOT, "src/Kvs.Host/bin/Release/net10.0/kvs-server.dll")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait_ready(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"): return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start")

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"): return int(line.split()[1])
    return 0

def start_redis(port, extra, workdir):
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", workdir] + extra
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port); return p

def start_kvs(port, extra, workdir):
    if not os.path.exists(KVS_DLL):
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "src/Kvs.Host"), "-c", "Release"], check=True,
                       stdout=subprocess.DEVNULL)
    args = ["dotnet", KVS_DLL, "--port", str(port), "--appendonly", "no", "--save", "", "--dir", workdir,
            "--loglevel", "warning"] + extra
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port); return p

def bench(port, test, pipeline, clients, requests):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", test, "-n", str(requests), "-c", str(clients),
                          "-P", str(pipeline), "--csv"], capture_output=True, text=True, check=True).stdout
    rows = [r for r in csv.reader(io.StringIO(out))]
    # lrange_* tests print the LPUSH that fills the list first: the measured test is the last row.
    header, data = rows[0], rows[-1]
    rec = dict(zip(header, data))
    return float(rec["rps"]), float(rec["p99_latency_ms"])

def load_keys(port, n):
    """Loads n keys of 16-byte names and 32-byte values with redis-cli --pipe."""
    buf = io.BytesIO()
    for i in range(n):
        k = b"key:%012d" % i; v = b"v" * 32
        buf.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=buf.getvalue(), check=True,
                   stdout=subprocess.DEVNULL)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tests", default="set,get")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory-keys", type=int, default=0)
    ap.add_argument("--kvs-args", default="")
    ap.add_argument("--redis-args", default="")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kvs-bench-")
    rport, kport = free_port(), free_port()
    os.makedirs(os.path.join(work, "redis")); os.makedirs(os.path.join(work, "kvs"))
    redis = start_redis(rport, shlex.split(a.redis_args), os.path.join(work, "redis"))
    kvs = start_kvs(kport, shlex.split(a.kvs_args), os.path.join(work, "kvs"))
    results = []
    try:
        # warm-up (JIT tiering for Kvs, page faults for both)
        for port in (rport, kport):
            bench(port, "set,get", 16, a.clients, 200000)
        for test in a.tests.split(","):
            for pl in [int(x) for x in a.pipelines.split(",")]:
                rr, kr, rp, kp = [], [], [], []
                for _ in range(a.rounds):
                    r = bench(rport, test, pl, a.clients, a.requests * (4 if pl > 1 else 1))
                    k = bench(kport, test, pl, a.clients, a.requests * (4 if pl > 1 else 1))
                    rr.append(r[0]); rp.append(r[1]); kr.append(k[0]); kp.append(k[1])
                results.append((test, pl, statistics.median(rr), statistics.median(kr),
                                statistics.median(rp), statistics.median(kp)))
                t = results[-1]
                print(f"{t[0]:>6} P{t[1]:<3} redis {t[2]:>11,.0f} rps  kvs {t[3]:>11,.0f} rps  ratio {t[3]/t[2]:.2f}"
                      f"  p99 redis {t[4]:.3f} ms  kvs {t[5]:.3f} ms", flush=True)
        mem = None
        if a.memory_keys:
            subprocess.run(["redis-cli", "-p", str(rport), "flushall"], stdout=subprocess.DEVNULL)
            subprocess.run(["redis-cli", "-p", str(kport), "flushall"], stdout=subprocess.DEVNULL)
            base = (rss_kb(redis.pid), rss_kb(kvs.pid))
            load_keys(rport, a.memory_keys); load_keys(kport, a.memory_keys)
            time.sleep(1)
            after = (rss_kb(redis.pid), rss_kb(kvs.pid))
            per = ((after[0] - base[0]) * 1024 / a.memory_keys, (after[1] - base[1]) * 1024 / a.memory_keys)
            mem = per
            print(f"memory: {a.memory_keys} keys  redis {per[0]:.0f} B/key  kvs {per[1]:.0f} B/key  ratio {per[1]/per[0]:.2f}")
        if a.markdown:
            print("\n| test | pipeline | Redis rps | Kvs rps | Kvs/Redis | Redis p99 ms | Kvs p99 ms |")
            print("|---|---|---|---|---|---|---|")
            for t in results:
                print(f"| {t[0]} | {t[1]} | {t[2]:,.0f} | {t[3]:,.0f} | {t[3]/t[2]:.2f} | {t[4]:.3f} | {t[5]:.3f} |")
            if mem:
                print(f"\nRSS per key ({a.memory_keys:,} keys, 16-byte names, 32-byte values): Redis {mem[0]:.0f} B, Kvs {mem[1]:.0f} B (ratio {mem[1]/mem[0]:.2f})")
    finally:
        for p in (redis, kvs):
            p.terminate()
            try: p.wait(10)
            except subprocess.TimeoutExpired: p.kill()

if __name__ == "__main__":
    main()
