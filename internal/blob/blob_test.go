package blob_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/blob"
)

func TestPutOpenDelete(t *testing.T) {
	root := t.TempDir()
	s := blob.New(root)
	key := "0123456789abcdef0123456789abcdef"
	n, err := s.Put(key, strings.NewReader("hello"), 10)
	if err != nil || n != 5 {
		t.Fatalf("put: %d %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(root, "01", key)); err != nil {
		t.Fatalf("stored at <root>/<key[:2]>/<key>: %v", err)
	}
	rc, err := s.Open(key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}
	if err := s.Delete(key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(key); err != nil {
		t.Fatalf("delete missing: %v", err)
	}
	if _, err := s.Open(key); err == nil {
		t.Fatal("open after delete")
	}
}

func TestPutTooLargeLeavesNothing(t *testing.T) {
	root := t.TempDir()
	s := blob.New(root)
	key := "abcdef"
	_, err := s.Put(key, strings.NewReader(strings.Repeat("x", 11)), 10)
	if !errors.Is(err, auth.ErrBlobTooLarge) {
		t.Fatalf("err %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, "ab"))
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	if n, err := s.Put(key, strings.NewReader(strings.Repeat("x", 10)), 10); err != nil || n != 10 {
		t.Fatalf("exactly max: %d %v", n, err)
	}
}

func TestBadKeys(t *testing.T) {
	s := blob.New(t.TempDir())
	for _, k := range []string{"", "ab", "../../etc/passwd", "ABCDEF", "ab/cd", "abc.def", strings.Repeat("a", 129)} {
		if _, err := s.Put(k, strings.NewReader("x"), 0); err == nil {
			t.Errorf("put %q accepted", k)
		}
		if _, err := s.Open(k); err == nil {
			t.Errorf("open %q accepted", k)
		}
		if err := s.Delete(k); err == nil {
			t.Errorf("delete %q accepted", k)
		}
	}
}
