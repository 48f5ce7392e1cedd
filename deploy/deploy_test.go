package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/mockauth/mockauth/simulators"
	"github.com/mockauth/mockauth/simulators/scenario"
)

// manifests decodes every document of deploy/*.yaml strictly into its
// Kubernetes API type: an unknown or misspelt field, or a value of the
// wrong type, fails here as `kubectl apply --validate=strict` would.
type manifests struct {
	deployments []appsv1.Deployment
	services    []corev1.Service
	configMaps  []corev1.ConfigMap
	secrets     []corev1.Secret
}

func load(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var m manifests
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var head struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal(doc, &head); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			var target any
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				m.deployments = append(m.deployments, appsv1.Deployment{})
				target = &m.deployments[len(m.deployments)-1]
			case "v1 Service":
				m.services = append(m.services, corev1.Service{})
				target = &m.services[len(m.services)-1]
			case "v1 ConfigMap":
				m.configMaps = append(m.configMaps, corev1.ConfigMap{})
				target = &m.configMaps[len(m.configMaps)-1]
			case "v1 Secret":
				m.secrets = append(m.secrets, corev1.Secret{})
				target = &m.secrets[len(m.secrets)-1]
			default:
				t.Fatalf("%s document %d: unexpected %s %s", f, i+1, head.APIVersion, head.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, target); err != nil {
				t.Fatalf("%s document %d (%s): %v", f, i+1, head.Kind, err)
			}
		}
	}
	return m
}

func TestManifests(t *testing.T) {
	m := load(t)
	if len(m.deployments) != 2 || len(m.configMaps) != 1 || len(m.secrets) != 1 {
		t.Fatalf("want two Deployments (mockauth, its state), a ConfigMap and a Secret; got %d, %d, %d", len(m.deployments), len(m.configMaps), len(m.secrets))
	}
	d := m.deployment(t, "mockauth")
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Error("the Deployment must run 2 replicas")
	}
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("one container")
	}
	c := d.Spec.Template.Spec.Containers[0]

	// Probes on the health endpoint of the admin port.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for _, name := range simulators.VendorNames() {
		if ports[name] != int32(simulators.DefaultPortBase+simulators.PortOffset(name)) {
			t.Errorf("container port %s = %d", name, ports[name])
		}
	}
	// Ready: /__admin/health (fails while the shared state is lost);
	// alive: /__admin/health/live (a lost store is no reason to restart).
	for what, p := range map[string]*corev1.Probe{"/health": c.ReadinessProbe, "/health/live": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != simulators.AdminPrefix+what || p.HTTPGet.Port.String() != "admin" {
			t.Errorf("probe must GET %s%s on the admin port: %+v", simulators.AdminPrefix, what, p)
		}
	}

	// Secrets come from the Secret; the keys exist.
	secret := m.secrets[0]
	env := map[string]string{}
	for _, e := range c.Env {
		if e.Value != "" || e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			continue // not a secret: MOCKAUTH_STATE, the pod's name
		}
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != secret.Name {
			t.Errorf("env %s must come from the Secret %s", e.Name, secret.Name)
			continue
		}
		env[e.Name] = e.ValueFrom.SecretKeyRef.Key
		if _, ok := secret.StringData[e.ValueFrom.SecretKeyRef.Key]; !ok {
			t.Errorf("env %s names key %q, which the Secret lacks", e.Name, e.ValueFrom.SecretKeyRef.Key)
		}
	}
	if env["MOCKAUTH_TOKEN_SECRET"] == "" || env["MOCKAUTH_ADMIN_TOKEN"] == "" {
		t.Error("the replicas need the token secret and the admin token (they bind 0.0.0.0)")
	}

	// The mounted scenarios file is the one serve loads and watches, and it loads.
	args := strings.Join(c.Args, " ")
	cm := m.configMaps[0]
	mount := ""
	for _, vm := range c.VolumeMounts {
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == vm.Name && v.ConfigMap != nil && v.ConfigMap.Name == cm.Name {
				mount = vm.MountPath
			}
		}
	}
	if mount == "" || !strings.Contains(args, "--scenarios "+mount+"/scenarios.yaml") || !strings.Contains(args, "--watch") || !strings.Contains(args, "--bind 0.0.0.0") {
		t.Errorf("args %q must load and watch the ConfigMap's scenarios.yaml at %s", args, mount)
	}
	if _, err := scenario.Load("configmap scenarios.yaml", []byte(cm.Data["scenarios.yaml"]), simulators.Vocabulary()); err != nil {
		t.Errorf("the ConfigMap's scenarios do not load: %v", err)
	}

	// A Service per vendor port; the admin one stays inside the cluster.
	targets := map[string]corev1.ServiceType{}
	for _, s := range m.services {
		if s.Name == "mockauth-state" {
			continue
		}
		if s.Spec.Selector["app.kubernetes.io/name"] != d.Spec.Template.Labels["app.kubernetes.io/name"] {
			t.Errorf("Service %s does not select the Deployment's pods", s.Name)
		}
		for _, p := range s.Spec.Ports {
			targets[p.TargetPort.String()] = s.Spec.Type
		}
	}
	for _, name := range append(simulators.VendorNames(), "admin") {
		if _, ok := targets[name]; !ok {
			t.Errorf("no Service targets port %s", name)
		}
	}
	if ty := targets["admin"]; ty != "" && ty != corev1.ServiceTypeClusterIP {
		t.Errorf("the admin Service is %s: it must not leave the cluster", ty)
	}
	if sc := d.Spec.Template.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Error("the pods must run as non-root")
	}
}

// The Dockerfile cannot be built here (no Docker engine); this checks what
// the image promises: multi-stage, a static binary, non-root, a HEALTHCHECK
// that the binary answers itself.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, users, checks, exposed []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "FROM":
			froms = append(froms, line)
		case "USER":
			users = append(users, f[1])
		case "HEALTHCHECK":
			checks = append(checks, line)
		case "EXPOSE":
			exposed = append(exposed, f[1:]...)
		}
	}
	// EXPOSE names the stack's ports on their defaults: the admin API and
	// one per registered vendor, no more, no fewer.
	var want []string
	for i := range simulators.Ports() {
		want = append(want, fmt.Sprint(simulators.DefaultPortBase+i))
	}
	if strings.Join(exposed, " ") != strings.Join(want, " ") {
		t.Errorf("EXPOSE %v, want the stack's ports %v", exposed, want)
	}
	if len(froms) < 2 || !strings.Contains(string(data), "CGO_ENABLED=0") {
		t.Error("the image must be built in stages into a static binary")
	}
	if len(users) == 0 || slices.Contains([]string{"0", "root"}, strings.Split(users[len(users)-1], ":")[0]) {
		t.Errorf("the image must run as non-root: USER %v", users)
	}
	if len(checks) != 1 || !strings.Contains(string(data), `CMD ["/usr/local/bin/mockauth", "health"]`) {
		t.Error("the image needs a HEALTHCHECK running mockauth health")
	}
}

// Issue 30: the Secret's placeholders are refused at start (they pass the
// length checks and are public); the image is named in full, with a pull
// policy, never :latest of nowhere; the base images are fully qualified
// (podman and buildah refuse short names); the version is stamped.
func TestDeploy_NoPublicSecretsNoShortNames(t *testing.T) {
	m := load(t)
	secret := m.secrets[0].StringData
	for _, opts := range []simulators.Options{
		{NoListener: true, AdminToken: secret["admin-token"]},
		{NoListener: true, TokenSecret: secret["token-secret"]},
	} {
		s, err := simulators.Start(opts)
		if !errors.Is(err, simulators.ErrPlaceholderSecret) || !strings.Contains(err.Error(), "openssl rand") {
			if s != nil {
				_ = s.Close()
			}
			t.Errorf("start with the Secret's placeholder: %v, want ErrPlaceholderSecret saying what to do", err)
		}
	}
	// The ConfigMap's scenarios add to the built-in catalogue: the magic
	// fixture users' scenarios stay.
	s, err := simulators.Start(simulators.Options{NoListener: true, Scenarios: []byte(m.configMaps[0].Data["scenarios.yaml"]), ScenariosName: "configmap scenarios.yaml"})
	if err != nil {
		t.Fatalf("the ConfigMap's scenarios beside the built-in ones: %v", err)
	}
	names := map[string]bool{}
	for _, st := range s.Scenarios().Statuses() {
		names[st.Name] = true
	}
	_ = s.Close()
	for _, want := range []string{"ucontact-flaky", "crmcom-vendor-error", "exotel-unavailable"} {
		if !names[want] {
			t.Errorf("the deployed stack lacks the built-in scenario %s", want)
		}
	}
	for _, d := range m.deployments {
		c := d.Spec.Template.Spec.Containers[0]
		if name, tag, _ := strings.Cut(c.Image, ":"); !strings.Contains(strings.Split(name, "/")[0], ".") && !strings.HasPrefix(name, "localhost/") || tag == "" || tag == "latest" {
			t.Errorf("%s: image %q: want a registry host and a tag other than latest", d.Name, c.Image)
		}
	}
	c := m.deployment(t, "mockauth").Spec.Template.Spec.Containers[0]
	if name, tag, _ := strings.Cut(c.Image, ":"); !strings.Contains(strings.Split(name, "/")[0], ".") && !strings.HasPrefix(name, "localhost/") || tag == "" || tag == "latest" {
		t.Errorf("image %q: want a registry host and a tag other than latest", c.Image)
	}
	if c.ImagePullPolicy == "" {
		t.Error("the container needs an imagePullPolicy (the image is built and loaded, not pulled)")
	}
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "FROM" {
			continue
		}
		if host := strings.Split(f[1], "/")[0]; !strings.ContainsAny(host, ".:") && host != "localhost" {
			t.Errorf("%s: name the base image in full, registry first", line)
		}
	}
	if !strings.Contains(string(data), "-X main.stampedVersion=${VERSION}") {
		t.Error("the Dockerfile's VERSION must reach the binary (-X main.stampedVersion)")
	}
}

// deployment is the Deployment of that name.
func (m manifests) deployment(t *testing.T, name string) appsv1.Deployment {
	t.Helper()
	for _, d := range m.deployments {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no Deployment %s", name)
	return appsv1.Deployment{}
}

// Issue 33: the replicas share their state through state.yaml's Redis:
// MOCKAUTH_STATE names its Service, its password comes from the Secret
// (to Redis, and to mockauth as a file), each replica is named by its pod,
// and the Redis is the Secret's placeholder-free, non-root, unpersisted.
func TestDeploy_ReplicasShareOneState(t *testing.T) {
	m := load(t)
	c := m.deployment(t, "mockauth").Spec.Template.Spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	var svc *corev1.Service
	for i, s := range m.services {
		if s.Name == "mockauth-state" {
			svc = &m.services[i]
		}
	}
	if svc == nil || len(svc.Spec.Ports) != 1 {
		t.Fatal("no Service mockauth-state with one port")
	}
	want := fmt.Sprintf("redis://%s:%d/0", svc.Name, svc.Spec.Ports[0].Port)
	if env["MOCKAUTH_STATE"].Value != want {
		t.Errorf("MOCKAUTH_STATE = %q, want %q", env["MOCKAUTH_STATE"].Value, want)
	}
	if f := env["MOCKAUTH_REPLICA"].ValueFrom; f == nil || f.FieldRef == nil || f.FieldRef.FieldPath != "metadata.name" {
		t.Error("MOCKAUTH_REPLICA must be the pod's name")
	}
	file := env["MOCKAUTH_STATE_PASSWORD_FILE"].Value
	mounted := false
	d := m.deployment(t, "mockauth")
	for _, vm := range c.VolumeMounts {
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == vm.Name && v.Secret != nil && v.Secret.SecretName == m.secrets[0].Name {
				for _, it := range v.Secret.Items {
					if it.Key == "state-password" && filepath.Join(vm.MountPath, it.Path) == file {
						mounted = true
					}
				}
			}
		}
	}
	if !mounted {
		t.Errorf("MOCKAUTH_STATE_PASSWORD_FILE %q is not the Secret's state-password mounted", file)
	}
	r := m.deployment(t, "mockauth-state")
	rc := r.Spec.Template.Spec.Containers[0]
	if svc.Spec.Selector["app.kubernetes.io/name"] != r.Spec.Template.Labels["app.kubernetes.io/name"] {
		t.Error("the state Service does not select the Redis pods")
	}
	args := strings.Join(rc.Args, " ")
	if !strings.Contains(args, "--requirepass $(REDIS_PASSWORD)") || rc.Env[0].ValueFrom.SecretKeyRef.Key != "state-password" {
		t.Errorf("Redis must require the Secret's state-password: args %q", args)
	}
	if sc := r.Spec.Template.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Error("Redis must run as non-root")
	}
	// The Secret's placeholder password is refused at start, as the others.
	pw := filepath.Join(t.TempDir(), "state-password")
	if err := os.WriteFile(pw, []byte(m.secrets[0].StringData["state-password"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := simulators.Start(simulators.Options{NoListener: true, State: "redis://127.0.0.1:1/0", StatePasswordFile: pw})
	if !errors.Is(err, simulators.ErrPlaceholderSecret) {
		if s != nil {
			_ = s.Close()
		}
		t.Errorf("start with the Secret's placeholder state password: %v, want ErrPlaceholderSecret", err)
	}
}
