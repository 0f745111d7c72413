#!/usr/bin/env python3
"""Regenerates docs/conformance.md from the shared spec's behaviours.md and the test names.

A test whose name starts with `b<N>_` (Rust) or `test_b<N>_` (e2e) claims behaviour N; rows
without a test are planned for the issue of their group, unless DELIBERATE explains why the
emulator differs on purpose. Run it (`./dev conformance`) after adding or renaming tests;
`emulator/tests/docs.rs` fails when the table and the tests disagree.
"""
import glob
import os
import re
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
SPEC = os.path.join(ROOT, '..', 'shared', 'spec', 'behaviours.md')

# Behaviours the emulator does not reproduce on purpose; the README's "Fidelity choices"
# section says why.
DELIBERATE = {6, 10}
# Behaviours that wait for a later issue than their group's.
LATER = {}
text=open(SPEC).read()
rows=[]; titles={}; group=None
for line in text.splitlines():
    m=re.match(r'^## ([A-Q])\. (.*)',line)
    if m: group=m.group(1); titles[group]=m.group(2); continue
    m=re.match(r'^(\d+)\. (.*)',line)
    if m:
        n=int(m.group(1)); body=m.group(2)
        parts=body.split(' — '); claim=parts[0]; evid=' — '.join(parts[1:])
        found=[(evid.find(l),l) for l in ['DOCUMENTED','OBSERVED','INFERRED'] if evid.find(l)>=0]
        first=min(found)[1] if found else 'DOCUMENTED'
        short=re.sub(r'\*\*','',claim).replace('|','\\|')
        if len(short)>150: short=short[:147].rstrip()+'…'
        rows.append((group,n,short,first))
def claimed(name):
    out=[]
    for part in name.split('_'):
        if part.startswith('b') and part[1:].isdigit(): out.append(int(part[1:]))
        else: break
    return out
tests={}
def scan(path, prefix):
    src=open(path).read()
    for m in re.finditer(r'fn (b\d+[a-z0-9_]*)\(', src):
        name=m.group(1)
        for n in claimed(name): tests.setdefault(n,[]).append(prefix+name)
for p in sorted(glob.glob('emulator/tests/*.rs')):
    scan(p, os.path.basename(p)[:-3]+'::')
for p in sorted(glob.glob('e2e/test_*.py')):
    src=open(p).read()
    for m in re.finditer(r'def (test_b\d+[A-Za-z0-9_]*)\(', src):
        name=m.group(1)
        for n in claimed(name[5:]): tests.setdefault(n,[]).append(p+'::'+name)
for root,_,files in os.walk('emulator/src'):
    for f in sorted(files):
        if not f.endswith('.rs'): continue
        p=os.path.join(root,f); rel=os.path.relpath(p,'emulator/src')[:-3].split('/')
        if rel[-1]=='mod': rel=rel[:-1]
        scan(p, '::'.join(rel)+'::tests::')
# Scenario files claim behaviours with `behaviours = [...]` (docs/scenarios.md).
scenarios={}
for p in sorted(glob.glob('scenarios/**/*.toml', recursive=True)):
    with open(p,'rb') as f:
        for n in tomllib.load(f).get('behaviours',[]): scenarios.setdefault(n,[]).append(p)
plan={'A':'#4','B':'#4','C':'#4','D':'#4','E':'#4','F':'#5','G':'#5','H':'#5','I':'#6','J':'#6','K':'#5','L':'#5','M':'#5','N':'#5','O':'#6','P':'#6','Q':'#4'}
labels={}; done={}; scened={}
for g,n,s,l in rows:
    labels[l]=labels.get(l,0)+1
    if n in tests or n in scenarios: done[l]=done.get(l,0)+1
    if n in scenarios: scened[l]=scened.get(l,0)+1
summary=', '.join(f'{l} {done.get(l,0)}/{labels[l]}' for l in ['DOCUMENTED','OBSERVED','INFERRED'])
by_scenarios=', '.join(f'{l} {scened.get(l,0)}/{done.get(l,0)}' for l in ['DOCUMENTED','OBSERVED','INFERRED'])
out=['# Conformance: the behaviour checklist, row by row','',
'One row per behaviour of `behaviours.md` in the shared spec (`../shared/spec/` beside this',
'repository). **Evidence** is the checklist\'s first label for the row. **Status** is `implemented`',
'(with the tests and scenarios that prove it), `planned (#n)` (the issue that will implement it), or',
'`deliberate difference` (explained in the README under *Fidelity choices*). Tests are named',
'`<integration test file>::<test>`, unit tests by module path, end-to-end tests as',
'`e2e/<file>.py::<test>`; a test whose name starts with',
'`b<N>_` claims behaviour N and must be listed on its row (`tests/docs.rs` checks both ways).',
'**Scenarios** are the files of `scenarios/` whose `behaviours` list names the row; `./dev test`',
'runs them all with `spmig scenario run scenarios/`.','',
f'**Summary:** {len([1 for g,n,s,l in rows if n in tests or n in scenarios])} of {len(rows)} behaviours implemented — by evidence: {summary}.',
f'Of those, proved by scenarios: {len([1 for g,n,s,l in rows if n in scenarios])} — {by_scenarios}.','']
cur=None
for g,n,s,l in rows:
    if g!=cur:
        cur=g
        out += ['',f'## {g}. {titles[g]}','','| # | Behaviour | Evidence | Status | Tests | Scenarios |','| --- | --- | --- | --- | --- | --- |']
    t=', '.join(f'`{x}`' for x in tests.get(n,[]))
    sc=', '.join(f'[`{os.path.basename(x)[:-5]}`]({os.path.relpath(x,"docs")})' for x in scenarios.get(n,[]))
    if n in tests or n in scenarios:
        st='implemented'
    elif n in DELIBERATE:
        st='deliberate difference'
    else:
        st=f'planned ({LATER.get(n, plan[g])})'
    out.append(f'| {n} | {s} | {l} | {st} | {t} | {sc} |')
open('docs/conformance.md','w').write('\n'.join(out)+'\n')
print(summary)
