#!/usr/bin/env python3
"""Time from starting a server process to its first answered HTTP request.

usage: first_request.py URL COMMAND...   -> prints milliseconds; the server is then stopped.
Polls URL every millisecond (connection refused counts as not ready).
"""
import http.client
import subprocess
import sys
import time
import urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    while True:
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=1)
            conn.request("GET", url.path or "/")
            conn.getresponse().read()
            break
        except OSError:
            if time.perf_counter() - start > 30:
                raise SystemExit("server did not answer within 30 s")
            time.sleep(0.001)
    print(f"{(time.perf_counter() - start) * 1000:.1f}")
finally:
    proc.terminate()
    proc.wait()
