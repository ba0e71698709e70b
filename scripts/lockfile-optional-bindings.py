import json, re, sys
p = sys.argv[1]
lock = json.load(open(p))
pk = lock['packages']
parent = pk['node_modules/unrs-resolver']
added = 0
for name, ver in parent.get('optionalDependencies', {}).items():
    key = 'node_modules/' + name
    if key in pk: continue
    m = re.match(r'@unrs/resolver-binding-(android|darwin|freebsd|linux|openharmony|win32|wasm32)-?([a-z0-9]+)?', name)
    entry = {'version': ver, 'dev': True, 'optional': True}
    if m and m.group(1) != 'wasm32':
        entry['os'] = [m.group(1)]
        cpu = m.group(2)
        entry['cpu'] = [{'arm': 'arm', 'arm64': 'arm64', 'x64': 'x64', 'loong64': 'loong64', 'ppc64': 'ppc64', 'riscv64': 'riscv64', 's390x': 's390x', 'ia32': 'ia32'}.get(cpu, cpu)]
    else:
        entry['cpu'] = ['wasm32']
    pk[key] = entry
    added += 1
lock['packages'] = dict(sorted(pk.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(lock, open(p, 'w'), indent=2)
open(p, 'a').write('\n')
print('added', added)
