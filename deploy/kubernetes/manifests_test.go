// Package kubernetes holds the bot's Kubernetes manifests: gateway shards
// as a StatefulSet, HTTP-mode instances as a Deployment, their Services and
// disruption budgets, the shared ConfigMap and data volume, and the
// migration Job. This test decodes every manifest strictly against the
// Kubernetes API types (k8s.io/api) and checks what the bot needs of them;
// no cluster is involved.
package kubernetes

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/embodied-community/embodied/internal/config"
)

// kinds are the API types the manifests may use, by apiVersion/kind.
var kinds = map[string]func() any{
	"v1/ConfigMap":                  func() any { return new(corev1.ConfigMap) },
	"v1/Service":                    func() any { return new(corev1.Service) },
	"v1/PersistentVolumeClaim":      func() any { return new(corev1.PersistentVolumeClaim) },
	"apps/v1/StatefulSet":           func() any { return new(appsv1.StatefulSet) },
	"apps/v1/Deployment":            func() any { return new(appsv1.Deployment) },
	"policy/v1/PodDisruptionBudget": func() any { return new(policyv1.PodDisruptionBudget) },
	"batch/v1/Job":                  func() any { return new(batchv1.Job) },
}

// decode reads one YAML document into its API type, refusing unknown and
// duplicate fields.
func decode(doc []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, fmt.Errorf("read apiVersion and kind: %w", err)
	}
	newObj, ok := kinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return nil, fmt.Errorf("apiVersion %q kind %q is not a type this test decodes", tm.APIVersion, tm.Kind)
	}
	obj := newObj()
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("decode %s strictly: %w", tm.Kind, err)
	}
	return obj, nil
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// manifests decodes every document of every *.yaml file here.
func manifests(t *testing.T) []any {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var out []any
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range docSeparator.Split(string(data), -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
				continue
			}
			obj, err := decode([]byte(doc))
			if err != nil {
				t.Fatalf("%s, document %d: %v", f, i+1, err)
			}
			out = append(out, obj)
		}
	}
	return out
}

// all returns the manifests of type T.
func all[T any](objs []any) []*T {
	var out []*T
	for _, o := range objs {
		if v, ok := o.(*T); ok {
			out = append(out, v)
		}
	}
	return out
}

// only returns the one manifest of type T.
func only[T any](t *testing.T, objs []any) *T {
	t.Helper()
	vs := all[T](objs)
	if len(vs) != 1 {
		t.Fatalf("%d manifests of %T, want 1", len(vs), *new(T))
	}
	return vs[0]
}

func TestDecodeIsStrict(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"a valid Service", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n", ""},
		{"a misspelled field", "apiVersion: apps/v1\nkind: StatefulSet\nspec: {replica: 2}\n", `unknown field "replica"`},
		{"a duplicate field", "apiVersion: v1\nkind: ConfigMap\ndata: {A: x}\ndata: {A: y}\n", `"data" already set`},
		{"a wrong type", "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: two}\n", "cannot unmarshal string"},
		{"a kind not listed", "apiVersion: v1\nkind: Secret\nstringData: {DISCORD_TOKEN: x}\n", "not a type this test decodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode([]byte(tt.doc))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && !strings.Contains(got, tt.wantErr) {
				t.Errorf("decode error %q, want one containing %q", got, tt.wantErr)
			}
		})
	}
}

// podName is set by the manifests for $(POD_NAME) in the audit fallback
// path; the bot does not read it.
const podName = "POD_NAME"

// secretEnv are the variables that hold secrets: only ever from a Secret.
var secretEnv = []string{"DISCORD_TOKEN", "DB_PASSWORD", "COMPONENT_SIGNING_KEY", "DATABASE_URL", "MIGRATION_DATABASE_URL"}

// defaults maps every variable the bot reads to its default.
func defaults(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for line := range strings.Lines(config.Usage()) {
		name, def, _ := strings.Cut(strings.TrimSpace(line), "\t")
		out[name] = strings.TrimSpace(def)
	}
	if _, ok := out["SECOPS_HTTP_ADDR"]; !ok {
		t.Fatal("config.Usage() lists no SECOPS_HTTP_ADDR")
	}
	return out
}

// workload is a pod template and what runs it.
type workload struct {
	name    string
	serving bool // runs the bot (not a one-off Job)
	labels  map[string]string
	spec    corev1.PodSpec
}

func workloads(objs []any) []workload {
	var out []workload
	for _, s := range all[appsv1.StatefulSet](objs) {
		out = append(out, workload{"StatefulSet " + s.Name, true, s.Spec.Template.Labels, s.Spec.Template.Spec})
	}
	for _, d := range all[appsv1.Deployment](objs) {
		out = append(out, workload{"Deployment " + d.Name, true, d.Spec.Template.Labels, d.Spec.Template.Spec})
	}
	for _, j := range all[batchv1.Job](objs) {
		out = append(out, workload{"Job " + j.Name, false, j.Spec.Template.Labels, j.Spec.Template.Spec})
	}
	return out
}

// env is a container's environment as the bot sees it: the defaults, then
// what the manifests set (explicit).
func env(t *testing.T, objs []any, c corev1.Container) map[string]string {
	t.Helper()
	out := defaults(t)
	maps.Copy(out, explicit(t, objs, c))
	return out
}

// explicit is what the manifests set for a container: the ConfigMaps of
// envFrom, then env (which wins). Values from a Secret or the downward API
// read "<from ...>".
func explicit(t *testing.T, objs []any, c corev1.Container) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			t.Fatalf("container %s: envFrom other than a ConfigMap", c.Name)
		}
		i := slices.IndexFunc(all[corev1.ConfigMap](objs), func(cm *corev1.ConfigMap) bool { return cm.Name == from.ConfigMapRef.Name })
		if i < 0 {
			t.Fatalf("container %s: no ConfigMap %s among the manifests", c.Name, from.ConfigMapRef.Name)
		}
		maps.Copy(out, all[corev1.ConfigMap](objs)[i].Data)
	}
	var defined []string
	for _, e := range c.Env {
		// Kubernetes expands $(NAME) only for a NAME defined above.
		for _, m := range regexp.MustCompile(`\$\((\w+)\)`).FindAllStringSubmatch(e.Value, -1) {
			if !slices.Contains(defined, m[1]) {
				t.Errorf("container %s: %s uses $(%s) before it is defined", c.Name, e.Name, m[1])
			}
		}
		defined = append(defined, e.Name)
		switch {
		case e.ValueFrom == nil:
			out[e.Name] = strings.ReplaceAll(e.Value, "$("+podName+")", "pod-0")
		case e.ValueFrom.SecretKeyRef != nil:
			out[e.Name] = "<from secret " + e.ValueFrom.SecretKeyRef.Name + ">"
		case e.ValueFrom.FieldRef != nil:
			out[e.Name] = "<from field " + e.ValueFrom.FieldRef.FieldPath + ">"
		default:
			out[e.Name] = "<from elsewhere>"
		}
	}
	return out
}

func envVar(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// TestShards checks the StatefulSet of gateway shards: as many pods as
// shards, each pod's shard id its ordinal, and a headless Service.
func TestShards(t *testing.T) {
	objs := manifests(t)
	sts := only[appsv1.StatefulSet](t, objs)
	c := sts.Spec.Template.Spec.Containers[0]
	e := env(t, objs, c)
	count, err := strconv.Atoi(e["DISCORD_SHARD_COUNT"])
	if err != nil {
		t.Fatalf("DISCORD_SHARD_COUNT = %q: the StatefulSet needs a number", e["DISCORD_SHARD_COUNT"])
	}
	if replicas := ptr.Deref(sts.Spec.Replicas, 1); int(replicas) != count {
		t.Errorf("replicas %d, DISCORD_SHARD_COUNT %d: every shard needs exactly one pod", replicas, count)
	}
	id := envVar(c, "DISCORD_SHARD_ID")
	want := &corev1.EnvVar{Name: "DISCORD_SHARD_ID", ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['" + appsv1.PodIndexLabel + "']"}}}
	if diff := cmp.Diff(want, id); diff != "" {
		t.Errorf("DISCORD_SHARD_ID mismatch (-want +got):\n%s", diff)
	}
	if sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("podManagementPolicy %q: identifies are spaced through PostgreSQL, start the shards in parallel", sts.Spec.PodManagementPolicy)
	}
	i := slices.IndexFunc(all[corev1.Service](objs), func(s *corev1.Service) bool { return s.Name == sts.Spec.ServiceName })
	if i < 0 || all[corev1.Service](objs)[i].Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("serviceName %q is not a headless Service among the manifests", sts.Spec.ServiceName)
	}
}

// TestHTTPMode checks the Deployment of HTTP-mode instances: no gateway,
// the interactions endpoint on a port its Service reaches.
func TestHTTPMode(t *testing.T) {
	objs := manifests(t)
	d := only[appsv1.Deployment](t, objs)
	c := d.Spec.Template.Spec.Containers[0]
	e := env(t, objs, c)
	if e["SECOPS_GATEWAY"] != "false" {
		t.Errorf("SECOPS_GATEWAY = %q, want false", e["SECOPS_GATEWAY"])
	}
	if e["DISCORD_PUBLIC_KEY"] == "" {
		t.Error("no DISCORD_PUBLIC_KEY: the endpoint cannot verify Discord's signatures")
	}
	port := listenPort(t, "SECOPS_INTERACTIONS_ADDR", e["SECOPS_INTERACTIONS_ADDR"])
	name := portName(t, c, port)
	svc := servicesFor(objs, d.Spec.Template.Labels)
	if !slices.ContainsFunc(svc, func(s *corev1.Service) bool {
		return slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.TargetPort.String() == name })
	}) {
		t.Errorf("no Service sends to the interactions port %q", name)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Error("fewer than two HTTP-mode instances: a rollout or a drain leaves Discord unanswered")
	}
}

// listenPort returns the port of a listen address the kubelet and other
// pods can reach (not loopback).
func listenPort(t *testing.T, name, addr string) int32 {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s = %q: %v", name, addr, err)
	}
	if host == "localhost" || net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback() {
		t.Errorf("%s = %q listens on loopback: unreachable from outside the pod", name, addr)
	}
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		t.Fatalf("%s = %q: port: %v", name, addr, err)
	}
	return int32(p)
}

// portName returns the name of the container port number p.
func portName(t *testing.T, c corev1.Container, p int32) string {
	t.Helper()
	for _, cp := range c.Ports {
		if cp.ContainerPort == p {
			return cp.Name
		}
	}
	t.Fatalf("container %s declares no port %d", c.Name, p)
	return ""
}

func servicesFor(objs []any, podLabels map[string]string) []*corev1.Service {
	var out []*corev1.Service
	for _, s := range all[corev1.Service](objs) {
		if len(s.Spec.Selector) > 0 && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(podLabels)) {
			out = append(out, s)
		}
	}
	return out
}

// TestWorkloads checks every pod template: probes on the ops listener,
// a grace period longer than the bot's shutdown, hardening, resources,
// environment names the bot reads, secrets only from Secrets, writable
// paths on volumes.
func TestWorkloads(t *testing.T) {
	objs := manifests(t)
	known := defaults(t)
	for _, w := range workloads(objs) {
		t.Run(w.name, func(t *testing.T) {
			if w.spec.AutomountServiceAccountToken == nil || *w.spec.AutomountServiceAccountToken {
				t.Error("the service account token is mounted: the bot never calls the Kubernetes API")
			}
			psc := w.spec.SecurityContext
			if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
				t.Error("pod securityContext does not run as a non-root user")
			}
			if len(w.spec.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(w.spec.Containers))
			}
			c := w.spec.Containers[0]
			e := env(t, objs, c)
			checkHardening(t, c)
			checkEnv(t, objs, c, known)
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("resources %v: want cpu and memory requests and a memory limit", c.Resources)
			}
			if !w.serving {
				return
			}
			checkProbes(t, c, e)
			checkGrace(t, w.spec, c, e)
			checkWritable(t, c, e)
		})
	}
}

func checkHardening(t *testing.T, c corev1.Container) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("no container securityContext")
	}
	got := []bool{sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation,
		sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem,
		sc.Capabilities != nil && slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) && len(sc.Capabilities.Add) == 0}
	if diff := cmp.Diff([]bool{true, true, true}, got); diff != "" {
		t.Errorf("no privilege escalation, read-only root, all capabilities dropped: mismatch (-want +got):\n%s", diff)
	}
}

func checkEnv(t *testing.T, objs []any, c corev1.Container, known map[string]string) {
	t.Helper()
	for _, e := range c.Env {
		if _, ok := known[e.Name]; !ok && e.Name != podName {
			t.Errorf("env %s: the bot does not read it", e.Name)
		}
		if slices.Contains(secretEnv, e.Name) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("env %s is a secret: take it from a Secret (secretKeyRef), never inline", e.Name)
		}
	}
	for _, cm := range all[corev1.ConfigMap](objs) {
		for k := range cm.Data {
			if _, ok := known[k]; !ok {
				t.Errorf("ConfigMap %s key %s: the bot does not read it", cm.Name, k)
			}
			if slices.Contains(secretEnv, k) {
				t.Errorf("ConfigMap %s holds the secret %s: put it in the Secret", cm.Name, k)
			}
		}
	}
}

// checkProbes: readiness on /readyz and liveness on /healthz, on the port
// the ops listener (SECOPS_HTTP_ADDR) binds.
func checkProbes(t *testing.T, c corev1.Container, e map[string]string) {
	t.Helper()
	ops := portName(t, c, listenPort(t, "SECOPS_HTTP_ADDR", e["SECOPS_HTTP_ADDR"]))
	type probe struct{ Path, Port string }
	get := func(p *corev1.Probe) probe {
		if p == nil || p.HTTPGet == nil {
			return probe{}
		}
		return probe{p.HTTPGet.Path, p.HTTPGet.Port.String()}
	}
	want := []probe{{"/readyz", ops}, {"/healthz", ops}}
	if diff := cmp.Diff(want, []probe{get(c.ReadinessProbe), get(c.LivenessProbe)}); diff != "" {
		t.Errorf("readiness, liveness mismatch (-want +got):\n%s", diff)
	}
}

// checkGrace: Kubernetes kills the container after the grace period, which
// also covers the preStop pause; the bot's graceful shutdown must fit.
func checkGrace(t *testing.T, spec corev1.PodSpec, c corev1.Container, e map[string]string) {
	t.Helper()
	shutdown, err := time.ParseDuration(e["SECOPS_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Fatalf("SECOPS_SHUTDOWN_TIMEOUT: %v", err)
	}
	var pause time.Duration
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		pause = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	if spec.TerminationGracePeriodSeconds == nil {
		t.Fatal("no terminationGracePeriodSeconds")
	}
	if grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second; grace <= pause+shutdown {
		t.Errorf("terminationGracePeriodSeconds %s is not longer than preStop %s + SECOPS_SHUTDOWN_TIMEOUT %s", grace, pause, shutdown)
	}
}

// checkWritable: with a read-only root file system, every path the bot
// writes lies on a writable volume.
func checkWritable(t *testing.T, c corev1.Container, e map[string]string) {
	t.Helper()
	dirs := map[string]string{"SECOPS_BACKUP_DIR": e["SECOPS_BACKUP_DIR"], "SECOPS_EXPORT_DIR": e["SECOPS_EXPORT_DIR"],
		"SECOPS_AUDIT_FALLBACK_FILE": path.Dir(e["SECOPS_AUDIT_FALLBACK_FILE"])}
	if e["LOG_FILE"] != "" {
		dirs["LOG_FILE"] = path.Dir(e["LOG_FILE"])
	}
	// With the key from the Secret the key file is not used.
	if !strings.HasPrefix(e["COMPONENT_SIGNING_KEY"], "<from secret") {
		t.Error("COMPONENT_SIGNING_KEY not from a Secret: every process must sign and check buttons with the same key")
	}
	for name, dir := range dirs {
		if !path.IsAbs(dir) {
			dir = path.Join(c.WorkingDir, dir)
		}
		if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
			return !m.ReadOnly && (dir == m.MountPath || strings.HasPrefix(dir, m.MountPath+"/"))
		}) {
			t.Errorf("%s = %s is on the read-only root file system", name, dir)
		}
	}
}

// TestDisruptionBudgets checks that each budget covers the pods of one
// workload.
func TestDisruptionBudgets(t *testing.T) {
	objs := manifests(t)
	ws := workloads(objs)
	for _, pdb := range all[policyv1.PodDisruptionBudget](objs) {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil {
			t.Fatalf("PodDisruptionBudget %s: %v", pdb.Name, err)
		}
		var got []string
		for _, w := range ws {
			if sel.Matches(labels.Set(w.labels)) {
				got = append(got, w.name)
			}
		}
		if len(got) != 1 {
			t.Errorf("PodDisruptionBudget %s selects %v, want one workload", pdb.Name, got)
		}
	}
}

// TestNoSecretInManifests looks for the Secret's values in plain text: no
// Secret object, no token-like value.
func TestNoSecretInManifests(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	token := regexp.MustCompile(`[\w-]{24,}\.[\w-]{6}\.[\w-]{27,}`) // Discord bot token shape
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("kind: Secret")) || token.Match(data) || regexp.MustCompile(`postgres(ql)?://[^@\s]*:[^@\s]*@`).Match(data) {
			t.Errorf("%s holds a secret: reference the Secret instead", f)
		}
	}
}

// TestSettingsLoad runs the bot's configuration loader on each pod's
// environment (made-up secrets, shard id 0): the only complaints allowed
// are the placeholders an operator fills in.
func TestSettingsLoad(t *testing.T) {
	objs := manifests(t)
	fake := map[string]string{"DISCORD_TOKEN": "made-up-token", "DB_PASSWORD": "made-up-password",
		"COMPONENT_SIGNING_KEY": strings.Repeat("k", 32), "MIGRATION_DATABASE_URL": "postgres://owner:pw@db.example/embodied",
		"DISCORD_SHARD_ID": "0", podName: "pod-0"}
	for _, w := range workloads(objs) {
		t.Run(w.name, func(t *testing.T) {
			for name := range defaults(t) {
				t.Setenv(name, "")
				os.Unsetenv(name) // unset, not empty: the loader's default applies
			}
			for name, v := range explicit(t, objs, w.spec.Containers[0]) {
				if strings.HasPrefix(v, "<from") {
					v = fake[name]
				}
				// The public key is a placeholder the loader reads as
				// malformed hex: an operator pastes the portal's key.
				if name == "DISCORD_PUBLIC_KEY" && v == "YOUR_PUBLIC_KEY" {
					v = strings.Repeat("0f", 32)
				}
				t.Setenv(name, v)
			}
			_, err := config.Load(w.serving)
			var verr *config.ValidationError
			if err != nil && !errors.As(err, &verr) {
				t.Fatal(err)
			}
			if verr == nil {
				return
			}
			for _, p := range verr.Problems {
				if !strings.Contains(p.Message, "placeholder") {
					t.Errorf("%s: %s", p.Var, p.Message)
				}
			}
		})
	}
}
