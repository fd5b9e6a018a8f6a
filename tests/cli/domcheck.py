"""Checks a DOM dumped by headless Chromium: python3 domcheck.py DOM.

Prints one line per fact: the count of each element class the report
tests look for, whether any <script> element or on* attribute exists,
and the text of every dataset cell (so a hostile name can be compared
as text).
"""
import html.parser
import sys


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.counts = {}
        self.scripts = 0
        self.handlers = 0
        self.imgs = 0
        self.svgs = 0
        self.cell = None
        self.first_cells = []
        self.in_dataset = False
        self.col = 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class")
        if tag == "tr" and cls:
            self.counts[cls] = self.counts.get(cls, 0) + 1
            self.in_dataset = cls == "dataset"
            self.col = 0
        if tag == "script":
            self.scripts += 1
        if tag == "img":
            self.imgs += 1
        if tag == "svg":
            self.svgs += 1
        self.handlers += sum(1 for k, _ in attrs if k.lower().startswith("on"))
        if tag == "td" and self.in_dataset:
            self.col += 1
            if self.col == 1:
                self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.first_cells.append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


d = Dom()
with open(sys.argv[1], encoding="utf-8") as f:
    d.feed(f.read())
for k in sorted(d.counts):
    print(f"rows {k} {d.counts[k]}")
print(f"script {d.scripts}")
print(f"handlers {d.handlers}")
print(f"img {d.imgs}")
print(f"svg {d.svgs}")
for c in d.first_cells:
    print(f"dataset {c}")
