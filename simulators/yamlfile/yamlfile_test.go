package yamlfile

import (
	"errors"
	"testing"
)

type sample struct {
	Users map[string]struct {
		Password string `yaml:"password"`
	} `yaml:"users"`
	Lifetime string `yaml:"lifetime"`
}

func TestDecode_Errors(t *testing.T) {
	testCases := []struct {
		name, data, want string
	}{
		{"unknown key", "users:\n  demo:\n    password: x\n    pasword: y\n", `f.yaml:4: unknown key "pasword" (did you mean "password"?); the keys here: password`},
		{"unknown top key", "users: {}\nlifetim: 1h\n", `f.yaml:2: unknown key "lifetim" (did you mean "lifetime"?); the keys here: lifetime, users`},
		{"syntax", "users:\n  demo: [\n", "f.yaml:2: did not find expected node content"},
		{"wrong type", "lifetime: [1]\n", "f.yaml:1: cannot unmarshal !!seq into string"},
		{"empty", "", "f.yaml: the file is empty"},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			_, err := Decode("f.yaml", []byte(tc.data), &s)
			var ye *Error
			if !errors.As(err, &ye) {
				t.Fatalf("Decode error = %v, want *Error", err)
			}
			if err.Error() != tc.want {
				t.Fatalf("Decode error =\n%s\nwant\n%s", err, tc.want)
			}
		})
	}
}

func TestDoc_Lines(t *testing.T) {
	var s sample
	doc, err := Decode("f.yaml", []byte("lifetime: 1h\nusers:\n  demo:\n    password: x\n"), &s)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.KeyLine("users", "demo"); got != 3 {
		t.Errorf("KeyLine(users, demo) = %d, want 3", got)
	}
	if got := doc.Line("users", "demo", "password"); got != 4 {
		t.Errorf("Line(users, demo, password) = %d, want 4", got)
	}
	if got := doc.Line("users", "nobody"); got != 3 {
		t.Errorf("Line of a missing key = %d, want the deepest existing (3)", got)
	}
	if got := doc.Errorf(4, "bad %s", "x").Error(); got != "f.yaml:4: bad x" {
		t.Errorf("Errorf = %q", got)
	}
}

func TestDoc_Choice(t *testing.T) {
	var s struct {
		Settings struct {
			Mode string `yaml:"mode"`
		} `yaml:"settings"`
	}
	testCases := []struct {
		data, want, wantErr string
		allowed             []string
	}{
		{"settings: {}\n", "a", "", []string{"a", "b"}},
		{"settings:\n  mode: b\n", "b", "", []string{"a", "b"}},
		{"settings:\n  mode: z\n", "", `f.yaml:2: mode must be "a" or "b", not "z"`, []string{"a", "b"}},
		{"settings:\n  mode: z\n", "", `f.yaml:2: mode must be "a", "b" or "c", not "z"`, []string{"a", "b", "c"}},
	}
	for _, tc := range testCases {
		s.Settings.Mode = ""
		doc, err := Decode("f.yaml", []byte(tc.data), &s)
		if err != nil {
			t.Fatal(err)
		}
		err = doc.Choice(&s.Settings.Mode, "a", []string{"settings", "mode"}, tc.allowed...)
		switch {
		case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
			t.Errorf("%q: error %v, want %s", tc.data, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || s.Settings.Mode != tc.want):
			t.Errorf("%q: %q, %v; want %q", tc.data, s.Settings.Mode, err, tc.want)
		}
	}
}
