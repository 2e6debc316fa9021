#!/bin/sh
# serve_browser.sh: the browser test of `victimcount serve` (make
# test-slow).  A server on an ephemeral loopback port with a temporary
# database, an office and an analyst; the analyst publishes an estimate
# for the office's country through the API (curl); then headless chromium
# signs in as the office, uploads a good and a bad file and reads the
# published result (serve_browser.mjs).  Loopback only; bounded waits.
set -eu
VC=${VC_CLI:-build/victimcount}
DIR=$(mktemp -d /tmp/vc_browser_XXXXXX)
SERVER=
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

DB=$DIR/store.db
OFFICE=$("$VC" admin add-office --db "$DB" --office kz-iom --country Kazakhstan)
ANALYST=$("$VC" admin add-office --db "$DB" --office analyst --country Kazakhstan --role analyst)
"$VC" serve --db "$DB" --listen 127.0.0.1:0 > "$DIR/server.out" 2> "$DIR/server.err" &
SERVER=$!
PORT=
for _ in $(seq 50); do
    PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$DIR/server.out")
    [ -n "$PORT" ] && break
    sleep 0.2
done
[ -n "$PORT" ] || { echo "the server did not start"; cat "$DIR/server.err"; exit 1; }
BASE=http://127.0.0.1:$PORT

# the analyst's estimate, published (Kazakhstan 2005, log-linear)
curl -sf -H "Authorization: Bearer $OFFICE" -H "Content-Type: text/csv" \
     -H "X-Strata: country,year" --data-binary @data/examples/central-asia.csv \
     "$BASE/api/v1/submissions" > /dev/null
ID=$(curl -sf -H "Authorization: Bearer $ANALYST" -H "Content-Type: application/json" \
     -d '{"country": "Kazakhstan", "period": "2005", "methods": ["loglinear"]}' \
     "$BASE/api/v1/estimates" | sed 's/.*"id":"\([^"]*\)".*/\1/')
for _ in $(seq 300); do
    if curl -sf -H "Authorization: Bearer $ANALYST" "$BASE/api/v1/estimates/$ID" \
           | grep -q '"status":"done"'; then break; fi
    sleep 0.2
done
curl -sf -X POST -H "Authorization: Bearer $ANALYST" -H "Content-Type: application/json" \
     -d '{}' "$BASE/api/v1/estimates/$ID/publish" > /dev/null

printf 'IOM,NGO,Police,count\n1,0,0,403\n0,1,0,244\n1,1,0,31\n0,0,1,191\n1,0,1,42\n0,1,1,27\n1,1,1,9\n' \
    > "$DIR/good.csv"
printf 'A,B,C,count\n1,0,0,5\n0,maybe,1,3\n' > "$DIR/bad.csv"
node tests/browser/serve_browser.mjs "$BASE" "$OFFICE" "$DIR/good.csv" "$DIR/bad.csv"
