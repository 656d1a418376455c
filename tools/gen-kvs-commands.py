#!/usr/bin/env python3
"""Writes src/Kvs.Resp/Commands/kvs-commands.json: COMMAND INFO / COMMAND DOCS metadata of the
KVS.* commands, in the same RESP3-typed JSON as redis-commands.json (see gen-command-table.py).
Edit the table below and re-run: tools/gen-kvs-commands.py"""
import json

def status_set(items): return {"~": [{"+": i} for i in items]}

def key_spec(flags, index, lastkey, keystep):
    return {"%": [["flags", status_set(flags)],
                  ["begin_search", {"%": [["type", "index"], ["spec", {"%": [["index", index]]}]]}],
                  ["find_keys", {"%": [["type", "range"], ["spec", {"%": [["lastkey", lastkey], ["keystep", keystep], ["limit", 0]]}]]}]]}

def arg(name, type_, *, flags=None, token=None, key_spec_index=None, arguments=None):
    fields = [["name", name], ["type", type_]]
    if key_spec_index is not None: fields.append(["key_spec_index", key_spec_index])
    if token: fields.append(["token", token])
    if flags: fields.append(["flags", status_set(flags)])
    if arguments: fields.append(["arguments", arguments])
    return {"%": fields}

KEY = arg("key", "key", key_spec_index=0)
# name, arity, flags, (first, last, step), acl categories, key spec flags, summary, complexity, arguments
COMMANDS = [
    ("kvs.set", -3, ["write", "denyoom"], (1, 1, 1), ["@write", "@string", "@slow"], ["RW", "access", "update"],
     "Set a string value with metadata: compare-and-set on the version, tags, author and comment. Returns the new version.", "O(1)",
     [KEY, arg("value", "string"),
      arg("condition", "oneof", flags=["optional"], arguments=[arg("nx", "pure-token", token="NX"), arg("xx", "pure-token", token="XX")]),
      arg("expiration", "oneof", flags=["optional"], arguments=[
          arg("seconds", "integer", token="EX"), arg("milliseconds", "integer", token="PX"),
          arg("unix-time-seconds", "unix-time", token="EXAT"), arg("unix-time-milliseconds", "unix-time", token="PXAT"),
          arg("keepttl", "pure-token", token="KEEPTTL")]),
      arg("version", "integer", token="IFVERSION", flags=["optional"]),
      arg("tag", "string", token="TAG", flags=["optional", "multiple", "multiple_token"]),
      arg("who", "string", token="BY", flags=["optional"]),
      arg("text", "string", token="COMMENT", flags=["optional"]),
      arg("hash", "string", token="SCHEMA", flags=["optional"])]),
    ("kvs.get", -2, ["readonly", "fast"], (1, 1, 1), ["@read", "@string", "@fast"], ["RO", "access"],
     "Get the value of a key, or of one of its retained versions", "O(1)",
     [KEY, arg("version", "integer", token="VERSION", flags=["optional"])]),
    ("kvs.meta", 2, ["readonly", "fast"], (1, 1, 1), ["@read", "@keyspace", "@fast"], ["RO"],
     "Get the metadata of a key: version, revision, timestamps, expiry, tags, hashes, author", "O(1) (O(N) the first time the hash of a collection is computed)",
     [KEY]),
    ("kvs.history", -2, ["readonly"], (1, 1, 1), ["@read", "@keyspace", "@slow"], ["RO"],
     "Get the revision history of a key, newest first", "O(N) where N is the number of revisions returned",
     [KEY, arg("count", "integer", token="COUNT", flags=["optional"])]),
    ("kvs.del", -2, ["write", "fast"], (1, 1, 1), ["@write", "@keyspace", "@fast"], ["RM", "delete"],
     "Delete a key, optionally only if it is at a given version", "O(1)",
     [KEY, arg("version", "integer", token="IFVERSION", flags=["optional"])]),
    ("kvs.tag", -4, ["write", "fast"], (1, 1, 1), ["@write", "@keyspace", "@fast"], ["RW", "update"],
     "Add or remove tags of a key. Returns the new version.", "O(N) where N is the number of tags",
     [KEY, arg("operation", "oneof", arguments=[arg("add", "pure-token", token="ADD"), arg("remove", "pure-token", token="REMOVE")]),
      arg("tag", "string", flags=["multiple"])]),
    ("kvs.tags", 2, ["readonly", "fast"], (1, 1, 1), ["@read", "@keyspace", "@fast"], ["RO"],
     "Get the tags of a key", "O(N) where N is the number of tags", [KEY]),
    ("kvs.find", -1, ["readonly"], (0, 0, 0), ["@read", "@keyspace", "@slow"], None,
     "Find keys having all the given tags within a namespace, from an index, with a cursor",
     "O(log N + M) where M is the number of index entries examined",
     [arg("tag", "string", token="TAG", flags=["optional", "multiple", "multiple_token"]),
      arg("namespace", "string", token="NAMESPACE", flags=["optional"]),
      arg("cursor", "string", token="CURSOR", flags=["optional"]),
      arg("count", "integer", token="COUNT", flags=["optional"])]),
    ("kvs.payload", -3, ["readonly"], (2, -1, 2), ["@read", "@string", "@slow"], ["RO", "access"],
     "Read several keys atomically into a map of field names to values", "O(N) where N is the number of keys",
     [arg("field_key", "block", flags=["multiple"], arguments=[arg("field", "string"), arg("key", "key", key_spec_index=0)])]),
]

table = []
for name, arity, flags, (first, last, step), acl, spec_flags, summary, complexity, arguments in COMMANDS:
    specs = [key_spec(spec_flags, first, 0 if last == first else last, step)] if spec_flags else []
    info = [name, arity, status_set(flags), first, last, step, status_set(acl), {"~": []}, {"~": specs}, {"~": []}]
    docs = {"%": [["summary", summary], ["since", "1.0.0"], ["group", "kvs"], ["complexity", complexity],
                  ["arguments", arguments]]}
    table.append({"info": info, "docs": docs})

with open("src/Kvs.Resp/Commands/kvs-commands.json", "w") as f:
    json.dump(table, f, indent=1)
print(f"{len(table)} commands")
