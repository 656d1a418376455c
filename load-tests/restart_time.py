#!/usr/bin/env python3
"""Restart time with N keys, Kvs against Redis 7 loading its own AOF (appendonly yes).

For each server: load N keys (SET key:i value-i through redis-cli --pipe), kill it with SIGKILL,
start it again on the same directory and time start-to-PING (the log is replayed: N commands);
then BGREWRITEAOF, kill, restart and time again (the base snapshot is loaded: Redis's RDB
preamble, Kvs's base file). Each restart is repeated --repeat times and the best is reported,
with the server's own "DB loaded" line.

usage: load-tests/restart_time.py [--keys 1000000] [--repeat 3]
"""
import argparse, os, re, signal, socket, subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KVS_DLL = os.path.join(ROOT, "src/Kvs.Host/bin/Release/net10.0/kvs-server.dll")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False

def start(kind, port, workdir, log):
    if kind == "redis":
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--dir", workdir, "--logfile", log]
        out = subprocess.DEVNULL
    else:
        args = ["dotnet", KVS_DLL, "--port", str(port), "--save", "", "--appendonly", "yes", "--dir", workdir]
        out = open(log, "a")
    t0 = time.time()
    p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    while not ping(port):
        if p.poll() is not None: raise RuntimeError(f"{kind} exited")
        time.sleep(0.01)
    return p, time.time() - t0

def kill(p):
    p.send_signal(signal.SIGKILL); p.wait()

def loaded_line(log):
    lines = [l.strip() for l in open(log, errors="replace") if "DB loaded" in l]
    return lines[-1] if lines else ""

def cli(port, *args, data=None):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), input=data, capture_output=True).stdout

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(KVS_DLL):
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "src/Kvs.Host"), "-c", "Release"], check=True,
                       stdout=subprocess.DEVNULL)
    payload = bytearray()
    for i in range(a.keys):
        k = b"key:%d" % i; v = b"value-%010d" % i
        payload += b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v)
    work = tempfile.mkdtemp(prefix="kvs-restart-")
    for kind in ("redis", "kvs"):
        d = os.path.join(work, kind); os.makedirs(d)
        log = os.path.join(work, kind + ".log")
        port = free_port()
        p, _ = start(kind, port, d, log)
        cli(port, "--pipe", data=bytes(payload))
        time.sleep(1.5)          # everysec: let the last writes reach the file before the kill
        kill(p)
        for phase in ("log replay", "after BGREWRITEAOF"):
            best = None
            for _ in range(a.repeat):
                p, t = start(kind, port, d, log)
                keys = int(cli(port, "dbsize").strip() or 0)
                if keys != a.keys: raise RuntimeError(f"{kind}: {keys} keys after restart")
                best = t if best is None else min(best, t)
                if phase == "log replay" and _ == a.repeat - 1:
                    cli(port, "bgrewriteaof"); time.sleep(max(3, a.keys / 200_000))
                kill(p)
            print(f"{kind:>5} {phase:<20} {a.keys:,} keys: start-to-ready {best:.2f} s  ({loaded_line(log)})", flush=True)

if __name__ == "__main__":
    main()
