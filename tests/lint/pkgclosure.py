#!/usr/bin/env python3
"""Prints the installed Debian packages that PKG... pull in (Depends and
Pre-Depends, recursively, with virtual packages resolved to the installed
packages that provide them), one a line. Used by t_setup.sh."""
import re
import subprocess
import sys

FIELDS = "${Package}\\t${Provides}\\t${Pre-Depends}, ${Depends}\\n"


def installed():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Status}\\t" + FIELDS],
                         capture_output=True, text=True, check=True).stdout
    deps, provides = {}, {}
    for line in out.splitlines():
        status, pkg, prov, dep = (line.split("\t") + ["", "", ""])[:4]
        if not status.endswith(" installed"):
            continue
        pkg = pkg.split(":")[0]
        deps[pkg] = dep
        for p in prov.split(","):
            name = re.sub(r"[ (].*", "", p.strip()).split(":")[0]
            if name:
                provides.setdefault(name, set()).add(pkg)
    return deps, provides


def main():
    deps, provides = installed()
    seen, todo = set(), list(sys.argv[1:])
    while todo:
        name = todo.pop()
        for pkg in ({name} & deps.keys()) | provides.get(name, set()):
            if pkg in seen:
                continue
            seen.add(pkg)
            for group in deps[pkg].split(","):
                for alt in group.split("|"):
                    alt = re.sub(r"[ (].*", "", alt.strip()).split(":")[0]
                    if alt:
                        todo.append(alt)
    print("\n".join(sorted(seen)))


main()
