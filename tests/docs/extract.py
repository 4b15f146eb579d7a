#!/usr/bin/env python3
"""Turns the ```cpp blocks of one docs page into one C++ file that compiles them all.

    extract.py PAGE.md OUT.cpp [--name NAME]     generate (meson runs this per page)
    extract.py --check DOCS_DIR PAGE.md...       fail when a page with cpp blocks is not listed
    extract.py --stats PAGE.md...                print compiled/skipped blocks per page

The convention, for whoever writes docs:

* Every fenced block whose info string starts with `cpp` is compiled. Other languages
  (sh, json, text) are left alone.
* Words after `cpp` in the info string steer it (the rendered page shows none of them):
    norun-compile   skipped (counted in the stats); keep these rare and say why nearby
    decl            the block is declarations (models, functions): namespace scope
    stmt            the block is statements: the body of a function
    run             also run it: the page's test case calls it against sqlite3://:memory:
                    with the models of tests/docs/models.hpp created (a fresh database per
                    page); the block must make its own data
    schema=Model    statements that may use `s`, a `dorm::Schema<Model>&` (fragments of a
                    define()); never run
* Without `decl`/`stmt` the first line that is not a comment decides: `struct`, `class`,
  `enum`, `template`, `namespace`, `inline`, `#include`, `int main` and `using X =` start
  declarations; anything else starts statements.
* Declarations go into the page's namespace, in page order, before every statement block
  (so a statement block may use a model the page declares further down). A declaration
  block holding an explicit specialization (`template <> struct dorm::value_traits<...>`)
  goes to the global namespace, as C++ requires; one defining `int main(...)` goes into a
  namespace of its own (a page may show several programs). `#include` lines go to the top.
* Statement blocks become `void block_N()` whose body first declares the names of
  DORM_DOCS_PRELUDE (tests/docs/models.hpp: `a`, `b`, `e`, `qs`, `req`, ...) and then opens a
  nested scope holding the block, so a block may redeclare any of them.
* `...` standing for "your code" must be written `/* ... */` to compile.
* The models of API.md §2 and §6 (Author, Blog, Entry, EntryQuerySet, LiveManager) come from
  tests/docs/models.hpp; a page that declares its own models of those names hides them.
* `#line` directives point compiler errors at the markdown page and line.
"""

import os
import re
import sys

FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*(.*)$")
DECL_START = re.compile(
    r"^\s*(struct\b|class\b|enum\b|template\b|namespace\b|inline\b|#\s*include\b|int\s+main\s*\(|"
    r"using\s+\w+\s*=)")
MAIN = re.compile(r"^\s*int\s+main\s*\(", re.M)
SPECIALIZATION = re.compile(r"template\s*<\s*>\s*struct\s+dorm::")


class Block:
    def __init__(self, line, info, lines):
        self.line = line          # 1-based line of the first code line
        self.words = info.split()[1:]
        self.lines = lines
        self.schema = None
        for w in self.words:
            if w.startswith("schema="):
                self.schema = w.split("=", 1)[1]

    @property
    def skipped(self):
        return "norun-compile" in self.words

    @property
    def runnable(self):
        return "run" in self.words

    @property
    def is_decl(self):
        if "decl" in self.words:
            return True
        if "stmt" in self.words or self.schema:
            return False
        for ln in self.lines:
            s = ln.strip()
            if not s or s.startswith("//"):
                continue
            return bool(DECL_START.match(ln))
        return False


def blocks_of(path):
    out = []
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    i = 0
    while i < len(text):
        m = FENCE.match(text[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(2), m.group(3).strip()
        start = i + 1
        j = start
        while j < len(text) and not text[j].strip().startswith(fence):
            j += 1
        if info.split()[:1] == ["cpp"]:
            indent = len(m.group(1))
            lines = [ln[indent:] if ln[:indent].strip() == "" else ln for ln in text[start:j]]
            out.append(Block(start + 1, info, lines))
        i = j + 1
    return out


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(page, out_path, name, shown_path):
    blocks = blocks_of(page)
    ns = "docs_" + re.sub(r"\W", "_", name)
    includes, decls, stmts = [], [], []
    compiled = skipped = 0
    for n, b in enumerate(blocks, 1):
        if b.skipped:
            skipped += 1
            continue
        compiled += 1
        body = []
        for ln in b.lines:
            if re.match(r"^\s*#\s*include\b", ln):
                includes.append(ln.strip())
                body.append("")
            else:
                body.append(ln)
        code = "#line %d %s\n%s\n" % (b.line, c_string(shown_path), "\n".join(body))
        if b.is_decl:
            decls.append((bool(SPECIALIZATION.search("\n".join(b.lines))), n, code))
        else:
            stmts.append((n, b, code))

    o = []
    o.append("// Generated from %s by tests/docs/extract.py: do not edit." % shown_path)
    o.append("// %d blocks compiled, %d skipped (norun-compile)." % (compiled, skipped))
    o.append('#include "models.hpp"')
    o.append("#include <doctest/doctest.h>")
    for inc in dict.fromkeys(includes):
        o.append(inc)
    o.append("")
    in_ns = False
    for is_global, n, code in decls:
        if is_global and in_ns:
            o.append("}  // namespace %s" % ns)
            in_ns = False
        if not is_global and not in_ns:
            o.append("namespace %s {" % ns)
            in_ns = True
        o.append("// block %d" % n)
        if MAIN.search(code):  # a program of its own: keep its main() apart from the others
            o.append("namespace block_%d {" % n)
            o.append(code)
            o.append("}  // namespace block_%d" % n)
        else:
            o.append(code)
    if not in_ns:
        o.append("namespace %s {" % ns)
    runs = []
    for n, b, code in stmts:
        param = "[[maybe_unused]] dorm::Schema<%s>& s" % b.schema if b.schema else ""
        o.append("// block %d" % n)
        o.append("void block_%d(%s) {" % (n, param))
        o.append("DORM_DOCS_PRELUDE")
        o.append("{")
        o.append(code)
        o.append("}")
        o.append("}")
        if b.runnable and not b.schema:
            runs.append(n)
    o.append("}  // namespace %s" % ns)
    o.append("")
    o.append("TEST_CASE(%s) {" % c_string("%s: %d blocks compile, %d run" % (shown_path, compiled, len(runs))))
    if runs:
        o.append("    dorm::connect(\"sqlite3://:memory:\", {.alias = \"default\"});")
        o.append("    dorm::register_models<Author, Blog, Entry>();")
        o.append("    dorm::drop_tables();")
        o.append("    dorm::create_tables();")
        for n in runs:
            o.append("    SUBCASE(%s) { %s::block_%d(); }" % (c_string("block %d (line %d)" % (n, blocks[n - 1].line)), ns, n))
        o.append("    dorm::drop_tables();")
        o.append("    dorm::disconnect_all();")
    else:
        o.append("    CHECK(true);")
    o.append("}")
    text = "\n".join(o) + "\n"
    old = None
    if os.path.exists(out_path):
        with open(out_path, encoding="utf-8") as f:
            old = f.read()
    if old != text:
        with open(out_path, "w", encoding="utf-8") as f:
            f.write(text)


def page_has_cpp(path):
    return any(True for _ in blocks_of(path))


def main(argv):
    if argv[:1] == ["--check"]:
        docs, listed = argv[1], {os.path.realpath(p) for p in argv[2:]}
        missing = []
        for root, _, files in os.walk(docs):
            for fn in sorted(files):
                p = os.path.join(root, fn)
                if fn.endswith(".md") and page_has_cpp(p) and os.path.realpath(p) not in listed:
                    missing.append(p)
        for p in missing:
            print("%s has cpp blocks but is not listed in tests/meson.build (docs_pages)" % p)
        # scripts/run sums every suite's doctest summary line
        print("[doctest] test cases: 1 | %d passed | %d failed | 0 skipped" % (0 if missing else 1, 1 if missing else 0))
        return 1 if missing else 0
    if argv[:1] == ["--stats"]:
        for p in argv[1:]:
            bs = blocks_of(p)
            skipped = sum(b.skipped for b in bs)
            runs = sum(b.runnable and not b.skipped and not b.schema for b in bs)
            print("%-40s compiled %3d  skipped %2d  run %2d" % (p, len(bs) - skipped, skipped, runs))
        return 0
    if len(argv) < 2:
        print(__doc__)
        return 2
    page, out = argv[0], argv[1]
    name = os.path.splitext(os.path.basename(page))[0]
    if "--name" in argv:
        name = argv[argv.index("--name") + 1]
    shown = page
    if "--root" in argv:
        shown = os.path.relpath(page, argv[argv.index("--root") + 1])
    generate(page, out, name, shown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
