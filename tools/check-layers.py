#!/usr/bin/env python3
"""Checks the layering of zvfio's C sources (issue 23 §2):

1. src/lib is grouped in layer folders, listed below from the lowest to the highest;
   a file may include headers of its own layer or of a lower one, never of a higher one.
   The programs (src/zvfio, callouts) sit above every library layer.
2. No include cycle between units, a unit being X.c plus X.h (of any folder).

Prints every violation and exits 1 when there is one; `--graph` prints the unit graph.
"""
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The library's layers, lowest first (the folder names under src/lib).
LAYERS = ["base", "host", "rules", "actions", "formats"]
# Everything above the library, in the order they may include each other.
PROGRAMS = ["src/zvfio", "callouts"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    """(rank, name) of a source file: library layers first, then the programs."""
    rel = path.relative_to(REPO).as_posix()
    parts = rel.split("/")
    if parts[:2] == ["src", "lib"]:
        if len(parts) == 3:
            return (-1, "src/lib")          # a file left at the top of src/lib
        name = parts[2]
        if name not in LAYERS:
            return (-1, f"src/lib/{name}")
        return (LAYERS.index(name), name)
    for i, prog in enumerate(PROGRAMS):
        if rel.startswith(prog + "/"):
            return (len(LAYERS) + i, prog)
    return None


def sources():
    """Every .c and .h file of the library and the programs."""
    roots = [REPO / "src" / "lib"] + [REPO / p for p in PROGRAMS]
    return sorted(p for r in roots for p in r.rglob("*") if p.suffix in (".c", ".h"))


def main(argv):
    files = sources()
    by_name = {}
    for f in files:
        by_name.setdefault(f.name, []).append(f)
    problems = []
    for name, paths in by_name.items():
        if len(paths) > 1 and name.endswith(".h"):
            problems.append(f"header {name} exists twice: {', '.join(map(str, paths))}")
    units = {}      # unit (path without suffix, relative) -> set of units it includes
    for f in files:
        unit = f.relative_to(REPO).with_suffix("").as_posix()
        deps = units.setdefault(unit, set())
        rank, lname = layer_of(f)
        if rank < 0:
            problems.append(f"{f.relative_to(REPO)}: not in a layer folder ({', '.join(LAYERS)})")
        for inc in INCLUDE.findall(f.read_text(errors="replace")):
            target = by_name.get(Path(inc).name)
            if not target:
                continue            # a generated header (zvfio-config.h) or a system one
            t = target[0]
            trank, tname = layer_of(t)
            if trank > rank and rank >= 0:
                problems.append(f"{f.relative_to(REPO)} ({lname}) includes {inc} ({tname}): "
                                "a lower layer includes a higher one")
            tunit = t.relative_to(REPO).with_suffix("").as_posix()
            if tunit != unit:
                deps.add(tunit)
    # cycles between units: strongly connected components with more than one unit
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(units.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(units):
        if v not in index:
            visit(v)
    for comp in sccs:
        problems.append(f"include cycle between {len(comp)} units: {', '.join(comp)}")
    if "--graph" in argv:
        for u in sorted(units):
            print(u, "->", " ".join(sorted(units[u])))
    for p in problems:
        print(p)
    print(f"check-layers: {len(units)} units, {len(sccs)} include cycle(s), "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
