#!/usr/bin/env python3
"""Prints the installed Debian packages that PKG... pull in (Depends and
Pre-Depends, recursively, with virtual packages resolved to the installed
packages that provide them), one a line. With --essential first, the
Essential packages (what every Debian root has) are roots too. Used by
t_setup.sh."""
import re
import subprocess
import sys

FIELDS = ("${Package}\\t${Provides}\\t${Pre-Depends}, ${Depends}\\t"
          "${Essential}\\n")


def installed():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Status}\\t" + FIELDS],
                         capture_output=True, text=True, check=True).stdout
    deps, provides, essential = {}, {}, []
    for line in out.splitlines():
        status, pkg, prov, dep, ess = (line.split("\t") + [""] * 4)[:5]
        if not status.endswith(" installed"):
            continue
        pkg = pkg.split(":")[0]
        deps[pkg] = dep
        if ess == "yes":
            essential.append(pkg)
        for p in prov.split(","):
            name = re.sub(r"[ (].*", "", p.strip()).split(":")[0]
            if name:
                provides.setdefault(name, set()).add(pkg)
    return deps, provides, essential


def main():
    deps, provides, essential = installed()
    args = sys.argv[1:]
    if args[:1] == ["--essential"]:
        args = args[1:] + essential
    seen, todo = set(), args
    while todo:
        name = todo.pop()
        for pkg in ({name} & deps.keys()) | provides.get(name, set()):
            if pkg in seen:
                continue
            seen.add(pkg)
            for group in deps[pkg].split(","):
                # Of "a | b", apt installs the first one it can: follow
                # only the first installed alternative, not all of them.
                for alt in group.split("|"):
                    alt = re.sub(r"[ (].*", "", alt.strip()).split(":")[0]
                    if alt and (alt in deps or alt in provides):
                        todo.append(alt)
                        break
    print("\n".join(sorted(seen)))


main()
