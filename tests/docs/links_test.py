#!/usr/bin/python3
"""The docs hold together: every relative link in README.md and docs/*.md
names a file that exists and, with an #anchor, a heading of it (GitHub's slug
rules: lowercase, punctuation other than '-' and '_' dropped, spaces to '-',
repeats -1, -2...); every page of docs/ is reachable from the README in at
most two clicks; the README stays short (at most 250 lines).

  /usr/bin/python3 tests/docs/links_test.py [ROOT]
"""
import glob, os, re, sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')

def slug(text):
    t = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', text.strip())  # links, images -> text
    t = re.sub(r'<[^>]+>', '', t)                                  # inline HTML tags
    t = t.lower()
    t = re.sub(r'[^\w\- ]', '', t)                                 # \w is Unicode: keeps é, _
    return t.replace(' ', '-')

def strip_code(lines):
    """Lines with fenced blocks blanked and inline code spans removed."""
    out, fence = [], None
    for line in lines:
        m = re.match(r'^\s{0,3}(`{3,}|~{3,})', line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * len(m.group(1))
            elif line.strip().startswith(fence):
                fence = None
            out.append('')
            continue
        if fence:
            out.append('')
            continue
        out.append(re.sub(r'(`+)(.+?)\1', '', line))
    return out

_anchor_cache = {}
def anchors(path):
    if path not in _anchor_cache:
        seen, result = {}, set()
        lines = open(path, encoding='utf-8').read().split('\n')
        for raw, line in zip(lines, strip_code(lines)):
            if not line and raw:   # inside a fence
                continue
            m = re.match(r'^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$', raw)
            if m:
                base = slug(m.group(2))
                n = seen.get(base, 0)
                result.add(base if n == 0 else f'{base}-{n}')
                seen[base] = n + 1
            for a in re.findall(r'<a\s+(?:name|id)="([^"]+)"', raw):
                result.add(a)
        _anchor_cache[path] = result
    return _anchor_cache[path]

ROOT = os.path.abspath(ROOT)
files = [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
checked, bad, external = 0, [], 0
links = {f: set() for f in files}
for f in files:
    lines = open(f, encoding='utf-8').read().split('\n')
    for no, line in enumerate(strip_code(lines), 1):
        for target in re.findall(r'!?\[(?:[^\]]|\](?!\())*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)', line):
            if re.match(r'^[a-z][a-z0-9+.-]*:', target):
                external += 1
                continue
            checked += 1
            path, _, anchor = target.partition('#')
            dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
            where = f'{os.path.relpath(f, ROOT)}:{no}: {target}'
            links[f].add(dest)
            if not os.path.exists(dest):
                bad.append(f'{where}: no such file {os.path.relpath(dest, ROOT)}')
            elif anchor:
                if not dest.endswith('.md'):
                    bad.append(f'{where}: anchor into a non-Markdown file')
                elif anchor not in anchors(dest):
                    bad.append(f'{where}: no heading with anchor #{anchor} in {os.path.relpath(dest, ROOT)}')
# Two clicks: the README links a page, which links the rest.
readme = files[0]
reach = {readme} | links[readme]
for page in list(links[readme]):
    reach |= links.get(page, set())
for f in files[1:]:
    if f not in reach:
        bad.append(f'{os.path.relpath(f, ROOT)}: not reachable from README.md in two clicks')
readme_lines = len(open(readme, encoding='utf-8').read().splitlines())
if readme_lines > 250:
    bad.append(f'README.md: {readme_lines} lines, more than 250')
print(f'{len(files)} files, {checked} relative links checked, {external} external links not checked')
for b in bad:
    print('BROKEN', b)
print('all relative links resolve' if not bad else f'{len(bad)} broken')
sys.exit(1 if bad else 0)
