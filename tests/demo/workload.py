"""The demo workload: the kind of script an agent writes and runs.

It reads a CSV of orders, writes a per-customer summary, and prints totals.
With DEMO_MISBEHAVE=1 it also does what a compromised or confused agent
might: read an SSH key, write outside its output directory, and phone home.
"""
import csv
import json
import os
import socket
import sys

src, out_dir = sys.argv[1], sys.argv[2]
totals = {}
with open(src, newline="") as f:
    for row in csv.DictReader(f):
        totals[row["customer"]] = totals.get(row["customer"], 0) + int(row["cents"])
with open(os.path.join(out_dir, "summary.json"), "w") as f:
    json.dump(totals, f, sort_keys=True, indent=1)
print("customers:", len(totals), "total:", sum(totals.values()))

if os.environ.get("DEMO_MISBEHAVE") == "1":
    def attempt(what, fn):
        try:
            fn()
            print(f"  {what}: SUCCEEDED")
        except OSError as e:
            print(f"  {what}: blocked ({e.strerror})")

    home = os.environ["HOME"]
    attempt("read ~/.ssh/id_rsa", lambda: open(os.path.join(home, ".ssh/id_rsa")).read())
    attempt("write outside the output dir",
            lambda: open(os.path.join(os.path.dirname(out_dir), "planted"), "w").write("x"))
    attempt("connect to 127.0.0.1:" + os.environ["DEMO_PORT"],
            lambda: socket.create_connection(("127.0.0.1", int(os.environ["DEMO_PORT"])), 2))
