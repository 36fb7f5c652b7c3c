package sealing_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/internal/sealing"
)

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "outbox.key")
	key, err := sealing.LoadOrCreateKey(path)
	if err != nil || len(key) != 32 {
		t.Fatalf("create = %d bytes, %v", len(key), err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %v, want 0600", perm)
	}
	body, _ := os.ReadFile(path)
	if strings.TrimSpace(string(body)) != hex.EncodeToString(key) {
		t.Errorf("key file = %q, want the hex key", body)
	}
	again, err := sealing.LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("reload = %x, %v; want the same key", again, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("key directory holds %d entries, want only the key", len(entries))
	}
}

func TestLoadOrCreateKeyFormats(t *testing.T) {
	dir := t.TempDir()
	raw := bytes.Repeat([]byte{0xAB}, 32)
	for name, tc := range map[string]struct {
		body []byte
		ok   bool
	}{
		"hex":     {[]byte(hex.EncodeToString(raw) + "\n"), true},
		"raw":     {raw, true},
		"short":   {[]byte("abcd"), false},
		"bad hex": {[]byte(strings.Repeat("zz", 32)), false},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(path, tc.body, 0o600); err != nil {
			t.Fatal(err)
		}
		key, err := sealing.LoadOrCreateKey(path)
		if tc.ok && (err != nil || !bytes.Equal(key, raw)) {
			t.Errorf("%s: key = %x, %v", name, key, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
