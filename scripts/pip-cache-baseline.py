#!/usr/bin/env python3
"""Benchmark pip's HTTP cache as a peer of our artifact store.

Stores N synthetic HTTP responses (20 KB body each) through the cache layer that pip
vendors, exactly the way CacheController._cache_set / cached_request use it, and reads
them back (cache.get [+ get_body] -> Serializer.loads -> HTTPResponse.read()).

Backends (-b):
  sep   pip._vendor.cachecontrol.caches.SeparateBodyFileCache: metadata file + '<name>.body'
        file; plain open/write, no fsync. Serializer.dumps(req, resp, b"") + set_body(body).
  file  pip._vendor.cachecontrol.caches.FileCache: one file, msgpack(meta + body), no fsync.
  pip   pip._internal.network.cache.SafeFileCache, what pip itself uses (pip 23.2: one file
        holding msgpack(meta + body); NamedTemporaryFile + fsync + os.replace per put).
        pip >= 23.3 splits the body out like 'sep' and fsyncs both files.

cachecontrol's FileCache classes import the third-party 'lockfile' package, which pip does not
vendor (pip never uses those classes); a null stand-in is put in sys.modules so the API can be
driven without installing anything. A real lockfile.LockFile would add link/unlink syscalls per put.

All three use cachecontrol's fan-out: sha224(url) -> a/b/c/d/e/<sha224> (5 directory levels).

usage: pip-cache-baseline.py [-n 10000] [-s 20000] [-r 3] [-b sep,file,pip] [-d /tmp/perf/pipcache]
prints one JSON line per (backend, round) and a median summary per backend.
"""
import argparse, io, json, os, random, shutil, statistics, sys, time, types


class _NullLock:
    """Stand-in for lockfile.LockFile: context manager exposing .path."""

    def __init__(self, path, *a, **k):
        self.path = path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_lf = types.ModuleType("lockfile"); _lf.LockFile = _NullLock
_lfm = types.ModuleType("lockfile.mkdirlockfile"); _lfm.MkdirLockFile = _NullLock
_lf.mkdirlockfile = _lfm
sys.modules.setdefault("lockfile", _lf); sys.modules.setdefault("lockfile.mkdirlockfile", _lfm)

import pip  # noqa: E402
from pip._vendor.cachecontrol.caches import FileCache, SeparateBodyFileCache  # noqa: E402
from pip._vendor.cachecontrol.controller import CacheController  # noqa: E402
from pip._vendor.cachecontrol.serialize import Serializer  # noqa: E402
from pip._vendor.requests import Request  # noqa: E402
from pip._vendor.urllib3 import HTTPResponse  # noqa: E402
from pip._internal.network.cache import SafeFileCache  # noqa: E402


def make_items(n, size, seed=7):
    rnd = random.Random(seed)
    items = []
    for i in range(n):
        url = f"https://files.example.org/packages/{rnd.getrandbits(160):040x}/pkg{i}-1.{i % 50}.0-py3-none-any.whl"
        body = rnd.randbytes(size)
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": str(size),
            "Cache-Control": "max-age=365000000, immutable, public",
            "ETag": f'"{rnd.getrandbits(128):032x}"',
            "Last-Modified": "Tue, 21 Jan 2025 10:00:00 GMT",
            "Date": "Wed, 22 Jan 2025 10:00:00 GMT",
            "Accept-Ranges": "bytes",
            "Via": "1.1 varnish, 1.1 varnish",
            "X-Served-By": "cache-iad-kiad7000025-IAD, cache-fra-etou8220126-FRA",
        }
        req = Request("GET", url, headers={"Accept-Encoding": "identity"}).prepare()
        items.append((CacheController.cache_url(url), req, headers, body))
    return items


def response(headers, body):
    return HTTPResponse(body=io.BytesIO(body), headers=headers, status=200, version=11, reason="OK",
                        preload_content=False, decode_content=False)


def run(backend, items, directory):
    shutil.rmtree(directory, ignore_errors=True); os.makedirs(directory)
    ser = Serializer()
    if backend == "sep":
        cache = SeparateBodyFileCache(directory, lock_class=_NullLock)
    elif backend == "file":
        cache = FileCache(directory, lock_class=_NullLock)
    elif backend == "pip":
        cache = SafeFileCache(directory)
    else:
        raise SystemExit(f"unknown backend {backend}")
    sep = backend == "sep"
    # build response objects outside the timed region (in pip they come off the wire)
    resps = [response(h, b) for (_, _, h, b) in items]

    t0 = time.perf_counter()
    for (key, req, _h, body), resp in zip(items, resps):
        if sep:  # CacheController._cache_set for SeparateBodyBaseCache
            cache.set(key, ser.dumps(req, resp, b""))
            cache.set_body(key, body)
        else:
            cache.set(key, ser.dumps(req, resp, body))
    put_s = time.perf_counter() - t0

    order = list(range(len(items))); random.Random(1).shuffle(order)
    t0 = time.perf_counter(); nbytes = 0
    for i in order:
        key, req, _h, body = items[i]
        data = cache.get(key)
        if sep:
            bf = cache.get_body(key)
            r = ser.loads(req, data, bf)
            got = r.read(decode_content=False); bf.close()
        else:
            r = ser.loads(req, data)
            got = r.read(decode_content=False)
        if got != body:
            raise SystemExit(f"body mismatch for {key}")
        nbytes += len(got)
    get_s = time.perf_counter() - t0

    files = sum(len(fs) for _, _, fs in os.walk(directory))
    n = len(items)
    return dict(backend=backend, n=n, body_bytes=len(items[0][3]), files=files,
                put_s=round(put_s, 3), puts_per_s=round(n / put_s), put_us=round(put_s / n * 1e6, 1),
                get_s=round(get_s, 3), gets_per_s=round(n / get_s), get_us=round(get_s / n * 1e6, 1),
                get_MBps=round(nbytes / get_s / 1e6, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-s", type=int, default=20000, help="body size in bytes")
    ap.add_argument("-r", type=int, default=3, help="rounds per backend")
    ap.add_argument("-b", default="sep,file,pip")
    ap.add_argument("-d", default="/tmp/perf/pipcache")
    a = ap.parse_args()
    items = make_items(a.n, a.s)
    results = {}
    for rnd in range(a.r):
        for b in a.b.split(","):
            os.sync()
            res = run(b, items, a.d); res["round"] = rnd
            print(json.dumps(res), flush=True)
            results.setdefault(b, []).append(res)
    for b, rs in results.items():
        def mm(k):
            v = [r[k] for r in rs]; return f"{statistics.median(v)} ({min(v)}-{max(v)})"
        print(f"SUMMARY pip {pip.__version__} backend={b} n={a.n} body={a.s}B rounds={len(rs)} "
              f"puts/s={mm('puts_per_s')} gets/s={mm('gets_per_s')} files={rs[0]['files']}")
    shutil.rmtree(a.d, ignore_errors=True)


if __name__ == "__main__":
    main()
