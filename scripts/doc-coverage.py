#!/usr/bin/env python3
"""How many public symbols of the libraries have a `///` comment of their own.

Reads the symbol graphs that `swift package generate-documentation` extracts (run it first, e.g.
as .ci/run's docs step does) and counts, per module, the public symbols declared in the module's
own sources (`@_spi` ones excluded, as the documentation excludes them): enum cases, properties,
initializers and operators included. A symbol counts as documented only when its comment is its
own: documentation inherited from a protocol requirement (Equatable's `==`, Codable's
`encode(to:)`) does not count, and neither do synthesized members, which have no declaration.

    scripts/doc-coverage.py [-v] [MODULE…]      default: ArtifactStore HTTPCaching PythonPackaging

Prints one line per module; -v also lists each undocumented symbol as FILE:LINE: NAME. Exits 1
when a module's symbol graph is missing, 0 otherwise (it reports, it does not judge).
"""
import glob
import json
import sys

args = sys.argv[1:]
verbose = "-v" in args
modules = [a for a in args if a != "-v"] or ["ArtifactStore", "HTTPCaching", "PythonPackaging"]
status = 0
for module in modules:
    paths = sorted(glob.glob(f".build/*/extracted-symbols/*/{module}/{module}.symbols.json"))
    if not paths:
        print(f"{module}: no symbol graph under .build/*/extracted-symbols; run swift package generate-documentation --target {module}")
        status = 1
        continue
    graph = json.load(open(paths[-1]))
    total, undocumented = 0, []
    for symbol in graph["symbols"]:
        uri = symbol.get("location", {}).get("uri", "")
        if f"/Sources/{module}/" not in uri or symbol.get("accessLevel") not in ("public", "open") or symbol.get("spi"):
            continue
        total += 1
        comment = symbol.get("docComment", {})
        if not (comment.get("lines") and comment.get("module", module) == module):
            line = symbol["location"]["position"]["line"] + 1
            undocumented.append(f"Sources/{uri.split('/Sources/', 1)[1]}:{line}: {'.'.join(symbol['pathComponents'])}")
    documented = total - len(undocumented)
    print(f"{module}: {documented} of {total} public symbols have a /// comment ({100 * documented / max(total, 1):.1f} %)")
    if verbose:
        for entry in undocumented:
            print("  " + entry)
sys.exit(status)
