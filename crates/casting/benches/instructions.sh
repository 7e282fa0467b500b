#!/bin/sh
# Instructions per record of each decode path of `cargo bench -p sixtyfour-casting --bench
# decode`, counted by valgrind's callgrind: unlike times, they do not move with the machine's
# load. Each path runs alone (`BENCH_ONLY=PATH`, 20,000 records) and only its own function is
# counted (`--toggle-collect=decode::only_PATH`), so building the records is left out.
#
#   crates/casting/benches/instructions.sh        (from anywhere in the workspace)
set -eu
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found (apt-get install valgrind)" >&2
    exit 1
fi
bin=$(cargo bench -p sixtyfour-casting --bench decode --no-run 2>&1 |
    sed -n 's/.*Executable benches\/decode\.rs (\(.*\))$/\1/p' | tail -n 1)
if [ -z "$bin" ]; then
    echo "could not build the decode bench" >&2
    exit 1
fi
root=$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
    sed -n 's/.*"workspace_root":"\([^"]*\)".*/\1/p')
case $bin in /*) ;; *) bin="$root/$bin" ;; esac

count() {
    out=$(BENCH_ONLY=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        --toggle-collect="decode::only_$1" "$bin" 2>&1)
    records=$(printf '%s\n' "$out" | sed -n 's/^records \([0-9]*\)$/\1/p')
    collected=$(printf '%s\n' "$out" | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
    echo $((collected / records))
}

floor=$(count floor)
lead=$(count lead)
text=$(count text)
floor_owned=$(count floor_owned)
owned=$(count owned)
floor_bytes=$(count floor_bytes)
bytes=$(count bytes)
ratio() { awk "BEGIN { printf \"%.2fx\", $1 / $2 }"; }

printf 'instructions per record (callgrind, %s)\n' "$(valgrind --version)"
printf '  %-52s %8s %7s\n' "" instr ratio
printf 'from a parsed map\n'
printf '  %-52s %8d %7s\n' "serde floor: Floor::deserialize(&map)" "$floor" 1.00x
printf '  %-52s %8d %7s\n' "decode::<Lead>(&map)" "$lead" "$(ratio "$lead" "$floor")"
printf '  %-52s %8d %7s\n' "decode::<TextLead>(&map): the floor's shape" "$text" "$(ratio "$text" "$floor")"
printf 'from an owned map\n'
printf '  %-52s %8d %7s\n' "serde floor: from_value(map)" "$floor_owned" 1.00x
printf '  %-52s %8d %7s\n' "decode_owned::<Lead>(map)" "$owned" "$(ratio "$owned" "$floor_owned")"
printf 'from bytes\n'
printf '  %-52s %8d %7s\n' "serde floor: from_slice::<Floor>(bytes)" "$floor_bytes" 1.00x
printf '  %-52s %8d %7s\n' "decode_slice::<Lead>(bytes)" "$bytes" "$(ratio "$bytes" "$floor_bytes")"
