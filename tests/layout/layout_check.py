#!/usr/bin/env python3
"""layout_check.py BUILD: check the module rules of README "Code layout" on the source tree and the
objects in BUILD/obj. Prints one line per violation and exits 1 if there is any:
  1. modules: a file may include only headers of its own module or of a module below it in ORDER;
  2. files: no two object files call each other (A uses a symbol B defines and B one A defines);
  3. libraries: each external library header is included by the files of one module only (LIBS);
  4. headers: every header has a source file of the same name, or its first line says why not
     (it contains "no NAME.c" or "implemented by");
  5. include/ holds only headers that another module includes; a private header stays beside its
     sources (a header in include/ used by its own module alone is reported).
Run from the repository root."""
import os, re, subprocess, sys

ORDER = ["base", "par", "spectral", "codec", "data", "engine", "analysis", "sweep", "store",
         "sched", "runner", "report", "cli"]
LIBS = {"mpi.h": "par", "fftw3-mpi.h": "par", "fftw3.h": "spectral", "hdf5.h": "store",
        "hdf5_hl.h": "store", "cblas.h": "engine", "png.h": "codec", "jpeglib.h": "codec",
        "zlib.h": "data", "iniparser.h": "sweep", "pthread.h": "engine", "cairo.h": "report",
        "cairo-svg.h": "report"}

def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    bad = []
    srcs = sorted(os.path.join(d, f) for d, _, fs in os.walk("src") for f in fs if f.endswith((".c", ".h")))
    mods = sorted({p.split("/")[1] for p in srcs})
    for m in mods:
        if m not in ORDER: bad.append(f"src/{m}/: module not in the layer order of tests/layout/layout_check.py")
    cfile = {os.path.basename(p)[:-2]: p.split("/")[1] for p in srcs if p.endswith(".c")}
    owner = {}  # header basename -> module
    for p in srcs:
        if p.endswith(".h"): owner[os.path.basename(p)] = p.split("/")[1]
    pub = sorted(f for f in os.listdir("include") if f.endswith(".h"))
    for h in pub:
        b = h[:-2]
        first = open(os.path.join("include", h)).readline()
        if b in cfile: owner[h] = cfile[b]
        else:
            m = re.search(r"src/([a-z_]+)/", first) or re.search(r"\(module ([a-z_]+)", first)
            owner[h] = m.group(1) if m else None
            if not owner[h]: bad.append(f"include/{h}: no {b}.c, and its first line names no src/MODULE/ that implements it")
    users = {}
    for p in srcs:
        mod = p.split("/")[1]
        for n, line in enumerate(open(p), 1):
            m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
            if not m: continue
            h = os.path.basename(m.group(2))
            if m.group(1) == '"':
                if "/" in m.group(2) and not m.group(2).startswith(mod + "/"):
                    bad.append(f"{p}:{n}: includes {m.group(2)}: a private header of another module")
                o = owner.get(h)
                if o is None: continue  # build_info.h and the like
                users.setdefault(h, set()).add(mod)
                if o in ORDER and mod in ORDER and ORDER.index(o) > ORDER.index(mod):
                    bad.append(f"{p}:{n}: includes {h} of module {o}, above {mod} (calls must go down)")
            elif h in LIBS and LIBS[h] != mod:
                bad.append(f"{p}:{n}: includes <{h}>, which only module {LIBS[h]} may include")
    # a public header included by another public header is used by that header's users too
    pinc = {h: {os.path.basename(x) for x in re.findall(r'#\s*include\s*"([^"]+)"', open(os.path.join("include", h)).read())}
            for h in pub}
    for _ in pub:
        for h in pub:
            for g in pinc[h]:
                users.setdefault(g, set()).update(users.get(h, set()))
    for h in pub:
        if owner.get(h) and not (users.get(h, set()) - {owner[h]}):
            bad.append(f"include/{h}: used by module {owner[h]} alone: it belongs beside its sources")
    for p in srcs:
        if not p.endswith(".h"): continue
        b = os.path.basename(p)[:-2]
        if os.path.exists(p[:-2] + ".c"): continue
        first = open(p).readline()
        if f"no {b}.c" not in first and "no .c" not in first and "implemented by" not in first:
            bad.append(f"{p}: no {b}.c beside it, and its first line does not say why")
    for h in pub:
        b = h[:-2]
        if b in cfile: continue
        first = open(os.path.join("include", h)).readline()
        if f"no {b}.c" not in first and "no .c" not in first and "implemented by" not in first:
            bad.append(f"include/{h}: no {b}.c, and its first line does not say why")
    # 2. object files that call each other
    objs = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(build, "obj")) for f in fs if f.endswith(".o"))
    if not objs: bad.append(f"{build}/obj: no object files (build first)")
    defs, undef = {}, {}
    for o in objs:
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        d, u = set(), set()
        for line in out.splitlines():
            f = line.split()
            if len(f) == 2 and f[0] == "U": u.add(f[1])
            elif len(f) == 3 and f[1] in "TDBRC": d.add(f[2])
        defs[o], undef[o] = d, u
    for i, a in enumerate(objs):
        for b in objs[i + 1:]:
            ab = undef[a] & defs[b]
            ba = undef[b] & defs[a]
            if ab and ba:
                bad.append(f"{a} and {b} call each other ({sorted(ab)[0]} / {sorted(ba)[0]})")
    for line in bad: print(line)
    print(f"layout_check: {len(srcs)} files in {len(mods)} modules, {len(objs)} objects: "
          f"{len(bad)} violation(s)")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())
