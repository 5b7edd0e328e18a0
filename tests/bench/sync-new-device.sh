#!/usr/bin/env bash
# The "new device ready" figure of `cargo xtask bench sync`: a device that joined an empty
# budget takes in what another device imported, 12,500 card transactions: download, decrypt
# and apply, through the real release `spearmint` and `spearmint-server`. Measured as the wall
# time of one `spearmint sync now`, so process start, the keychain and the sign-in count too.
# Both vaults keep their key in the keychain (no passphrase to derive); xtask runs this inside
# its throwaway Secret Service session.
#
#   tests/bench/sync-new-device.sh CLI SERVER DIR
set -euo pipefail

cli=$1 server=$2 dir=$3
transactions=12500
password="a long benchmark password"

"$server" --database "sqlite://$dir/server.db" --listen 127.0.0.1:0 --allow-sign-up \
    >"$dir/server.out" 2>"$dir/server.log" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do
    grep -q '^listening on ' "$dir/server.out" && break
    sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$dir/server.out")
[[ -n "$url" ]] || { echo "the sync server did not start: see $dir/server.log" >&2; exit 1; }

laptop() { SPEARMINT_DATA_DIR="$dir/laptop" "$cli" "$@"; }
phone() { SPEARMINT_DATA_DIR="$dir/phone" "$cli" "$@"; }
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

laptop init --json >/dev/null
phone init --json >/dev/null
phrase=$(printf '%s\n' "$password" |
    laptop sync setup --server "$url" --user bench --password-stdin --json | field '["recovery_phrase"]')
printf '%s\n%s\n' "$password" "$phrase" |
    phone sync join --server "$url" --user bench --password-stdin --json >/dev/null

account=$(laptop accounts add Card --json | field '["id"]')
python3 - "$dir/card.csv" "$transactions" <<'EOF'
import sys
path, count = sys.argv[1], int(sys.argv[2])
sellers = ["SAFEWAY #1205", "SQ *BLUE BOTTLE COFFEE", "SHELL OIL 5744", "AMAZON MKTPL", "TST* BIDA MANDA"]
with open(path, "w") as out:
    out.write("Date,Description,Amount\n")
    for i in range(count):
        out.write(f"2026-{1 + i % 11:02}-{1 + i % 28:02},{sellers[i % 5]} {i},-{1 + i % 90}.{i % 100:02}\n")
EOF
laptop import "$dir/card.csv" --account "$account" --json >/dev/null
laptop sync now --json >/dev/null

started=$(date +%s%N)
report=$(phone sync now --json)
ended=$(date +%s%N)
ms=$(( (ended - started) / 1000000 ))
records=$(printf '%s' "$report" | field '["downloaded"]')
cells=$(printf '%s' "$report" | field '["applied"]')
rows=$(phone transactions --limit 100000 --json | field '.__len__()')
[[ "$rows" == "$transactions" ]] || { echo "the new device has $rows transactions, not $transactions" >&2; exit 1; }
# Actual's encrypted figure for a new device with 100k cells: 870 ms on the wire, 822 to decode.
# A cell is one column's change and a transaction about eight (the sync issue's measure); the
# vault records a new row as one change, so the changes applied are counted apart.
python3 - "$ms" "$cells" "$records" "$transactions" <<'EOF'
import sys
ms, changes, records, transactions = (int(a) for a in sys.argv[1:])
cells = transactions * 8
ours, theirs = ms * 100_000 / cells, 870.0 + 822.0
unit = "ms"
print(f"  {'new device ready, per 100k cells':<44} {ours:>10.1f} {unit:<7} Actual {theirs:>9.1f} {unit:<7} "
      f"{ours / theirs:>7.2f}x   target < 1,000 ms with decrypt and apply")
print(f"    ({transactions:,} transactions, {cells:,} cells at 8 a transaction: {changes:,} row changes in")
print(f"     {records:,} records downloaded, decrypted and applied by one `spearmint sync now` in {ms:,} ms,")
print("     process start and sign-in included)")
EOF
