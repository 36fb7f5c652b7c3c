// Package pgtest runs a private PostgreSQL server for the tests of one
// package: initdb in a temp dir, a postgres process on a free 127.0.0.1
// port, and a fresh database per test. No system service is needed, only
// the server binaries (Debian's postgresql package).
//
// Use it from TestMain (the server starts when a test first asks for a
// database, and Main stops it):
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and in a test: url := pgtest.DB(t). Without PostgreSQL on the machine the
// test is skipped, except under CI=true, where it fails (.ci/run installs
// the package).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is one running private PostgreSQL server.
type Server struct {
	dir  string // temp dir: data/, the unix socket and the log
	port int
	cmd  *exec.Cmd
	done chan struct{}
	n    atomic.Int64 // databases created so far (their names)

	durable bool // Options.Durable

	mu        sync.Mutex
	schemasDB bool // the database Schema makes its schemas in exists
}

var (
	mainCalled bool
	once       sync.Once
	shared     *Server
	startErr   error
)

// Main runs the tests and then stops the package's shared server, which
// the first test asking for a database started; it returns the exit code
// for os.Exit. A server that cannot start is reported by DB in each test
// that asks for one (a skip, or a failure under CI=true), so the tests
// that need no PostgreSQL still run, and do not wait for initdb.
func Main(m *testing.M) int {
	mainCalled = true
	code := m.Run()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// DB creates a fresh database on the package's server and returns its
// connection URL; the database is dropped when the test ends.
func DB(t testing.TB) string {
	t.Helper()
	if !mainCalled {
		// Without Main nothing would stop the server.
		t.Fatal("pgtest: call pgtest.Main from TestMain")
	}
	once.Do(func() { shared, startErr = Start() })
	if shared == nil {
		err := startErr
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %v", err)
		}
		t.Skipf("no PostgreSQL server: %v", err)
	}
	return shared.NewDB(t)
}

// Schema creates a fresh schema in a database the package's tests share
// and returns a connection URL whose search_path is that schema; the
// schema is dropped when the test ends. A schema costs a tenth of a
// database to make, so suites that open a store per test use it.
func Schema(t testing.TB) string {
	t.Helper()
	DB(t) // skips or fails the test when there is no server
	s := shared
	s.mu.Lock()
	if !s.schemasDB {
		if err := s.exec("CREATE DATABASE schemas"); err != nil {
			s.mu.Unlock()
			t.Fatalf("pgtest: create database: %v", err)
		}
		s.schemasDB = true
	}
	s.mu.Unlock()
	name := fmt.Sprintf("s%d", s.n.Add(1))
	if err := s.execIn("schemas", "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := s.execIn("schemas", "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema: %v", err)
		}
	})
	return s.URL("schemas") + "&search_path=" + name
}

func (s *Server) exec(stmt string) error { return s.execIn("postgres", stmt) }

func (s *Server) execIn(db, stmt string) error {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, stmt)
	return err
}

// BinDir finds the PostgreSQL server binaries (initdb, postgres).
func BinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	// Debian's pg_config (libpq-dev) may name the client dir only.
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", errors.New("initdb not found (apt-get install postgresql)")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Start runs initdb in a new temp dir and starts postgres on a free port,
// without durability (fsync off: test data is thrown away).
func Start() (*Server, error) { return StartWith(Options{}) }

// Options configure StartWith.
type Options struct {
	// Durable keeps PostgreSQL's defaults (fsync, synchronous commit, full
	// page writes), as a production server runs: for benchmarks.
	Durable bool
}

// StartWith is Start with options.
func StartWith(o Options) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gatehouse-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan struct{}), durable: o.Durable}
	// initdb and postgres refuse to run as root: as root, run them as the
	// postgres OS user, which must own the temp dir.
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and no postgres OS user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	command := func(name string, args ...string) *exec.Cmd {
		argv := append(append([]string{}, asUser...), filepath.Join(bin, name))
		argv = append(argv, args...)
		return exec.Command(argv[0], argv[1:]...)
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	// A port taken between our probe and postgres' bind makes it exit;
	// try a few.
	for try := 0; ; try++ {
		s.port, err = freePort()
		if err == nil {
			err = s.run(command, data)
		}
		if err == nil {
			return s, nil
		}
		if try == 4 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (s *Server) run(command func(string, ...string) *exec.Cmd, data string) error {
	logFile, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	args := []string{"-D", data,
		"-c", "listen_addresses=127.0.0.1",
		"-p", strconv.Itoa(s.port),
		"-c", "unix_socket_directories=" + s.dir,
		"-c", "max_connections=300",
	}
	if !s.durable {
		// Test data is thrown away: durability buys nothing here.
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := command("postgres", args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
			return fmt.Errorf("postgres exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.stopProcess()
			return fmt.Errorf("postgres did not accept connections in 60s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL is the connection URL of database name on the server.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// CreateDB creates a fresh database and returns its URL (for programs
// other than tests, such as the benchmark; nothing drops it but Stop).
func (s *Server) CreateDB() (string, error) {
	name := fmt.Sprintf("t%d", s.n.Add(1))
	if err := s.exec("CREATE DATABASE " + name); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return s.URL(name), nil
}

// NewDB creates a fresh database and drops it (closing any connections
// left open) when the test ends.
func (s *Server) NewDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d", s.n.Add(1))
	if err := s.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := s.exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return s.URL(name)
}

// Stop shuts the server down (by the PID postgres wrote) and removes its
// temp dir.
func (s *Server) Stop() {
	s.stopProcess()
	os.RemoveAll(s.dir)
}

func (s *Server) stopProcess() {
	if s.cmd == nil {
		return
	}
	// SIGINT to the postmaster itself is its fast shutdown. Under runuser,
	// s.cmd is runuser; the postmaster's PID is the first line of
	// postmaster.pid.
	pid := s.cmd.Process.Pid
	if b, err := os.ReadFile(filepath.Join(s.dir, "data", "postmaster.pid")); err == nil {
		if first, _, ok := strings.Cut(string(b), "\n"); ok {
			if p, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && p > 0 {
				pid = p
			}
		}
	}
	syscall.Kill(pid, syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		// Our own process group only (Setpgid above).
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}
