#!/usr/bin/env bash
# Checks the SAM application (template.yaml) without AWS and without servers;
# scripts/test.sh runs it first. About 20 s with a warm Go build cache.
#
#   1. cfn-lint template.yaml: errors AND warnings fail (the template is kept
#      free of both); informational findings are not shown.
#   2. the template against the code it deploys:
#      - every functions/<name> main package is a function in the template,
#        built by a Makefile target build-<LogicalId> (SAM's makefile
#        contract), and every template function has its target; Runtime
#        provided.al2023, Handler bootstrap, Architectures [arm64], CodeUri .
#      - the stepwise table equals what dynamostore.CreateTable creates (its
#        real CreateTable and UpdateTimeToLive requests, captured by a fake
#        endpoint): keys, attributes, the GSI and its projection, TTL
#      - the contacts table's key is what the Store state writes and checks
#      - DEFINITION_SUBSTITUTIONS fills every ${...} of statemachines/*.asl.json,
#        and the API and the worker get the same engine environment
#      - the SQS queue's VisibilityTimeout is at least 6x the consumer's
#        Timeout, it has a redrive policy, and the mapping reports batch
#        item failures
#      - events/*.json: HTTP API v2 payloads whose routeKey is a route of the
#        template (with an IAM authorizer exactly where the route has one),
#        SQS events whose bodies are engine messages
#   3. make build-<LogicalId> for every function whose source exists:
#      a static linux/arm64 ELF bootstrap (cross builds are cached by Go).
#
# Needs cfn-lint (the image ships 1.51.0; PyPI is not reachable here), go,
# make and python3.
set -euo pipefail

cd "$(dirname "$0")/.."
die() { echo "lint-template.sh: $*" >&2; exit 1; }

command -v cfn-lint >/dev/null ||
  die "cfn-lint not found on PATH: install the Python cfn-lint (1.x, with aws-sam-translator); the npm package of that name is a different, stale tool"
python3 -c 'import cfnlint.decode' 2>/dev/null ||
  die "python3 cannot import cfnlint (cfn-lint must be installed for this python3)"
for tool in go make; do
  command -v "$tool" >/dev/null || die "$tool not found on PATH"
done

mkdir -p .stepwise
tmp=$(mktemp -d .stepwise/lint-template.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "--- cfn-lint $(cfn-lint --version | awk '{print $2}') template.yaml"
cfn-lint --non-zero-exit-code warning -- template.yaml ||
  die "cfn-lint reports the errors or warnings above in template.yaml"
echo "ok   no errors or warnings"

echo "--- the table dynamostore.CreateTable creates"
# A program inside the module (.stepwise is ignored by git and by ./...), so
# it can import the store; it answers the SDK's calls and prints the requests.
mkdir -p "$tmp/tabledump"
cat >"$tmp/tabledump/main.go" <<'GO'
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

func main() {
	var mu sync.Mutex
	got := map[string]json.RawMessage{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[op] = body
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch op {
		case "CreateTable":
			fmt.Fprint(w, `{"TableDescription":{"TableName":"t","TableStatus":"CREATING"}}`)
		case "DescribeTable":
			fmt.Fprint(w, `{"Table":{"TableName":"t","TableStatus":"ACTIVE"}}`)
		case "UpdateTimeToLive":
			fmt.Fprint(w, `{}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":%q}`, op)
		}
	}))
	defer srv.Close()
	client := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	if err := dynamostore.CreateTable(context.Background(), client, "t"); err != nil {
		fmt.Fprintln(os.Stderr, "tabledump:", err)
		os.Exit(1)
	}
	out, err := json.Marshal(got)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tabledump:", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
GO
go run "./$tmp/tabledump/main.go" >"$tmp/createtable.json"
echo "ok   captured CreateTable and UpdateTimeToLive"

echo "--- template.yaml against the code"
python3 - "$tmp/createtable.json" "$tmp/builds.txt" <<'PY'
import glob, hashlib, json, os, re, sys

from cfnlint.decode import decode

created = json.load(open(sys.argv[1]))
builds_out = sys.argv[2]
failures = []


def ok(msg):
    print("ok   " + msg)


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def check(cond, good, bad):
    (ok if cond else fail)(good if cond else bad)
    return cond


tpl, errs = decode("template.yaml")
if errs:
    for e in errs:
        print("FAIL template.yaml: %s" % e)
    sys.exit(1)
resources = tpl.get("Resources", {})
glob_fn = tpl.get("Globals", {}).get("Function", {})


def plain(v):
    """Drops cfn-lint's node classes (dict and str subclasses)."""
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, str):
        return str(v)
    return v


def effective(props):
    """A function's properties with Globals.Function merged in (as SAM does)."""
    out = plain(dict(glob_fn))
    for k, v in plain(dict(props)).items():
        if k == "Environment":
            merged = dict(out.get("Environment", {}).get("Variables", {}))
            merged.update(v.get("Variables", {}))
            out["Environment"] = {"Variables": merged}
        else:
            out[k] = v
    return out


def ref_target(v):
    """The logical ID behind {"Ref": X} or {"Fn::GetAtt": [X, ...]}."""
    if isinstance(v, dict) and "Ref" in v:
        return v["Ref"]
    if isinstance(v, dict) and "Fn::GetAtt" in v:
        a = v["Fn::GetAtt"]
        return a[0] if isinstance(a, list) else a.split(".")[0]
    return None


functions = {
    lid: effective(r.get("Properties", {}))
    for lid, r in resources.items()
    if r.get("Type") == "AWS::Serverless::Function"
}
envs = {lid: p.get("Environment", {}).get("Variables", {}) for lid, p in functions.items()}

# --- functions, Makefile targets, sources -----------------------------------
targets = {}
current = None
for line in open("Makefile"):
    m = re.match(r"^build-([A-Za-z0-9]+):", line)
    if m:
        current = m.group(1)
        targets[current] = []
        continue
    if current and line.startswith("\t"):
        targets[current].append(line)
    elif line.strip():
        current = None
target_src, bad_targets = {}, {}
for lid, recipe in targets.items():
    srcs = sorted(set(re.findall(r"\./functions/([A-Za-z0-9_-]+)", "".join(recipe))))
    if len(srcs) == 1:
        target_src[lid] = srcs[0]
    else:
        bad_targets[lid] = "Makefile build-%s must build exactly one ./functions/<name>, found %s" % (lid, srcs or "none")

want = {"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": ["arm64"], "CodeUri": "."}
for lid, p in functions.items():
    problems = []
    meta = plain(resources[lid].get("Metadata", {}))
    if meta.get("BuildMethod") != "makefile":
        problems.append("needs Metadata: BuildMethod: makefile (got %r)" % meta.get("BuildMethod"))
    if lid not in targets:
        problems.append("the Makefile has no target build-%s, which sam build calls" % lid)
    elif lid in bad_targets:
        problems.append(bad_targets[lid])
    for k, v in want.items():
        if p.get(k) != v:
            problems.append("%s is %r, want %r (the Makefile builds one linux/arm64 bootstrap from the root module)" % (k, p.get(k), v))
    check(not problems, "%s: make build-%s (functions/%s), %s" % (lid, lid, target_src.get(lid), ", ".join("%s %s" % kv for kv in want.items())),
          "%s: %s" % (lid, "; ".join(problems)))

mains = sorted(
    os.path.basename(d.rstrip("/"))
    for d in glob.glob("functions/*/")
    if any("package main" in open(f).read() for f in glob.glob(d + "*.go") if not f.endswith("_test.go"))
)
by_src = {src: lid for lid, src in target_src.items()}
for name in mains:
    lid = by_src.get(name)
    if lid is None:
        fail("functions/%s has no Makefile target build-<LogicalId> that builds it" % name)
    else:
        check(lid in functions, "functions/%s is %s in template.yaml" % (name, lid),
              "functions/%s: build-%s builds it but template.yaml has no function %s" % (name, lid, lid))

with open(builds_out, "w") as f:
    for lid in functions:
        src = target_src.get(lid)
        if src in mains:
            # Functions that register definitions ship a readable copy too.
            f.write("%s %s %s\n" % (lid, src, "defs" if "DEFINITION_SUBSTITUTIONS" in envs[lid] else "-"))
        elif src:
            print("SKIP %s: functions/%s has no main package yet, so build-%s is not run" % (lid, src, lid))

# --- the stepwise table ------------------------------------------------------
def table_of(var):
    ids = {ref_target(e.get(var)) for e in envs.values() if var in e}
    if len(ids) != 1 or None in ids:
        fail("%s must be a Ref to one table, the same in every function (got %s)" % (var, sorted(map(str, ids))))
        return None, {}
    lid = ids.pop()
    if resources.get(lid, {}).get("Type") != "AWS::DynamoDB::Table":
        fail("%s refers to %s, which is not an AWS::DynamoDB::Table" % (var, lid))
        return None, {}
    return lid, plain(resources[lid].get("Properties", {}))


def norm_keys(ks):
    return [(k["AttributeName"], k["KeyType"]) for k in ks]


lid, t = table_of("TABLE_NAME")
if lid:
    c = created["CreateTable"]

    def layout(tbl, ttl):
        """The parts of a table that the store depends on, comparable."""
        return {
            "BillingMode": tbl.get("BillingMode"),
            "AttributeDefinitions": sorted((a["AttributeName"], a["AttributeType"]) for a in tbl.get("AttributeDefinitions", [])),
            "KeySchema": norm_keys(tbl.get("KeySchema", [])),
            "GlobalSecondaryIndexes": sorted(
                (g["IndexName"], norm_keys(g["KeySchema"]), g.get("Projection", {}).get("ProjectionType"))
                for g in tbl.get("GlobalSecondaryIndexes", [])
            ),
            "TimeToLiveSpecification": ttl,
        }

    got = layout(t, t.get("TimeToLiveSpecification"))
    want = layout(c, created["UpdateTimeToLive"]["TimeToLiveSpecification"])
    diff = ["%s is %s in the template, %s in CreateTable" % (k, got[k], want[k]) for k in want if got[k] != want[k]]
    for g in t.get("GlobalSecondaryIndexes", []):
        for w in c.get("GlobalSecondaryIndexes", []):
            if g["IndexName"] == w["IndexName"]:
                have = set(g.get("Projection", {}).get("NonKeyAttributes", []))
                need = set(w.get("Projection", {}).get("NonKeyAttributes", []))
                if have != need:
                    diff.append("index %s projects %s too few and %s too many" % (g["IndexName"], sorted(need - have), sorted(have - need)))
    check(not diff, "%s: same layout as dynamostore.CreateTable (keys %s, index %s, TTL on %s)" % (
              lid, [k for k, _ in want["KeySchema"]], [g[0] for g in want["GlobalSecondaryIndexes"]],
              (want["TimeToLiveSpecification"] or {}).get("AttributeName")),
          "%s: %s" % (lid, "; ".join(diff)))

# --- definitions: substitutions and the contacts table ------------------------
definitions = {}
for path in sorted(glob.glob("statemachines/*.asl.json")):
    text = open(path).read()
    definitions[path] = (text, json.loads(text))
placeholders = {}
for path, (text, _) in definitions.items():
    for name in re.findall(r"\$\{([A-Za-z0-9_]+)\}", text):
        placeholders.setdefault(name, set()).add(path)

subs_values = {}
for fn, e in envs.items():
    if "DEFINITION_SUBSTITUTIONS" not in e:
        continue
    v = e["DEFINITION_SUBSTITUTIONS"]
    s = v.get("Fn::Sub") if isinstance(v, dict) else v
    if isinstance(s, list):
        s = s[0]
    if not isinstance(s, str):
        fail("%s: DEFINITION_SUBSTITUTIONS must be a string or !Sub of one" % fn)
        continue
    subs_values[fn] = s
    try:
        keys = json.loads(re.sub(r"\$\{[^}]+\}", "x", s))
    except ValueError as err:
        fail("%s: DEFINITION_SUBSTITUTIONS is not JSON once ${...} are filled: %s" % (fn, err))
        continue
    problems = ["has no %s, used in %s" % (n, ", ".join(sorted(ps))) for n, ps in sorted(placeholders.items()) if n not in keys]
    problems += ["has %s, which no statemachines/*.asl.json uses" % n for n in sorted(set(keys) - set(placeholders))]
    check(not problems, "%s: DEFINITION_SUBSTITUTIONS fills %s" % (fn, ", ".join("${%s}" % n for n in sorted(placeholders))),
          "%s: DEFINITION_SUBSTITUTIONS %s" % (fn, "; ".join(problems)))

engine_vars = ["TABLE_NAME", "QUEUE_URL", "CONTACTS_TABLE", "SENDER_EMAIL", "PROCESS_FUNCTION_ARN", "DEFINITION_SUBSTITUTIONS", "ACCOUNT_ID", "LOG_LEVEL"]
engine_fns = sorted(fn for fn, e in envs.items() if "TABLE_NAME" in e)
for fn in engine_fns:
    missing = [k for k in engine_vars if k not in envs[fn]]
    check(not missing, "%s: engine environment %s" % (fn, ", ".join(engine_vars)), "%s: missing %s" % (fn, ", ".join(missing)))
for fn in engine_fns[1:]:
    diff = [k for k in engine_vars if envs[fn].get(k) != envs[engine_fns[0]].get(k)]
    check(not diff, "%s and %s: same engine environment" % (engine_fns[0], fn),
          "%s and %s differ in %s (Express runs in the API, Standard in the worker: they must agree)" % (engine_fns[0], fn, ", ".join(diff)))

lid, t = table_of("CONTACTS_TABLE")
if lid:
    keys = {k["AttributeName"]: k["KeyType"] for k in t.get("KeySchema", [])}
    types = {a["AttributeName"]: a["AttributeType"] for a in t.get("AttributeDefinitions", [])}
    hash_key = [k for k, v in keys.items() if v == "HASH"]
    puts = 0
    for path, (_, d) in definitions.items():
        def walk(states):
            global puts
            for name, st in states.items():
                for br in st.get("Branches", []):
                    walk(br.get("States", {}))
                if "ItemProcessor" in st or "Iterator" in st:
                    walk((st.get("ItemProcessor") or st.get("Iterator")).get("States", {}))
                if st.get("Resource") != "arn:aws:states:::dynamodb:putItem":
                    continue
                args = st.get("Arguments") or st.get("Parameters") or {}
                if args.get("TableName") != "${ContactsTableName}":
                    continue
                puts += 1
                item = args.get("Item", {})
                for k in keys:
                    check(k in item and types.get(k) in item[k],
                          "%s: %s writes %s's key %s (%s)" % (path, name, lid, k, types.get(k)),
                          "%s: %s's Item lacks %s's key %s of type %s" % (path, name, lid, k, types.get(k)))
                cond = args.get("ConditionExpression", "")
                m = re.search(r"attribute_not_exists\((\w+)\)", cond)
                if m:
                    check(m.group(1) in hash_key, "%s: %s's condition attribute_not_exists(%s) is on the hash key" % (path, name, m.group(1)),
                          "%s: %s's condition tests %s, but %s's hash key is %s" % (path, name, m.group(1), lid, hash_key))
        walk(d.get("States", {}))
    check(puts > 0, "%s: written by %d putItem state(s)" % (lid, puts),
          "%s: no dynamodb:putItem state writes TableName ${ContactsTableName}" % lid)

# --- the step queue ------------------------------------------------------------
sqs_routes = 0
for fn, p in functions.items():
    for ename, ev in p.get("Events", {}).items():
        if ev.get("Type") != "SQS":
            continue
        sqs_routes += 1
        ep = ev.get("Properties", {})
        q = ref_target(ep.get("Queue"))
        qp = plain(resources.get(q, {}).get("Properties", {}))
        vis, timeout = qp.get("VisibilityTimeout", 30), p.get("Timeout", 3)
        if isinstance(vis, int) and isinstance(timeout, int):
            check(vis >= 6 * timeout, "%s: VisibilityTimeout %d >= 6 x %s Timeout %d" % (q, vis, fn, timeout),
                  "%s: VisibilityTimeout %s must be at least 6 x %s's Timeout %s = %d (AWS's advice for event source mappings)" % (q, vis, fn, timeout, 6 * timeout))
        else:
            fail("%s: VisibilityTimeout and %s Timeout must be literal numbers to be checked" % (q, fn))
        rp = qp.get("RedrivePolicy", {})
        check(isinstance(rp, dict) and rp.get("maxReceiveCount") and ref_target(rp.get("deadLetterTargetArn")) in resources,
              "%s: redrive to %s after %s receives" % (q, ref_target(rp.get("deadLetterTargetArn")), rp.get("maxReceiveCount")),
              "%s: needs a RedrivePolicy with deadLetterTargetArn and maxReceiveCount" % q)
        check("ReportBatchItemFailures" in ep.get("FunctionResponseTypes", []),
              "%s.%s: ReportBatchItemFailures" % (fn, ename),
              "%s.%s: FunctionResponseTypes must include ReportBatchItemFailures (the worker returns failed items)" % (fn, ename))
        for e in envs.values():
            if "QUEUE_URL" in e:
                check(ref_target(e["QUEUE_URL"]) == q, "QUEUE_URL is %s, which %s consumes" % (q, fn),
                      "QUEUE_URL refers to %s, but %s consumes %s" % (ref_target(e["QUEUE_URL"]), fn, q))
                break
check(sqs_routes > 0, "an SQS event feeds the worker", "no function has an SQS event")

# --- samconfig.toml -------------------------------------------------------------
try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None
if tomllib is None:
    print("SKIP samconfig.toml: this python3 has no tomllib")
else:
    try:
        cfg = tomllib.load(open("samconfig.toml", "rb"))
    except (OSError, ValueError) as err:
        cfg = None
        fail("samconfig.toml: %s" % err)
    if cfg is not None:
        params = set(tpl.get("Parameters", {}))
        problems = []
        for cmd, section in sorted(cfg.get("default", {}).items()):
            po = section.get("parameters", {}).get("parameter_overrides", "")
            names = re.findall(r'(?:^|\s)([A-Za-z0-9]+)=', po if isinstance(po, str) else " ".join(po))
            problems += ["%s: parameter_overrides names %s, not a template parameter" % (cmd, n) for n in names if n not in params]
        required = {n for n, d in tpl.get("Parameters", {}).items() if "Default" not in d}
        deploy = cfg.get("default", {}).get("deploy", {}).get("parameters", {})
        missing = required - set(re.findall(r'(?:^|\s)([A-Za-z0-9]+)=', deploy.get("parameter_overrides", "")))
        if missing:
            problems.append("deploy: parameter_overrides lacks %s, which have no default" % ", ".join(sorted(missing)))
        check(not problems, "samconfig.toml: parameter_overrides name template parameters; deploy sets %s" % ", ".join(sorted(required)),
              "samconfig.toml: %s" % "; ".join(problems))

# --- sample events ---------------------------------------------------------------
routes = {}
for fn, p in functions.items():
    for ename, ev in p.get("Events", {}).items():
        if ev.get("Type") == "HttpApi":
            ep = ev.get("Properties", {})
            key = "%s %s" % (ep.get("Method", "").upper(), ep.get("Path"))
            routes[key] = (fn, ep.get("Auth", {}).get("Authorizer") == "AWS_IAM")
KINDS = {"step", "timer", "callback", "timeout", "child", "launch", "exectimeout"}
for path in sorted(glob.glob("events/*.json")):
    try:
        ev = json.load(open(path))
    except ValueError as err:
        fail("%s: not JSON: %s" % (path, err))
        continue
    base = os.path.basename(path)
    if base.startswith("api-"):
        rc = ev.get("requestContext", {})
        http = rc.get("http", {})
        problems = []
        if ev.get("version") != "2.0":
            problems.append('version is %r, not "2.0"' % ev.get("version"))
        if ev.get("routeKey") not in routes:
            problems.append("routeKey %r is not a route of template.yaml (%s)" % (ev.get("routeKey"), ", ".join(sorted(routes))))
        else:
            method, _, _ = ev["routeKey"].partition(" ")
            if http.get("method") != method:
                problems.append("requestContext.http.method %r does not match routeKey" % http.get("method"))
            iam = routes[ev["routeKey"]][1]
            has_iam = bool(rc.get("authorizer", {}).get("iam"))
            if iam != has_iam:
                problems.append("requestContext.authorizer.iam is %s, but the route is %s" % ("set" if has_iam else "missing", "IAM-only" if iam else "public"))
        if rc.get("routeKey") != ev.get("routeKey"):
            problems.append("requestContext.routeKey %r differs from routeKey" % rc.get("routeKey"))
        if http.get("path") != ev.get("rawPath") or not ev.get("rawPath", "").startswith("/"):
            problems.append("requestContext.http.path %r and rawPath %r must be the same path" % (http.get("path"), ev.get("rawPath")))
        if "{" in ev.get("routeKey", "") and not ev.get("pathParameters"):
            problems.append("the route has path parameters but the event has no pathParameters")
        check(not problems, "%s: HTTP API v2 event for %s" % (path, ev.get("routeKey")), "%s: %s" % (path, "; ".join(problems)))
    elif base.startswith("worker-"):
        recs = ev.get("Records") or []
        problems = [] if recs else ["no Records"]
        for i, r in enumerate(recs):
            if r.get("eventSource") != "aws:sqs":
                problems.append("Records[%d].eventSource is %r" % (i, r.get("eventSource")))
            body = r.get("body", "")
            if hashlib.md5(body.encode()).hexdigest() != r.get("md5OfBody"):
                problems.append("Records[%d].md5OfBody is not the MD5 of its body" % i)
            try:
                msg = json.loads(body)
            except ValueError:
                problems.append("Records[%d].body is not an engine message (JSON)" % i)
                continue
            if msg.get("k") not in KINDS or not str(msg.get("e", "")).startswith("arn:") or "t" not in msg or not isinstance(msg.get("s"), int):
                problems.append("Records[%d].body %s lacks an engine message's k, e, t, s" % (i, body))
        check(not problems, "%s: SQS event of %d engine messages" % (path, len(recs)), "%s: %s" % (path, "; ".join(problems)))

if failures:
    print("\n%d problem(s) in template.yaml, Makefile or events/" % len(failures))
    sys.exit(1)
PY

echo "--- make build-<LogicalId> (linux/arm64)"
while read -r lid src defs; do
  out="$tmp/build/$lid"
  make --no-print-directory "build-$lid" ARTIFACTS_DIR="$out" >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log"; die "make build-$lid failed"; }
  python3 - "$out/bootstrap" <<'PY' || die "build-$lid: $out/bootstrap is not a static linux/arm64 executable"
import struct, sys
b = open(sys.argv[1], "rb").read(64)
# ELF magic, 64-bit, little-endian, ET_EXEC (static, not PIE), EM_AARCH64.
if b[:4] != b"\x7fELF" or b[4] != 2 or b[5] != 1:
    sys.exit("not a 64-bit little-endian ELF file")
e_type, e_machine = struct.unpack_from("<HH", b, 16)
if e_machine != 183:
    sys.exit("ELF machine %d, not AArch64 (183)" % e_machine)
if e_type != 2:
    sys.exit("ELF type %d, not a static executable (2)" % e_type)
PY
  extra=""
  if [ "$defs" = defs ]; then
    for f in statemachines/*.asl.json; do
      cmp -s "$f" "$out/$f" ||
        die "build-$lid: \$(ARTIFACTS_DIR)/$f is missing or differs ($lid registers the definitions, so its build copies them)"
    done
    extra=" + statemachines/*.asl.json"
  fi
  echo "ok   build-$lid: functions/$src -> bootstrap (linux/arm64, $(($(stat -c %s "$out/bootstrap") / 1024 / 1024)) MiB)$extra"
done <"$tmp/builds.txt"

echo "--- template.yaml: all checks passed"
