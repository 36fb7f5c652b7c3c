package main

import (
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestCLIClient: "client create" prints the client_id and, for a
// confidential client only, the secret once; --json carries the same;
// "client list" shows both without secrets; "client delete" removes one;
// mistakes are usage errors (exit 2) or one clear line.
func TestCLIClient(t *testing.T) {
	e := dbEnv(t)
	out, _, err := cli(t, e, "client", "create", "--name", "Wiki", "--redirect-uri", "https://wiki.example/cb", "--redirect-uri", "http://127.0.0.1:8080/cb")
	if err != nil || !strings.Contains(out, "client_id:") || !strings.Contains(out, "client_secret:") || !strings.Contains(out, "confidential") {
		t.Fatalf("create: %q, %v", out, err)
	}
	out, _, err = cli(t, e, "client", "create", "--name", "SPA", "--redirect-uri", "http://localhost:3000/cb", "--public", "--first-party", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var pub clientJSON
	if err := json.Unmarshal([]byte(out), &pub); err != nil || pub.ClientID == "" || pub.ClientSecret != "" || !pub.Public || !pub.FirstParty {
		t.Fatalf("create --public --json: %q (%v)", out, err)
	}
	out, _, err = cli(t, e, "client", "create", "--name", "API", "--redirect-uri", "https://api.example/cb", "--json")
	var conf clientJSON
	if err != nil || json.Unmarshal([]byte(out), &conf) != nil || conf.ClientSecret == "" || conf.Public {
		t.Fatalf("create --json: %q (%v)", out, err)
	}
	out, _, err = cli(t, e, "client", "list", "--json")
	var list []clientJSON
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 3 || list[1].ClientID != pub.ClientID {
		t.Fatalf("list --json: %q (%v)", out, err)
	}
	for _, c := range list {
		if c.ClientSecret != "" {
			t.Errorf("list shows a secret: %+v", c)
		}
	}
	out, _, err = cli(t, e, "client", "list")
	if err != nil || !strings.Contains(out, "public, first-party") || strings.Contains(out, conf.ClientSecret) {
		t.Fatalf("list: %q, %v", out, err)
	}
	if out, _, err = cli(t, e, "client", "delete", conf.ClientID); err != nil || !strings.Contains(out, conf.ClientID) {
		t.Fatalf("delete: %q, %v", out, err)
	}
	if _, _, err = cli(t, e, "client", "delete", conf.ClientID); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("second delete: %v", err)
	}
	if _, _, err = cli(t, e, "client", "create", "--name", "Bad", "--redirect-uri", "http://evil.example/cb"); err == nil || !strings.Contains(err.Error(), "--redirect-uri") {
		t.Fatalf("http redirect URI: %v", err)
	}
	var u usageError
	if _, _, err = cli(t, e, "client", "create", "--name", "NoURI"); !errors.As(err, &u) {
		t.Fatalf("no --redirect-uri: %v", err)
	}
	if out, _, err = cli(t, e, "client", "--help"); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "gatehouse client create --help") && !strings.Contains(out, "  create ") {
		t.Fatalf("help: %q, %v", out, err)
	}
}
