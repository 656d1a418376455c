#!/usr/bin/env python3
"""Dumps COMMAND INFO and COMMAND DOCS from a running Redis 7 (RESP3) into
src/Kvs.Resp/Commands/redis-commands.json, preserving RESP3 types, so that Kvs answers
COMMAND / COMMAND INFO / COMMAND DOCS with the same metadata Redis publishes.
Kvs only lists the commands it implements; the KVS.* commands live in kvs-commands.json.

Usage: tools/gen-command-table.py [port]   (a redis-server 7.0 must listen on 127.0.0.1:port)
Encoding: bulk string -> JSON string; simple string -> {"+": s}; integer -> number;
array -> list; set -> {"~": [...]}; map -> {"%": [[k, v], ...]}; null -> null.
"""
import json, socket, sys

def read_line(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise EOFError
    return line[:-2]

def read(f):
    line = read_line(f)
    t, rest = line[:1], line[1:]
    if t == b"+": return {"+": rest.decode()}
    if t == b"-": raise RuntimeError(rest.decode())
    if t == b":": return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0: return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if t == b"_": return None
    if t in (b"*", b"~"):
        items = [read(f) for _ in range(int(rest))]
        return items if t == b"*" else {"~": items}
    if t == b"%":
        return {"%": [[read(f), read(f)] for _ in range(int(rest))]}
    raise ValueError(line)

def command(f, sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read(f)

def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    command(f, sock, "HELLO", "3")
    infos = command(f, sock, "COMMAND", "INFO")
    docs = command(f, sock, "COMMAND", "DOCS")
    doc_map = {k: v for k, v in docs["%"]}
    table = []
    for info in sorted(infos, key=lambda i: i[0]):
        table.append({"info": info, "docs": doc_map.get(info[0])})
    path = "src/Kvs.Resp/Commands/redis-commands.json"
    with open(path, "w") as out:
        json.dump(table, out, separators=(",", ":"))
    print(f"{len(table)} commands -> {path}")

main()
